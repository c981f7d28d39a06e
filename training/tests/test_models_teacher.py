"""Shapes and parameter counts of the teacher's networks (UNet, image encoders, crops)."""
import torch

from oneflow_train.models.encoders import ImageEncoder, center_crop, random_crop
from oneflow_train.models.unet1d import ConditionalUnet1D

torch.set_num_threads(1)


def test_unet_shapes_and_dp_parameter_counts():
    # DP lowdim widths: 65.8 M, image widths with 132-d cond and step-emb 128: 251.5 M (pusht.md §4.1).
    def count(m):
        return sum(p.numel() for p in m.parameters())

    with torch.device("meta"):
        assert round(count(ConditionalUnet1D(2, 40, (256, 512, 1024), 5, 8, 256)) / 1e5) == 658
        assert round(count(ConditionalUnet1D(2, 132, (512, 1024, 2048), 5, 8, 128)) / 1e5) == 2515
    net = ConditionalUnet1D(2, 40, (16, 32, 64), 5, 8, 32)
    x = torch.randn(3, 16, 2)
    out = net(x, torch.tensor([0, 50, 99]), torch.randn(3, 40))
    assert out.shape == (3, 16, 2)
    # a scalar timestep broadcasts to the batch (ONNX-friendly path) and equals the per-sample form
    cond = torch.randn(3, 40)
    assert torch.allclose(net(x, torch.tensor(7), cond), net(x, torch.full((3,), 7), cond))


def test_unet_conditioning_changes_output():
    net = ConditionalUnet1D(2, 8, (16, 32), 3, 8, 16).eval()
    x = torch.randn(2, 8, 2)
    a = net(x, torch.tensor([5, 5]), torch.zeros(2, 8))
    b = net(x, torch.tensor([5, 5]), torch.ones(2, 8))
    c = net(x, torch.tensor([60, 60]), torch.zeros(2, 8))
    assert (a - b).abs().max() > 1e-4 and (a - c).abs().max() > 1e-4


def test_image_encoders_shapes_and_crop_modes():
    imgs = torch.randint(0, 256, (2, 96, 96, 3), dtype=torch.uint8)
    for backbone, n_params in (("small_cnn", 1e5), ("resnet18", 11.2e6)):
        enc = ImageEncoder(backbone)
        assert abs(sum(p.numel() for p in enc.parameters()) - n_params) / n_params < 0.02
        enc.train()
        assert enc(imgs, torch.Generator().manual_seed(0)).shape == (2, 64)
        enc.eval()
        e1, e2 = enc(imgs), enc(imgs)
        assert e1.shape == (2, 64) and torch.equal(e1, e2)  # centre crop: deterministic


def test_crops_are_windows_of_the_input():
    x = torch.arange(2 * 3 * 96 * 96, dtype=torch.float32).reshape(2, 3, 96, 96)
    assert torch.equal(center_crop(x, 84), x[..., 6:90, 6:90])
    g = torch.Generator().manual_seed(3)
    out = random_crop(x, 84, g)
    assert out.shape == (2, 3, 84, 84)
    for n in range(2):
        top = int((out[n, 0, 0, 0] - x[n, 0, 0, 0]) // 96)
        left = int((out[n, 0, 0, 0] - x[n, 0, 0, 0]) % 96)
        assert 0 <= top <= 12 and 0 <= left <= 12
        assert torch.equal(out[n], x[n, :, top : top + 84, left : left + 84])
