"""Integer-only drawing for the synthetic benchmark: shapes, object textures, cluttered backgrounds.

Geometry uses fixed point: ``SUB`` units per pixel, pixel ``i`` has its centre at
``SUB * i + SUB // 2``; rotations use integer cosine/sine tables scaled by ``ONE`` (``ANGLE_STEPS``
steps per turn). Nothing here calls a transcendental function per pixel, so masks and pixels are
the same on every machine.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

SUB = 16
ONE = 1024
ANGLE_STEPS = 24
COS = tuple(round(ONE * math.cos(2 * math.pi * k / ANGLE_STEPS)) for k in range(ANGLE_STEPS))
SIN = tuple(round(ONE * math.sin(2 * math.pi * k / ANGLE_STEPS)) for k in range(ANGLE_STEPS))

# Category shapes, in category-id order (category k + 1 draws SHAPES[k % len(SHAPES)]).
SHAPES = ("disc", "square", "triangle", "ring", "cross", "star", "ellipse", "hexagon")
TEXTURES = ("stripes", "checker", "dots", "frames", "halves")
# Saturated colours for objects and distractors (RGB).
PALETTE = (
    (220, 40, 40), (40, 170, 60), (50, 80, 220), (235, 200, 30), (200, 60, 200), (30, 190, 200),
    (245, 130, 20), (120, 60, 20), (250, 250, 250), (20, 20, 20), (150, 220, 90), (120, 100, 240),
)


def _polygon(n: int, phase_deg: float) -> tuple[tuple[int, int], ...]:
    """Vertices (x, y) * ONE of a regular n-gon with circumradius 1, counter-clockwise on screen."""
    out = []
    for k in range(n):
        a = math.radians(phase_deg - 360.0 * k / n)
        out.append((round(ONE * math.cos(a)), round(ONE * math.sin(a))))
    return tuple(out)


TRIANGLE = _polygon(3, -90.0)
HEXAGON = _polygon(6, 0.0)


@dataclass(frozen=True, slots=True)
class Appearance:
    """What identifies an instance: texture pattern and two colours, drifting over the video.

    ``period`` is the texture period in fixed-point units at the start radius; ``drift`` is the
    RGB offset reached on the last frame.
    """

    texture: str
    colour_a: tuple[int, int, int]
    colour_b: tuple[int, int, int]
    period: int
    angle: int
    drift: tuple[int, int, int]


def pixel_offsets(lo: int, hi: int, centre: int) -> np.ndarray:
    """Fixed-point offsets of pixel centres ``lo..hi-1`` from ``centre`` (fixed point), int64."""
    return np.arange(lo, hi, dtype=np.int64) * SUB + SUB // 2 - centre


def rotate(dx: np.ndarray, dy: np.ndarray, angle: int) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (1, W') and (H', 1) into the object frame (u, v), both (H', W'), fixed point."""
    c, s = COS[angle % ANGLE_STEPS], SIN[angle % ANGLE_STEPS]
    u = (c * dx + s * dy) >> 10                                        # (H', W')
    v = (c * dy - s * dx) >> 10                                        # (H', W')
    return u, v


