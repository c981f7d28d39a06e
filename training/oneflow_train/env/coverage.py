"""The T geometry and the coverage reward (DP `pusht_env.py`: shapely MultiPolygons of the two boxes)."""
from __future__ import annotations

import math

import numpy as np
import shapely.geometry as sg

SCALE, LENGTH = 30, 4
# block-local vertices of the two boxes, in DP's order (add_tee): bar 120x30 at y in [0, 30], stem 30x90 below it
BAR_VERTICES = ((-LENGTH * SCALE / 2, SCALE), (LENGTH * SCALE / 2, SCALE), (LENGTH * SCALE / 2, 0), (-LENGTH * SCALE / 2, 0))
STEM_VERTICES = ((-SCALE / 2, SCALE), (-SCALE / 2, LENGTH * SCALE), (SCALE / 2, LENGTH * SCALE), (SCALE / 2, SCALE))
T_AREA_PX2 = 120 * 30 + 30 * 90  # 6300

GOAL_POSE = (256.0, 256.0, math.pi / 4)  # x, y (px, y down), angle (rad)
SUCCESS_THRESHOLD = 0.95  # done when coverage > 0.95; reward = clip(coverage / 0.95, 0, 1)


def t_world_vertices(pose) -> list[list[tuple[float, float]]]:
    """Pose (x, y, angle) of the body origin -> world vertices of [bar, stem] (pymunk local_to_world)."""
    x, y, a = float(pose[0]), float(pose[1]), float(pose[2])
    c, s = math.cos(a), math.sin(a)
    return [[(x + c * vx - s * vy, y + s * vx + c * vy) for vx, vy in box] for box in (BAR_VERTICES, STEM_VERTICES)]


def t_geometry(pose) -> sg.MultiPolygon:
    return sg.MultiPolygon([sg.Polygon(v + [v[0]]) for v in t_world_vertices(pose)])


_GOAL_GEOM = t_geometry(GOAL_POSE)


def coverage(block_pose, goal_pose=GOAL_POSE) -> float:
    """area(goal ∩ block) / area(goal), both T's as shapely MultiPolygons (DP's definition)."""
    goal = _GOAL_GEOM if tuple(goal_pose) == GOAL_POSE else t_geometry(goal_pose)
    return goal.intersection(t_geometry(block_pose)).area / goal.area


def reward_from_coverage(cov: float) -> float:
    return float(np.clip(cov / SUCCESS_THRESHOLD, 0.0, 1.0))
