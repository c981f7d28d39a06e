"""oneflow-train bags: episodes -> rosbag2 MCAP via rosbags, read back with rosbags (independent of our TS code)."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from oneflow_train.bags import BAG_START_NS, TOPICS, Episode, load_episode, read_bag, write_episode_bag

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "test" / "fixtures" / "bags"


def _episode(n: int = 5) -> Episode:
    rng = np.random.default_rng(0)
    return Episode(
        index=7,
        img=rng.integers(0, 256, size=(n, 96, 96, 3), dtype=np.uint8),
        state=rng.uniform(0, 512, size=(n, 5)).astype(np.float32),
        action=rng.uniform(0, 512, size=(n, 2)).astype(np.float32),
    )


def test_written_bag_holds_every_step_on_every_topic(tmp_path: Path) -> None:
    ep = _episode()
    bag = write_episode_bag(ep, tmp_path / "ep")
    assert (bag / "metadata.yaml").exists()
    seen: dict[str, list] = {t: [] for t in TOPICS}
    for topic, msgtype, ns, msg in read_bag(bag):
        assert msgtype == TOPICS[topic]
        assert msg.header.stamp.sec * 1_000_000_000 + msg.header.stamp.nanosec == ns
        assert msg.header.frame_id == "pusht"
        seen[topic].append((ns, msg))
    for topic, items in seen.items():
        assert [ns for ns, _ in items] == [BAG_START_NS + i * 100_000_000 for i in range(5)], topic
    for i in range(5):
        img = seen["/camera/image_raw"][i][1]
        assert (img.height, img.width, img.encoding, img.step) == (96, 96, "rgb8", 288)
        np.testing.assert_array_equal(img.data.reshape(96, 96, 3), ep.img[i])
        js = seen["/joint_states"][i][1]
        assert list(js.name) == ["agent_x", "agent_y"]
        np.testing.assert_array_equal(js.position, ep.state[i, :2].astype(np.float64))
        pose = seen["/object_pose"][i][1].pose
        assert (pose.position.x, pose.position.y) == (float(ep.state[i, 2]), float(ep.state[i, 3]))
        yaw = 2 * math.atan2(pose.orientation.z, pose.orientation.w)
        assert math.isclose(math.remainder(yaw - float(ep.state[i, 4]), 2 * math.pi), 0.0, abs_tol=1e-12)
        np.testing.assert_array_equal(seen["/teleop/action"][i][1].position, ep.action[i].astype(np.float64))


def test_refuses_to_overwrite_and_mismatched_lengths(tmp_path: Path) -> None:
    write_episode_bag(_episode(2), tmp_path / "ep")
    with pytest.raises(FileExistsError, match="already exists"):
        write_episode_bag(_episode(2), tmp_path / "ep")
    ep = _episode(3)
    bad = Episode(index=3, img=ep.img[:2], state=ep.state, action=ep.action)
    with pytest.raises(ValueError, match=r"episode 3: img/state/action lengths differ \(2, 3, 3\)"):
        write_episode_bag(bad, tmp_path / "bad")


def test_fixture_bag_205_is_dataset_episode_205() -> None:
    from oneflow_train.data.pusht import DEFAULT_ZARR_PATH

    if not Path(DEFAULT_ZARR_PATH).exists():
        pytest.skip(f"dataset not at {DEFAULT_ZARR_PATH}")
    ep = load_episode(DEFAULT_ZARR_PATH, 205)
    states = [m.position for t, _, _, m in read_bag(FIXTURES / "pusht_ep205", ["/joint_states"])]
    actions = [m.position for t, _, _, m in read_bag(FIXTURES / "pusht_ep205", ["/teleop/action"])]
    assert len(states) == len(ep.state) == 49
    np.testing.assert_array_equal(np.array(states), ep.state[:, :2].astype(np.float64))
    np.testing.assert_array_equal(np.array(actions), ep.action.astype(np.float64))
    with pytest.raises(ValueError, match=r"episode 206 does not exist: the dataset has episodes 0\.\.205"):
        load_episode(DEFAULT_ZARR_PATH, 206)


def test_episode_selection_syntax() -> None:
    from oneflow_train.commands.bags import parse_episodes

    assert parse_episodes("18,205") == [18, 205]
    assert parse_episodes("0:3, 7") == [0, 1, 2, 7]
    assert parse_episodes("val") == [18, 90, 134, 157]
    with pytest.raises(ValueError):
        parse_episodes("x")
    with pytest.raises(ValueError):
        parse_episodes(" , ")
