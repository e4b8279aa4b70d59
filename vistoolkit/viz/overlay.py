"""Ground truth beside predictions on a video's frames, as a PNG contact sheet or an animated GIF.

Each panel is one frame: ground-truth tracks on the left, predictions on the right, every mask
filled at ``alpha`` with a one-pixel outline and a ``name score`` tag. A prediction takes the
colour of the ground-truth track it overlaps best at video IoU >= ``match_iou`` (any category),
so an identity switch or a duplicate shows as a colour change or a repeated colour.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from vistoolkit.atomic import write_bytes_atomic
from vistoolkit.data.frames import frame_problems, open_frame
from vistoolkit.data.problems import WARNING_KINDS, raise_first
from vistoolkit.data.records import Dataset, PredTrack, Segmentation, Track, Video
from vistoolkit.data.rle import decode
from vistoolkit.data.validate import validate_predictions
from vistoolkit.errors import InputError
from vistoolkit.eval.video_iou import agnostic_video_iou

PALETTE: tuple[tuple[int, int, int], ...] = (
    (230, 25, 75), (60, 180, 75), (0, 130, 200), (255, 225, 25), (245, 130, 48),
    (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212),
    (0, 128, 128), (170, 110, 40),
)
GAP = 4   # pixels between the ground-truth and prediction halves of a panel
# output suffix -> PIL format (GIF: one panel per frame; the others: a contact sheet)
IMAGE_FORMATS = {".gif": "GIF", ".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}


@dataclass(frozen=True, slots=True)
class DrawnTrack:
    """One track as drawn: its tag, colour and per-frame segmentations (None where absent)."""

    label: str
    colour: tuple[int, int, int]
    segmentations: tuple[Segmentation, ...]


def distinct_predictions(preds: Sequence[PredTrack], top: int,
                         min_score: float = 0.0) -> list[PredTrack]:
    """The ``top`` highest-scoring predictions with ``score >= min_score``, one per mask
    sequence (a track reported under several categories keeps its best-scoring entry)."""
    seen: set[str] = set()
    out: list[PredTrack] = []
    for p in sorted(preds, key=lambda p: (-p.score, p.index)):
        key = repr(p.segmentations)
        if p.score < min_score or key in seen:
            continue
        seen.add(key)
        out.append(p)
        if len(out) == top:
            break
    return out


def match_colours(video: Video, gt_tracks: Sequence[Track], preds: Sequence[PredTrack],
                  match_iou: float = 0.5) -> list[int]:
    """Palette index per prediction: that of its best ground-truth track (video IoU, any
    category) if at least ``match_iou``, else a colour after the ground truth's, by rank."""
    if not preds:
        return []
    if not gt_tracks:
        return list(range(len(preds)))
    iou = agnostic_video_iou(video, tuple(gt_tracks), tuple(preds))                 # (D, G)
    best = iou.argmax(1)                                                             # (D,)
    unmatched = iter(range(len(gt_tracks), len(gt_tracks) + len(preds)))
    return [int(g) if iou[d, g] >= match_iou else next(unmatched) for d, g in enumerate(best)]


def blend_mask(image: np.ndarray, mask: np.ndarray, colour: tuple[int, int, int],
               alpha: float) -> np.ndarray:
    """image (H, W, 3) uint8 with ``mask`` (H, W) filled at ``alpha`` and outlined in ``colour``."""
    m = mask.astype(bool)
    out = image.astype(np.float32)
    out[m] = (1 - alpha) * out[m] + alpha * np.asarray(colour, dtype=np.float32)
    inner = m.copy()                                   # pixels whose 4 neighbours are all inside
    inner[1:, :] &= m[:-1, :]
    inner[:-1, :] &= m[1:, :]
    inner[:, 1:] &= m[:, :-1]
    inner[:, :-1] &= m[:, 1:]
    out[m & ~inner] = colour
    return out.round().astype(np.uint8)


def upscale(array: np.ndarray, scale: int) -> np.ndarray:
    """Nearest-neighbour enlargement of the first two axes by an integer ``scale``."""
    return array if scale == 1 else array.repeat(scale, axis=0).repeat(scale, axis=1)


def draw_tracks(image: np.ndarray, tracks: Sequence[DrawnTrack], frame: int,
                alpha: float = 0.45, scale: int = 1) -> np.ndarray:
    """Frame ``frame`` of every track filled on ``image`` (H * scale, W * scale, 3) uint8, tags
    at the masks' top-left corners; masks are (H, W), enlarged by ``scale``."""
    h, w = image.shape[0] // scale, image.shape[1] // scale
    out = image
    tags = []
    for track in tracks:
        seg = track.segmentations[frame] if frame < len(track.segmentations) else None
        mask = upscale(decode(seg, h, w), scale)
        if not mask.any():
            continue
        out = blend_mask(out, mask, track.colour, alpha)
        ys, xs = np.nonzero(mask)
        tags.append((int(xs.min()), max(int(ys.min()) - 11, 0), track))
    if not tags:
        return out
    pil = Image.fromarray(out)
    draw = ImageDraw.Draw(pil)
    for x, y, track in tags:
        box = draw.textbbox((x, y), track.label)
        draw.rectangle(box, fill=(0, 0, 0))
        draw.text((x, y), track.label, fill=track.colour)
    return np.asarray(pil)


