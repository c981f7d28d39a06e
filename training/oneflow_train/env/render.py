"""96x96 observation rendering as diffusion_policy does it: pygame at 512^2 via pymunk debug draw, then cv2.resize.

`DrawOptions` ports DP's `pymunk_override.py` (itself pymunk's pygame_util with y down, lightened fills and
2-px outlines). Collision points are drawn too (pymunk's default debug flags, as in DP): short red segments at
contacts.
"""
from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pygame  # noqa: E402
import pymunk  # noqa: E402
from pymunk.space_debug_draw_options import SpaceDebugColor  # noqa: E402

LIGHT_GREEN = (144, 238, 144, 255)  # pygame's lightgreen: the goal region, as DP draws it


def to_pygame(p) -> tuple[int, int]:
    return round(p[0]), round(p[1])


def light_color(color: SpaceDebugColor) -> SpaceDebugColor:
    c = np.minimum(1.2 * np.float32([color.r, color.g, color.b, color.a]), np.float32([255]))
    return SpaceDebugColor(r=c[0], g=c[1], b=c[2], a=c[3])


class DrawOptions(pymunk.SpaceDebugDrawOptions):
    def __init__(self, surface: pygame.Surface) -> None:
        self.surface = surface
        super().__init__()

    def draw_circle(self, pos, angle, radius, outline_color, fill_color) -> None:
        p = to_pygame(pos)
        pygame.draw.circle(self.surface, fill_color.as_int(), p, round(radius), 0)
        pygame.draw.circle(self.surface, light_color(fill_color).as_int(), p, round(radius - 4), 0)

    def draw_segment(self, a, b, color) -> None:
        pygame.draw.aalines(self.surface, color.as_int(), False, [to_pygame(a), to_pygame(b)])

    def draw_fat_segment(self, a, b, radius, outline_color, fill_color) -> None:
        p1, p2 = to_pygame(a), to_pygame(b)
        r = round(max(1, radius * 2))
        pygame.draw.lines(self.surface, fill_color.as_int(), False, [p1, p2], r)
        if r > 2:
            orthog = [abs(p2[1] - p1[1]), abs(p2[0] - p1[0])]
            if orthog[0] == 0 and orthog[1] == 0:
                return
            scale = radius / (orthog[0] * orthog[0] + orthog[1] * orthog[1]) ** 0.5
            orthog[0] = round(orthog[0] * scale)
            orthog[1] = round(orthog[1] * scale)
            points = [
                (p1[0] - orthog[0], p1[1] - orthog[1]),
                (p1[0] + orthog[0], p1[1] + orthog[1]),
                (p2[0] + orthog[0], p2[1] + orthog[1]),
                (p2[0] - orthog[0], p2[1] - orthog[1]),
            ]
            pygame.draw.polygon(self.surface, fill_color.as_int(), points)
            pygame.draw.circle(self.surface, fill_color.as_int(), (round(p1[0]), round(p1[1])), round(radius))
            pygame.draw.circle(self.surface, fill_color.as_int(), (round(p2[0]), round(p2[1])), round(radius))

    def draw_polygon(self, verts, radius, outline_color, fill_color) -> None:
        ps = [to_pygame(v) for v in verts]
        ps += [ps[0]]
        radius = 2  # DP draws every polygon with a 2-px outline
        pygame.draw.polygon(self.surface, light_color(fill_color).as_int(), ps)
        for i in range(len(verts)):
            self.draw_fat_segment(verts[i], verts[(i + 1) % len(verts)], radius, fill_color, fill_color)

    def draw_dot(self, size, pos, color) -> None:
        pygame.draw.circle(self.surface, color.as_int(), to_pygame(pos), round(size), 0)


def render_frame(env, size: int = 96) -> np.ndarray:
    """Draw goal T (LightGreen), then the space (walls, agent, block) at 512^2 and resize to size^2 (bilinear)."""
    ws = env.window_size
    canvas = pygame.Surface((ws, ws))
    canvas.fill((255, 255, 255))
    options = DrawOptions(canvas)
    gx, gy, ga = (float(v) for v in env.goal_pose)
    goal_body = pymunk.Body(1, pymunk.moment_for_box(1, (50, 100)))
    goal_body.position = (gx, gy)
    goal_body.angle = ga
    for shape in env.block.shapes:
        pts = [to_pygame(goal_body.local_to_world(v)) for v in shape.get_vertices()]
        pygame.draw.polygon(canvas, LIGHT_GREEN, pts + [pts[0]])
    env.space.debug_draw(options)
    img = np.transpose(np.array(pygame.surfarray.pixels3d(canvas)), axes=(1, 0, 2))
    if size != ws:
        img = cv2.resize(img, (size, size))
    return np.ascontiguousarray(img)
