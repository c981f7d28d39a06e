"""Coverage on hand-built poses: none, analytic partial, full; reward and success threshold."""
import math

import pytest

from oneflow_train.env import GOAL_POSE, PushTEnv, coverage, reward_from_coverage


def test_full_and_zero():
    assert coverage(GOAL_POSE) == pytest.approx(1.0)
    assert coverage((60, 60, 0.0)) == 0.0
    assert coverage((450, 450, 1.0)) == 0.0


@pytest.mark.parametrize("dx", [5.0, 10.0, 20.0, 40.0])
def test_partial_shift_along_bar(dx):
    # both at angle 0: bar overlap (120-dx)*30, stem overlap max(0, 30-dx)*90, over 6300 px^2
    expected = ((120 - dx) * 30 + max(0.0, 30 - dx) * 90) / 6300
    assert coverage((256 + dx, 256, 0.0), goal_pose=(256, 256, 0.0)) == pytest.approx(expected)
    # same shift in the goal's own frame (goal angle pi/4)
    gx, gy, ga = GOAL_POSE
    pose = (gx + dx * math.cos(ga), gy + dx * math.sin(ga), ga)
    assert coverage(pose) == pytest.approx(expected)


def test_reward_and_done():
    assert reward_from_coverage(0.475) == pytest.approx(0.5)
    assert reward_from_coverage(0.96) == 1.0 and reward_from_coverage(0.0) == 0.0
    env = PushTEnv()
    gx, gy, ga = GOAL_POSE
    env.reset(state=[50, 50, gx, gy, ga])  # legacy order would move the origin: use the non-legacy pose directly
    env.block.angle = ga
    env.block.position = (gx, gy)
    _, reward, done, info = env.step(None)  # DP: action None = no physics step
    assert reward == 1.0 and done and info["coverage"] == pytest.approx(1.0)
    env.block.position = (gx + 10 * math.cos(ga), gy + 10 * math.sin(ga))
    _, reward, done, info = env.step(None)
    assert not done and reward == pytest.approx(info["coverage"] / 0.95)
