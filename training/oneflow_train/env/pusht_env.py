"""Push-T physics, a line-by-line port of diffusion_policy's `PushTEnv` to pymunk 7 (no gym dependency).

Kept identical on purpose (DP-repo `diffusion_policy/env/pusht/pusht_env.py`):
- 512x512 px world, y down; 4 static wall segments (radius 2); kinematic agent disc r=15; one dynamic T body.
- 100 Hz physics, 10 Hz control (10 substeps per action); PD drive v += (kp (a - x) + kv (0 - v)) dt, kp=100, kv=20.
- space.damping = 0 (velocity is removed every substep: the T moves only while pushed).
- The T's moment of inertia reuses the bar's vertices for the stem (DP bug): 2 x moment_for_poly(1, bar) = 3000.
- Centre of gravity = unweighted mean of the two box centroids = local (0, 45).
- Shapes keep pymunk's default friction 0 (DP sets `body.friction`, which Body ignores; we skip that no-op line).
- Legacy set-state order (block position, then angle, which rotates about the CoG), then one physics step.
- Reset from np.random.RandomState(seed): agent randint(50,450) x2, block randint(100,400) x2, angle randn*2pi - pi.
- reward = clip(coverage / 0.95, 0, 1), done = coverage > 0.95; the state angle is reported mod 2*pi.
The only port: DP's contact counter used `space.add_collision_handler(0, 0).post_solve` (removed in pymunk 7); it is
registered with `space.on_collision(0, 0, post_solve=...)` instead. It only feeds info["n_contacts"].
"""
from __future__ import annotations

import math

import numpy as np
import pymunk

from .coverage import BAR_VERTICES, GOAL_POSE, STEM_VERTICES, SUCCESS_THRESHOLD, coverage, reward_from_coverage

# pygame named colours, as RGBA tuples (so the physics never imports pygame)
LIGHT_GRAY = (211, 211, 211, 255)
ROYAL_BLUE = (65, 105, 225, 255)
LIGHT_SLATE_GRAY = (119, 136, 153, 255)
ALL_MASKS = pymunk.ShapeFilter.ALL_MASKS()  # collide with every category (the default shape filter)


def reset_state_from_seed(seed: int) -> np.ndarray:
    """DP's reset draw: [agent_x, agent_y, block_x, block_y, block_angle] (requested, before the legacy set-state)."""
    rs = np.random.RandomState(seed=seed)
    return np.array([rs.randint(50, 450), rs.randint(50, 450), rs.randint(100, 400), rs.randint(100, 400),
                     rs.randn() * 2 * np.pi - np.pi])