def load_frame(image_dir: Path, video: Video, frame: int) -> np.ndarray:
    """(H, W, 3) uint8 RGB of one frame (``vistoolkit.data.frames.open_frame``: ``InputError``
    naming the file and frame if it is unreadable or of another size)."""
    return np.asarray(open_frame(image_dir, video, frame))


def video_by_id(data: Dataset, video_id: int | None, path: Path | str | None) -> Video:
    """The video ``video_id`` of ``data`` (its first video if None); ``InputError`` if absent."""
    if not data.videos:
        raise InputError("the file has no videos", path=path)
    if video_id is None:
        raise_first(frame_problems(data.videos[:1]), path=path)
        return data.videos[0]
    video = data.video_index().get(video_id)
    if video is None:
        raise InputError("no such video in the annotation file", path=path,
                         where=f"video id={video_id}")
    raise_first(frame_problems([video]), path=path)
    return video


def predictions_of(preds: Sequence[PredTrack], data: Dataset, video: Video,
                   path: Path | str | None) -> list[PredTrack]:
    """The entries of ``video``, checked against it like ``vistool validate`` (``InputError``
    naming the first bad record)."""
    mine = [p for p in preds if p.video_id == video.id]
    one = replace(data, videos=(video,), tracks=tuple(t for t in data.tracks
                                                      if t.video_id == video.id))
    problems = validate_predictions(mine, one, allow_empty=True)
    raise_first([p for p in problems if p.kind not in WARNING_KINDS], path=path)
    return mine


def drawn_tracks(data: Dataset, video: Video, preds: Sequence[PredTrack], *, top: int = 10,
                 min_score: float = 0.0, match_iou: float = 0.5
                 ) -> tuple[list[DrawnTrack], list[DrawnTrack]]:
    """(ground-truth tracks, predictions) of ``video`` ready to draw; ``preds`` may hold other
    videos' entries (ignored)."""
    names = {c.id: c.name for c in data.categories}
    gts = data.tracks_by_video().get(video.id, [])
    kept = distinct_predictions([p for p in preds if p.video_id == video.id], top, min_score)
    colours = match_colours(video, gts, kept, match_iou)
    gt_side = [DrawnTrack(f"{names.get(t.category_id, t.category_id)}", PALETTE[j % len(PALETTE)],
                          t.segmentations) for j, t in enumerate(gts)]
    pred_side = [DrawnTrack(f"{names.get(p.category_id, p.category_id)} {p.score:.2f}",
                            PALETTE[c % len(PALETTE)], p.segmentations)
                 for p, c in zip(kept, colours)]
    return gt_side, pred_side


def render_panels(image_dir: Path | str, video: Video, gt_side: Sequence[DrawnTrack],
                  pred_side: Sequence[DrawnTrack], frames: Sequence[int],
                  alpha: float = 0.45, scale: int = 1) -> list[np.ndarray]:
    """One panel (sH, 2sW + GAP, 3) uint8 per frame (s = ``scale``): ground truth left,
    predictions right."""
    panels = []
    for f in frames:
        rgb = upscale(load_frame(Path(image_dir), video, f), scale)
        gap = np.full((rgb.shape[0], GAP, 3), 255, dtype=np.uint8)
        panels.append(np.concatenate([draw_tracks(rgb, gt_side, f, alpha, scale), gap,
                                      draw_tracks(rgb, pred_side, f, alpha, scale)], axis=1))
    return panels


def contact_sheet(panels: Sequence[np.ndarray], frames: Sequence[int]) -> np.ndarray:
    """Panels stacked top to bottom, each under a ``frame N`` strip: (P * (H + 14), W', 3)."""
    rows = []
    for panel, f in zip(panels, frames):
        strip = Image.new("RGB", (panel.shape[1], 14), (255, 255, 255))
        ImageDraw.Draw(strip).text((2, 1), f"frame {f}   ground truth | predictions",
                                   fill=(0, 0, 0))
        rows.extend([np.asarray(strip), panel])
    return np.concatenate(rows, axis=0)


def image_format(path: Path | str) -> str:
    """The PIL format that ``path``'s suffix names: GIF (animation), PNG or JPEG (contact sheet).

    Raises:
        InputError: any other suffix.
    """
    fmt = IMAGE_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise InputError(f"unknown image suffix {Path(path).suffix!r}; use "
                         f"{', '.join(IMAGE_FORMATS)}", path=path)
    return fmt


def save_image(panels: Sequence[np.ndarray], frames: Sequence[int], path: Path | str,
               fps: float = 2.0) -> Path:
    """Write a ``.gif`` (one panel per frame at ``fps`` > 0) or a PNG / JPEG contact sheet,
    atomically, in the format the suffix names (``image_format``)."""
    path = Path(path)
    fmt = image_format(path)
    if not fps > 0:
        raise InputError(f"frame rate must be > 0, got {fps}", path=path)
    buf = io.BytesIO()
    if fmt == "GIF":
        images = [Image.fromarray(p) for p in panels]
        images[0].save(buf, format="GIF", save_all=True, append_images=images[1:],
                       duration=round(1000 / fps), loop=0)
    else:
        Image.fromarray(contact_sheet(panels, frames)).save(buf, format=fmt)
    write_bytes_atomic(path, buf.getvalue())
    return path
