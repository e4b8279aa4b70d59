"""Deterministic synthetic YouTube-VIS benchmark: textured shapes that jump, occlude, come and go.

The category of an instance is its shape; several instances of one category can share a video and
differ only in texture and colour, so identity must come from appearance. Objects jump by a large
fraction of the frame every few frames (motion-based linking fails, as in low-FPS video), videos are
longer than one clip, and masks exclude the parts hidden by nearer objects or occluder bars.

Every video draws from its own ``SeedSequence(seed, spawn_key=(split, index, stream))``: stream 0
plans the scene (geometry, hence the annotations), stream 1 draws the pixels. Annotations are the
same whether or not the images are rendered, and one video never depends on another.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
from pycocotools import mask as mask_utils
from tqdm import tqdm

from vistoolkit.atomic import write_bytes_atomic
from vistoolkit.data.records import Category, Dataset, Track, Video
from vistoolkit.data.synth_config import SynthConfig
from vistoolkit.data.synth_render import (
    ANGLE_STEPS,
    PALETTE,
    SHAPES,
    SUB,
    TEXTURES,
    Appearance,
    InstancePlan,
    VideoPlan,
    background,
    compose,
    encode_jpeg,
    paint,
)
from vistoolkit.data.ytvis_io import save_dataset

logger = logging.getLogger(__name__)

SPLITS = ("train", "valid")
_SPLIT_CODE = MappingProxyType({"train": 0, "valid": 1})


def _rng(config: SynthConfig, split: str, index: int, stream: int) -> np.random.Generator:
    seq = np.random.SeedSequence(config.seed, spawn_key=(_SPLIT_CODE[split], index, stream))
    return np.random.default_rng(seq)


def _presence(rng: np.random.Generator, config: SynthConfig, length: int) -> np.ndarray:
    """(L,) bool: entering late, leaving early and a mid-video gap, each with its probability."""
    present = np.ones(length, dtype=bool)
    span = max(length // 3, 1)
    if rng.random() < config.enter_prob:
        present[: int(rng.integers(1, span + 1))] = False
    if rng.random() < config.leave_prob:
        present[length - int(rng.integers(1, span + 1)):] = False
    if rng.random() < config.gap_prob and length >= 8:
        start = int(rng.integers(2, length - 4))
        present[start:start + int(rng.integers(2, 5))] = False
    if not present.any():
        present[length // 2] = True
    return present


def _trajectory(rng: np.random.Generator, config: SynthConfig, length: int, height: int,
                width: int) -> np.ndarray:
    """(L, 2) fixed-point centres (y, x): drift with bounces, and jumps of >= W/3 (L1) mostly."""
    lo, hi = np.array([0, 0]), np.array([height * SUB, width * SUB])
    pos = rng.integers(lo + hi // 8, hi - hi // 8)
    vel = rng.integers(-hi // 40, hi // 40 + 1)
    out = np.empty((length, 2), dtype=np.int64)
    for t in range(length):
        if t > 0 and rng.random() < config.jump_prob:
            for _ in range(20):
                target = rng.integers(lo + hi // 10, hi - hi // 10)
                if abs(int(target[1] - pos[1])) + abs(int(target[0] - pos[0])) >= hi[1] // 3:
                    break
            pos = target
        elif t > 0:
            pos = pos + vel
            bounce = (pos < lo) | (pos > hi)
            vel = np.where(bounce, -vel, vel)
            pos = np.clip(pos, lo, hi)
        out[t] = pos
    return out


def _appearances(rng: np.random.Generator, config: SynthConfig, n: int,
                 r_unit: int) -> list[Appearance]:
    """``n`` appearances with distinct first colours (and texture kinds, up to five)."""
    kinds = rng.permutation(len(TEXTURES))
    firsts = rng.permutation(len(PALETTE))
    out = []
    for i in range(n):
        a = int(firsts[i % len(PALETTE)])
        b = (a + int(rng.integers(1, len(PALETTE)))) % len(PALETTE)
        drift = rng.integers(-config.colour_drift, config.colour_drift + 1, size=3)
        out.append(Appearance(
            texture=TEXTURES[int(kinds[i % len(TEXTURES)])], colour_a=PALETTE[a],
            colour_b=PALETTE[b], period=max(r_unit * int(rng.integers(3, 7)) // 10, 2 * SUB),
            angle=int(rng.integers(ANGLE_STEPS)), drift=tuple(int(d) for d in drift)))
    return out


def _instance(rng: np.random.Generator, config: SynthConfig, *, category_id: int,
              appearance: Appearance, depth: int, length: int, height: int,
              width: int) -> InstancePlan:
    side = min(height, width) * SUB
    r0 = int(rng.integers(int(config.min_radius * side), int(config.max_radius * side) + 1))
    factor = 1.0 + config.scale_change * (2.0 * rng.random() - 1.0)
    r1 = max(int(r0 * factor), 2 * SUB)
    steps = np.arange(length, dtype=np.int64)
    spin = int(rng.integers(-1, 2))
    return InstancePlan(
        category_id=category_id, shape=SHAPES[(category_id - 1) % len(SHAPES)],
        appearance=appearance, depth=depth, present=_presence(rng, config, length),
        centres=_trajectory(rng, config, length, height, width),
        radii=r0 + (r1 - r0) * steps // max(length - 1, 1),
        angles=(int(rng.integers(ANGLE_STEPS)) + spin * steps) % ANGLE_STEPS)


def plan_video(config: SynthConfig, split: str, index: int) -> VideoPlan:
    """The scene of video ``index`` (0-based) of ``split``, from its own seed."""
    rng = _rng(config, split, index, 0)
    height, width = config.height, config.width
    if config.other_sizes and rng.random() < config.other_size_prob:
        height, width = config.other_sizes[int(rng.integers(len(config.other_sizes)))]
    length = int(rng.integers(config.min_length, config.max_length + 1))
    weights = np.asarray(config.instance_weights, dtype=np.float64)
    n = int(rng.choice(len(weights), p=weights / weights.sum())) + 1
    cats: list[int] = []
    for _ in range(n):
        if cats and rng.random() < config.same_category_prob:
            cats.append(cats[int(rng.integers(len(cats)))])
        else:
            cats.append(int(rng.integers(1, config.num_categories + 1)))
    apps = _appearances(rng, config, n, int(config.max_radius * min(height, width) * SUB))
    depths = rng.permutation(n)
    instances = [
        _instance(rng, config, category_id=c, appearance=a, depth=int(d), length=length,
                  height=height, width=width)
        for c, a, d in zip(cats, apps, depths, strict=True)]
    if n >= 2 and rng.random() < config.overlap_prob:        # force one instance onto another
        a, b = (int(i) for i in rng.choice(n, size=2, replace=False))
        t = int(rng.integers(length))
        shift = rng.integers(-1, 2, size=2) * instances[a].radii[t] // 2
        instances[b].centres[t:t + 3] = instances[a].centres[t:t + 3] + shift
    occluder = None
    if rng.random() < config.occluder_prob:
        bar = Appearance("stripes", PALETTE[int(rng.integers(len(PALETTE)))], (128, 128, 128),
                         4 * SUB, int(rng.integers(ANGLE_STEPS)), (0, 0, 0))
        occ = _instance(rng, config, category_id=1, appearance=bar, depth=-1, length=length,
                        height=height, width=width)
        occluder = dataclasses.replace(occ, shape="bar", radii=occ.radii * 2,
                                       present=np.ones(length, dtype=bool))
    return VideoPlan(index + 1, f"{split}{index:04d}", height, width, length,
                     tuple(instances), occluder)


def _encode_frame(plan: VideoPlan, visible: dict) -> dict[int, tuple[dict, list[float], int]]:
    """{instance index: (RLE with str counts, [x, y, w, h], area)} via one pycocotools call."""
    keys = sorted(visible)
    if not keys:
        return {}
    stack = np.zeros((plan.height, plan.width, len(keys)), dtype=np.uint8, order="F")
    for j, i in enumerate(keys):
        lay, vis = visible[i]
        stack[lay.window[0], lay.window[1], j] = vis
    rles = mask_utils.encode(stack)
    areas, boxes = mask_utils.area(rles), mask_utils.toBbox(rles)
    out = {}
    for j, i in enumerate(keys):
        rle = {"size": [plan.height, plan.width], "counts": rles[j]["counts"].decode("ascii")}
        out[i] = (rle, [float(b) for b in boxes[j]], int(areas[j]))
    return out


@dataclass(frozen=True, slots=True)
class SynthVideo:
    """One generated video: its record, its tracks and (if rendered) frames (L, H, W, 3) uint8."""

    video: Video
    tracks: tuple[Track, ...]
    frames: np.ndarray | None


def _render_video(config: SynthConfig, split: str, index: int, plan: VideoPlan,
                  per_frame: list) -> np.ndarray:
    """Frames (L, H, W, 3) uint8: cluttered canvas with a small camera pan, objects, pixel noise."""
    rng = _rng(config, split, index, 1)
    m = max(plan.height // 16, 1)
    canvas = background(rng, plan.height + 2 * m, plan.width + 2 * m,
                        num_distractors=config.num_distractors)
    pan = np.clip(m + np.cumsum(rng.integers(-1, 2, size=(plan.length, 2)), axis=0), 0, 2 * m)
    frames = np.empty((plan.length, plan.height, plan.width, 3), dtype=np.uint8)
    for t, layers in enumerate(per_frame):
        oy, ox = (int(o) for o in pan[t])
        base = canvas[oy:oy + plan.height, ox:ox + plan.width]
        frame = paint(base, layers, t, plan.length)
        frame += rng.integers(-config.noise, config.noise + 1, size=frame.shape, dtype=np.int16)
        frames[t] = np.clip(frame, 0, 255)
    return frames


def synth_video(config: SynthConfig, split: str, index: int, *, render_images: bool = False,
                first_track_id: int = 1) -> SynthVideo:
    """Video ``index`` (0-based) of ``split``, from its own seed (any index >= 0 is valid, so a
    training stream can draw past ``num_videos``); track ids count up from ``first_track_id``."""
    plan = plan_video(config, split, index)
    n, length = len(plan.instances), plan.length
    segs: list[list] = [[None] * length for _ in range(n)]
    boxes: list[list] = [[None] * length for _ in range(n)]
    areas: list[list] = [[None] * length for _ in range(n)]
    per_frame = []
    for t in range(length):
        layers, visible = compose(plan, t, config.min_visible)
        for i, (rle, box, area) in _encode_frame(plan, visible).items():
            segs[i][t], boxes[i][t], areas[i][t] = rle, box, area
        per_frame.append(layers if render_images else None)
    tracks = []
    for i, inst in enumerate(plan.instances):
        if any(s is not None for s in segs[i]):
            tracks.append(Track(first_track_id + len(tracks), plan.id, inst.category_id,
                                tuple(segs[i]), tuple(boxes[i]), tuple(areas[i]), 0))
    names = tuple(f"{plan.name}/{t:05d}.jpg" for t in range(length))
    video = Video(plan.id, plan.width, plan.height, length, names, extra={"fps": config.fps})
    frames = _render_video(config, split, index, plan, per_frame) if render_images else None
    return SynthVideo(video, tuple(tracks), frames)


def iter_videos(config: SynthConfig, split: str, *, render_images: bool = False,
                first_track_id: int = 1) -> Iterator[SynthVideo]:
    """Generate the videos of ``split`` one at a time (masks encoded frame by frame)."""
    track_id = first_track_id
    for index in range(config.num_videos(split)):
        sv = synth_video(config, split, index, render_images=render_images,
                         first_track_id=track_id)
        track_id += len(sv.tracks)
        yield sv


def categories(config: SynthConfig) -> tuple[Category, ...]:
    """Categories 1..K named for their shape (past 8 the shapes repeat with a suffix)."""
    out = []
    for k in range(1, config.num_categories + 1):
        shape, rep = SHAPES[(k - 1) % len(SHAPES)], (k - 1) // len(SHAPES)
        out.append(Category(k, shape if rep == 0 else f"{shape}_{rep + 1}", "shape"))
    return tuple(out)


def _info(config: SynthConfig, split: str) -> dict[str, Any]:
    return {"description": "vistoolkit synthetic YouTube-VIS benchmark", "version": "1.0",
            "split": split, "preset": config.name, "seed": config.seed,
            "config": config.to_dict()}


def make_annotations(config: SynthConfig, split: str, *, render_images: bool = False,
                     progress: bool = False) -> tuple[Dataset, dict[int, np.ndarray] | None]:
    """The ``split`` annotations as a ``Dataset`` (no files written), optionally with frames.

    Returns (dataset, images) where images maps video id -> frames (L, H, W, 3) uint8, or None
    when ``render_images`` is False (fast: only masks are drawn, one frame at a time).
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    videos, tracks, images = [], [], {} if render_images else None
    for sv in tqdm(iter_videos(config, split, render_images=render_images),
                   total=config.num_videos(split), desc=f"synth {split}", disable=not progress):
        videos.append(sv.video)
        tracks.extend(sv.tracks)
        if images is not None:
            images[sv.video.id] = sv.frames
    ds = Dataset(tuple(videos), categories(config), tuple(tracks), info=_info(config, split))
    return ds, images


