import json, struct
import numpy as np
import torch

_DT = {torch.float32: ("F32", np.float32), torch.float64: ("F64", np.float64), torch.int64: ("I64", np.int64),
       torch.int32: ("I32", np.int32), torch.uint8: ("U8", np.uint8), torch.bool: ("BOOL", np.bool_),
       torch.float16: ("F16", np.float16)}
_BACK = {v[0]: (k, v[1]) for k, v in _DT.items()}


def save_file(tensors, filename, metadata=None):
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        code, npdt = _DT[t.dtype]
        b = t.numpy().astype(npdt, copy=False).tobytes()
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b); off += len(b)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(filename, "wb") as f:
        f.write(struct.pack("<Q", len(h))); f.write(h)
        for b in blobs:
            f.write(b)


def load_file(filename, device="cpu"):
    with open(filename, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n]); base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        tdt, npdt = _BACK[info["dtype"]]
        s, e = info["data_offsets"]
        arr = np.frombuffer(data[base + s: base + e], dtype=npdt).reshape(info["shape"]).copy()
        out[name] = torch.from_numpy(arr).to(device)
    return out
