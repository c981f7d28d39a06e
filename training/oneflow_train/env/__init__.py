"""Push-T, as diffusion_policy defines it (pymunk physics, shapely coverage, pygame/cv2 rendering)."""
from .coverage import GOAL_POSE, SUCCESS_THRESHOLD, coverage, reward_from_coverage
from .pusht_env import PushTEnv, reset_state_from_seed

__all__ = ["PushTEnv", "reset_state_from_seed", "coverage", "reward_from_coverage", "GOAL_POSE", "SUCCESS_THRESHOLD"]