@dataclass(frozen=True, slots=True)
class SplitSummary:
    """Counts and sizes on disk of one written split: its frame JPEGs and its JSON."""

    split: str
    videos: int
    frames: int
    tracks: int
    masks: int
    json_path: Path
    jpeg_megabytes: float
    json_megabytes: float

    @property
    def megabytes(self) -> float:
        """Both together."""
        return self.jpeg_megabytes + self.json_megabytes


@dataclass(frozen=True, slots=True)
class SynthSummary:
    """What ``generate`` wrote."""

    out_dir: Path
    config: SynthConfig
    splits: tuple[SplitSummary, ...]
    seconds: float

    def format(self) -> str:
        """Human-readable multi-line summary (what the CLI prints)."""
        c = self.config
        head = (f"wrote {self.out_dir} (preset {c.name}, seed {c.seed}, {c.height}x{c.width}, "
                f"{c.num_categories} categories) in {self.seconds:.1f} s")
        lines = [head]
        for s in self.splits:
            lines.append(f"  {s.split}: {s.videos} videos, {s.frames} frames, {s.tracks} tracks, "
                         f"{s.masks} masks; JPEGs {_size(s.jpeg_megabytes)}, "
                         f"{s.json_path} {_size(s.json_megabytes)}")
        return "\n".join(lines)