def _convex(u: np.ndarray, v: np.ndarray, verts: tuple[tuple[int, int], ...], r: int,
            sign: int = 1) -> np.ndarray:
    """Points inside the polygon ``verts`` scaled to circumradius ``r`` (``sign`` -1 flips it)."""
    pts = [(sign * r * x // ONE, sign * r * y // ONE) for x, y in verts]
    inside = np.ones(u.shape, dtype=bool)
    for (ax, ay), (bx, by) in zip(pts, pts[1:] + pts[:1], strict=True):
        inside &= (bx - ax) * (v - ay) - (by - ay) * (u - ax) <= 0
    return inside


def shape_mask(shape: str, u: np.ndarray, v: np.ndarray, r: int) -> np.ndarray:
    """Bool (H', W'): pixels of ``shape`` with circumradius ``r`` at object-frame offsets (u, v)."""
    if shape == "disc":
        return u * u + v * v <= r * r
    if shape == "ring":
        d2, ri = u * u + v * v, r * 11 // 20
        return (d2 <= r * r) & (d2 > ri * ri)
    if shape == "ellipse":
        b = r * 11 // 20
        return (u * b) ** 2 + (v * r) ** 2 <= (r * b) ** 2
    if shape == "square":
        h = r * 3 // 4
        return (np.abs(u) <= h) & (np.abs(v) <= h)
    if shape == "cross":
        au, av, t = np.abs(u), np.abs(v), r * 3 // 10
        return ((au <= r) & (av <= t)) | ((au <= t) & (av <= r))
    if shape == "triangle":
        return _convex(u, v, TRIANGLE, r)
    if shape == "star":
        return _convex(u, v, TRIANGLE, r) | _convex(u, v, TRIANGLE, r, sign=-1)
    if shape == "hexagon":
        return _convex(u, v, HEXAGON, r)
    if shape == "bar":
        return (np.abs(u) <= r) & (np.abs(v) <= max(r // 6, SUB))
    raise ValueError(f"unknown shape {shape!r}")


def texture_colours(app: Appearance, u: np.ndarray, v: np.ndarray, r: int, r0: int,
                    t: int, length: int) -> np.ndarray:
    """RGB (n, 3) uint8 of the object pixels at object-frame offsets u, v (n,) on frame ``t``.

    The pattern is drawn in the object frame and scales with the radius ``r`` (``r0`` at the start).
    """
    uu, vv, p = u * r0 // r, v * r0 // r, app.period
    if app.texture == "stripes":
        c, s = COS[app.angle], SIN[app.angle]
        second = ((c * uu + s * vv) >> 10) // p % 2 == 1
    elif app.texture == "checker":
        second = (uu // p + vv // p) % 2 == 1
    elif app.texture == "dots":
        cu, cv = uu % p - p // 2, vv % p - p // 2
        second = cu * cu + cv * cv <= (p * 3 // 8) ** 2
    elif app.texture == "frames":
        second = np.maximum(np.abs(uu), np.abs(vv)) // (p // 2 + 1) % 2 == 1
    elif app.texture == "halves":
        second = (uu > 0) ^ ((vv // p) % 3 == 0)
    else:
        raise ValueError(f"unknown texture {app.texture!r}")
    shift = np.asarray(app.drift, dtype=np.int64) * t // max(length - 1, 1)      # (3,)
    a = np.clip(np.asarray(app.colour_a, dtype=np.int64) + shift, 0, 255)
    b = np.clip(np.asarray(app.colour_b, dtype=np.int64) + shift, 0, 255)
    return np.where(second[:, None], b[None, :], a[None, :]).astype(np.uint8)   # (n, 3)


@dataclass(frozen=True, slots=True)
class InstancePlan:
    """One object over the video: ``present`` (L,) bool, ``centres`` (L, 2) fixed-point (y, x),
    ``radii`` (L,) fixed point, ``angles`` (L,) rotation steps; ``depth`` 0 is nearest."""

    category_id: int
    shape: str
    appearance: Appearance
    depth: int
    present: np.ndarray
    centres: np.ndarray
    radii: np.ndarray
    angles: np.ndarray


@dataclass(frozen=True, slots=True)
class VideoPlan:
    """The geometry of one video; ``occluder`` is a bar in front of everything, or None."""

    id: int
    name: str
    height: int
    width: int
    length: int
    instances: tuple[InstancePlan, ...]
    occluder: InstancePlan | None


@dataclass(frozen=True, slots=True)
class Layer:
    """One drawn object on one frame: ``full`` (h', w') bool shape pixels inside ``window``."""

    inst: InstancePlan
    window: tuple[slice, slice]
    full: np.ndarray
    u: np.ndarray
    v: np.ndarray


def _layer(inst: InstancePlan, t: int, height: int, width: int) -> Layer | None:
    cy, cx = (int(c) for c in inst.centres[t])
    r = int(inst.radii[t])
    reach = r * 11 // 10 + SUB
    y0, y1 = max(0, (cy - reach) // SUB), min(height, (cy + reach) // SUB + 1)
    x0, x1 = max(0, (cx - reach) // SUB), min(width, (cx + reach) // SUB + 1)
    if y0 >= y1 or x0 >= x1:
        return None
    u, v = rotate(pixel_offsets(x0, x1, cx)[None, :], pixel_offsets(y0, y1, cy)[:, None],
                  int(inst.angles[t]))                                  # (h', w') each
    full = shape_mask(inst.shape, u, v, r)
    return Layer(inst, (slice(y0, y1), slice(x0, x1)), full, u, v)


def compose(plan: VideoPlan, t: int,
            min_visible: float) -> tuple[list[Layer], dict[int, tuple[Layer, np.ndarray]]]:
    """Layers front to back, and {instance index: (layer, visible (h', w') bool)} to annotate.

    A nearer object (or the occluder bar) removes its pixels from every farther mask; a mask keeping
    less than ``min_visible`` of its drawn pixels (or under 4 pixels) is not annotated.
    """
    covered = np.zeros((plan.height, plan.width), dtype=bool)           # (H, W)
    layers: list[Layer] = []
    if plan.occluder is not None:
        occ = _layer(plan.occluder, t, plan.height, plan.width)
        if occ is not None:
            covered[occ.window] |= occ.full
            layers.append(occ)
    visible = {}
    for i in sorted(range(len(plan.instances)), key=lambda k: plan.instances[k].depth):
        inst = plan.instances[i]
        lay = _layer(inst, t, plan.height, plan.width) if inst.present[t] else None
        if lay is None:
            continue
        vis = lay.full & ~covered[lay.window]
        covered[lay.window] |= lay.full
        layers.append(lay)
        if vis.sum() >= max(4, min_visible * lay.full.sum()):
            visible[i] = (lay, vis)
    return layers, visible


def paint(base: np.ndarray, layers: list[Layer], t: int, length: int) -> np.ndarray:
    """Draw layers (front-to-back list) back to front onto a copy of ``base`` (H, W, 3) int16."""
    frame = base.copy()
    for lay in reversed(layers):
        region = frame[lay.window]                                      # view (h', w', 3)
        region[lay.full] = texture_colours(lay.inst.appearance, lay.u[lay.full], lay.v[lay.full],
                                           int(lay.inst.radii[t]), int(lay.inst.radii[0]),
                                           t, length)
    return frame


def _smooth_noise(rng: np.random.Generator, height: int, width: int, cells: int,
                  amplitude: int) -> np.ndarray:
    """Low-frequency noise (H, W, 3) int16 in [-amplitude, amplitude] (Pillow bilinear resize)."""
    grid = rng.integers(0, 256, size=(cells, max(cells * width // height, 2), 3), dtype=np.uint8)
    big = np.asarray(Image.fromarray(grid).resize((width, height), Image.BILINEAR), dtype=np.int16)
    return (big - 128) * amplitude // 128                              # (H, W, 3)


def _blob(rng: np.random.Generator, canvas: np.ndarray, size: int) -> None:
    """Paint a distractor onto ``canvas`` (H, W, 3): a union of discs or a thin bar."""
    h, w = canvas.shape[:2]
    cy, cx = int(rng.integers(0, h * SUB)), int(rng.integers(0, w * SUB))
    colour = np.asarray(PALETTE[int(rng.integers(len(PALETTE)))], dtype=np.int16)
    r = int(rng.integers(size // 3, size + 1)) * SUB
    ys, xs = pixel_offsets(0, h, cy)[:, None], pixel_offsets(0, w, cx)[None, :]
    if rng.random() < 0.5:
        u, v = rotate(xs, ys, int(rng.integers(ANGLE_STEPS)))
        hit = shape_mask("bar", u, v, r * 2)
    else:
        hit = np.zeros((h, w), dtype=bool)
        for _ in range(3):
            oy, ox = (int(o) for o in rng.integers(-r, r + 1, size=2))
            rr = r * int(rng.integers(3, 7)) // 8
            hit |= (ys - oy) ** 2 + (xs - ox) ** 2 <= rr * rr
    canvas[hit] = (canvas[hit] + colour) // 2 if rng.random() < 0.5 else colour
    if rng.random() < 0.5:                            # a textured distractor, like the objects
        p = int(rng.integers(2, 6))
        second = hit & ((np.arange(h)[:, None] // p + np.arange(w)[None, :] // p) % 2 == 1)
        canvas[second] = PALETTE[int(rng.integers(len(PALETTE)))]


def background(rng: np.random.Generator, height: int, width: int, *,
               num_distractors: int) -> np.ndarray:
    """A cluttered canvas (H, W, 3) int16: tinted noise, a striped band and distractor blobs."""
    base = rng.integers(60, 190, size=3, dtype=np.int16)
    canvas = base[None, None, :] + _smooth_noise(rng, height, width, 4, 50)
    canvas += _smooth_noise(rng, height, width, 16, 25)
    ys, xs = np.arange(height)[:, None], np.arange(width)[None, :]
    angle = int(rng.integers(ANGLE_STEPS))
    period = int(rng.integers(3, 9))
    stripes = ((COS[angle] * xs + SIN[angle] * ys) >> 10) // period % 2 == 1   # (H, W)
    band = np.zeros((height, width), dtype=bool)
    y0 = int(rng.integers(0, height))
    band[y0:y0 + int(rng.integers(height // 8, height // 3 + 1))] = True
    canvas[stripes & band] += rng.integers(-60, 61, size=3, dtype=np.int16)
    for _ in range(num_distractors):
        _blob(rng, canvas, max(min(height, width) // 10, 2))
    return canvas


def encode_jpeg(frame: np.ndarray, quality: int) -> bytes:
    """JPEG bytes of an RGB frame (H, W, 3) uint8: fixed quality, 4:4:4, no metadata."""
    buf = io.BytesIO()
    Image.fromarray(frame).save(buf, format="JPEG", quality=quality, subsampling=0)
    return buf.getvalue()