class PushTEnv:
    window_size = 512
    sim_hz = 100
    control_hz = 10
    k_p, k_v = 100, 20

    def __init__(self, legacy: bool = True, render_size: int = 96, block_cog=None, damping: float | None = None):
        self.legacy = legacy
        self.render_size = render_size
        self.block_cog = block_cog
        self.damping = damping
        self.goal_pose = np.array(GOAL_POSE)
        self.success_threshold = SUCCESS_THRESHOLD
        self.space: pymunk.Space | None = None
        self.latest_action = None
        self.n_contact_points = 0

    # ---- episode API (DP gym 0.21 semantics: obs, reward, done, info) -------------------------------------------
    def reset(self, seed: int | None = None, state=None) -> np.ndarray:
        """New space; state = the given one, else DP's RandomState(seed) draw. Returns the 5-d state obs."""
        self._setup()
        if self.block_cog is not None:
            self.block.center_of_gravity = self.block_cog
        if self.damping is not None:
            self.space.damping = self.damping
        if state is None:
            if seed is None:
                raise ValueError("reset needs a seed or a state")
            state = reset_state_from_seed(seed)
        self.set_state(state)
        return self.get_obs()

    def step(self, action):
        dt = 1.0 / self.sim_hz
        self.n_contact_points = 0
        n_steps = self.sim_hz // self.control_hz
        if action is not None:
            ax, ay = float(action[0]), float(action[1])
            self.latest_action = (ax, ay)
            agent = self.agent
            for _ in range(n_steps):
                px, py = agent.position
                vx, vy = agent.velocity
                acc_x = self.k_p * (ax - px) + self.k_v * (0 - vx)
                acc_y = self.k_p * (ay - py) + self.k_v * (0 - vy)
                agent.velocity = (vx + acc_x * dt, vy + acc_y * dt)
                self.space.step(dt)
        cov = self.coverage()
        reward = reward_from_coverage(cov)
        done = cov > self.success_threshold
        return self.get_obs(), reward, done, self._get_info(cov)

    def coverage(self) -> float:
        return coverage(self.block_pose())

    def block_pose(self) -> tuple[float, float, float]:
        """(x, y, angle) of the block's body origin; angle not wrapped."""
        x, y = self.block.position
        return (x, y, self.block.angle)

    def get_obs(self) -> np.ndarray:
        return np.array(tuple(self.agent.position) + tuple(self.block.position) + (self.block.angle % (2 * np.pi),))

    def _get_info(self, cov: float) -> dict:
        n_steps = self.sim_hz // self.control_hz
        return {
            "pos_agent": np.array(self.agent.position),
            "vel_agent": np.array(self.agent.velocity),
            "block_pose": np.array(list(self.block.position) + [self.block.angle]),
            "goal_pose": self.goal_pose,
            "n_contacts": int(np.ceil(self.n_contact_points / n_steps)),
            "coverage": cov,
        }

    def set_state(self, state) -> None:
        """DP `_set_state`: agent position, block position then angle (legacy order), then one 1/100 s step."""
        state = np.asarray(state, dtype=np.float64).tolist()
        self.agent.position = state[:2]
        if self.legacy:
            self.block.position = state[2:4]
            self.block.angle = state[4]
        else:
            self.block.angle = state[4]
            self.block.position = state[2:4]
        self.space.step(1.0 / self.sim_hz)

    def render(self, size: int | None = None) -> np.ndarray:
        """uint8 (size, size, 3) RGB observation frame (no action marker), DP's pygame 512^2 + cv2.resize."""
        from .render import render_frame

        return render_frame(self, self.render_size if size is None else size)

    # ---- scene construction (order of additions kept as in DP) -------------------------------------------------
    def _setup(self) -> None:
        self.space = pymunk.Space()
        self.space.gravity = 0, 0
        self.space.damping = 0
        walls = [
            self._add_segment((5, 506), (5, 5), 2),
            self._add_segment((5, 5), (506, 5), 2),
            self._add_segment((506, 5), (506, 506), 2),
            self._add_segment((5, 506), (506, 506), 2),
        ]
        self.space.add(*walls)
        self.agent = self._add_circle((256, 400), 15)
        self.block = self._add_tee((256, 300), 0)
        self.goal_pose = np.array(GOAL_POSE)
        self.space.on_collision(0, 0, post_solve=self._handle_collision)
        self.n_contact_points = 0
        self.latest_action = None

    def _handle_collision(self, arbiter, space, data) -> None:
        self.n_contact_points += len(arbiter.contact_point_set.points)

    def _add_segment(self, a, b, radius):
        shape = pymunk.Segment(self.space.static_body, a, b, radius)
        shape.color = LIGHT_GRAY
        return shape

    def _add_circle(self, position, radius):
        body = pymunk.Body(body_type=pymunk.Body.KINEMATIC)
        body.position = position
        shape = pymunk.Circle(body, radius)
        shape.color = ROYAL_BLUE
        self.space.add(body, shape)
        return body

    def _add_tee(self, position, angle, mask=ALL_MASKS):
        mass = 1
        inertia1 = pymunk.moment_for_poly(mass, vertices=BAR_VERTICES)
        inertia2 = pymunk.moment_for_poly(mass, vertices=BAR_VERTICES)  # DP bug kept: bar vertices, not the stem's
        body = pymunk.Body(mass, inertia1 + inertia2)
        shape1 = pymunk.Poly(body, BAR_VERTICES)
        shape2 = pymunk.Poly(body, STEM_VERTICES)
        for shape in (shape1, shape2):
            shape.color = LIGHT_SLATE_GRAY
            shape.filter = pymunk.ShapeFilter(mask=mask)
        body.center_of_gravity = (shape1.center_of_gravity + shape2.center_of_gravity) / 2
        body.position = position
        body.angle = angle
        self.space.add(body, shape1, shape2)
        return body


def legacy_block_origin(block_xy, angle: float) -> tuple[float, float]:
    """Where the legacy set-state order leaves the block origin: rotate about the CoG (0, 45) placed for angle 0."""
    x, y = float(block_xy[0]), float(block_xy[1])
    return (x + 45.0 * math.sin(angle), y + 45.0 - 45.0 * math.cos(angle))