def _size(megabytes: float) -> str:
    return f"{megabytes:.1f} MB" if megabytes >= 0.1 else f"{1e3 * megabytes:.1f} kB"


def _write_split(out_dir: Path, config: SynthConfig, split: str, progress: bool) -> SplitSummary:
    videos, tracks, nbytes = [], [], 0
    for sv in tqdm(iter_videos(config, split, render_images=True),
                   total=config.num_videos(split), desc=f"synth {split}", disable=not progress):
        for name, frame in zip(sv.video.file_names, sv.frames, strict=True):
            data = encode_jpeg(frame, config.jpeg_quality)
            write_bytes_atomic(out_dir / split / "JPEGImages" / name, data)
            nbytes += len(data)
        videos.append(sv.video)
        tracks.extend(sv.tracks)
    ds = Dataset(tuple(videos), categories(config), tuple(tracks), info=_info(config, split))
    json_path = out_dir / f"{split}.json"
    save_dataset(ds, json_path)
    masks = sum(s is not None for t in tracks for s in t.segmentations)
    return SplitSummary(split, len(videos), sum(v.length for v in videos), len(tracks), masks,
                        json_path, nbytes / 1e6, json_path.stat().st_size / 1e6)


def generate(out_dir: Path | str, config: SynthConfig, *, progress: bool = True) -> SynthSummary:
    """Write ``out_dir/{train,valid}/JPEGImages/<video>/<frame>.jpg`` and ``{train,valid}.json``.

    Every file is written atomically; the JSON files come last, so their presence marks a
    complete dataset. The same config gives byte-identical files.
    """
    out_dir = Path(out_dir)
    start = time.perf_counter()
    splits = tuple(_write_split(out_dir, config, split, progress) for split in SPLITS)
    summary = SynthSummary(out_dir, config, splits, time.perf_counter() - start)
    logger.info("%s", summary.format())
    return summary


def ensure_dataset(out_dir: Path | str, preset: str = "default", seed: int = 0, *,
                   progress: bool = True) -> Path:
    """``out_dir``; generates ``preset`` there unless ``train.json`` and ``valid.json`` exist."""
    out_dir = Path(out_dir)
    if all((out_dir / f"{split}.json").is_file() for split in SPLITS):
        logger.info("synthetic dataset already present in %s", out_dir)
        return out_dir
    generate(out_dir, SynthConfig.preset(preset, seed=seed), progress=progress)
    return out_dir
