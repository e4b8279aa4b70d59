"""Frame-rate downsampling of annotation and result files, keeping frames aligned in time.

Source frame ``i`` is at time ``i / src_fps``. When ``src_fps / fps`` is an integer the kept
frames are ``0, r, 2r, ...``; otherwise target time ``k / fps`` takes the nearest source frame
(``floor(k * src_fps / fps + 0.5)``), duplicates dropped, order kept. Resampled videos record the
kept original frame indices in ``source_frame_indices`` and the new rate in ``fps``; a video
that already has ``fps`` uses it as its source rate (so resampling twice composes).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from vistoolkit.data import rle
from vistoolkit.data.checked import (
    load_checked_dataset,
    parse_checked_dataset,
    parse_checked_predictions,
)
from vistoolkit.data.json_io import read_json
from vistoolkit.data.problems import WARNING_KINDS
from vistoolkit.data.records import Dataset, PredTrack, Track, Video
from vistoolkit.data.ytvis_io import save_dataset, save_predictions
from vistoolkit.errors import InputError

SOURCE_KEY = "source_frame_indices"
FPS_KEY = "fps"


def resample_indices(length: int, *, src_fps: float, fps: float) -> list[int]:
    """Kept source frame indices of a ``length``-frame video going from ``src_fps`` to ``fps``.

    Raises:
        ValueError: ``fps`` is not positive or exceeds ``src_fps``.
    """
    if not (fps > 0 and src_fps > 0 and math.isfinite(fps) and math.isfinite(src_fps)):
        raise ValueError(f"frame rates must be positive, got fps={fps}, src_fps={src_fps}")
    if fps > src_fps * (1 + 1e-9):
        raise ValueError(f"cannot upsample: target {fps} fps exceeds the source {src_fps} fps")
    ratio = src_fps / fps
    if abs(ratio - round(ratio)) < 1e-9:
        return list(range(0, length, round(ratio)))
    out: list[int] = []
    for k in range(int(length / ratio) + 2):
        i = math.floor(k * src_fps / fps + 0.5)
        if i >= length:
            break
        if not out or out[-1] != i:
            out.append(i)
    return out


def frame_maps(ds: Dataset, *, fps: float, src_fps: float = 6.0) -> dict[int, list[int]]:
    """Kept frame indices per video id (a video's own ``fps`` field overrides ``src_fps``)."""
    return {v.id: resample_indices(v.length, src_fps=float(v.extra.get(FPS_KEY, src_fps)), fps=fps)
            for v in ds.videos}


def _take(seq: Sequence | None, idx: Sequence[int]) -> tuple | None:
    return None if seq is None else tuple(seq[i] for i in idx)


def _take_extra(extra: dict, old_length: int, idx: Sequence[int]) -> dict:
    """Per-frame extra lists (as long as the old video, e.g. OVIS ``occlusion``) are subsampled."""
    return {k: [x[i] for i in idx] if isinstance(x, list) and len(x) == old_length else x
            for k, x in extra.items()}


def _is_present(seg: object, area: float | None, h: int, w: int) -> bool:
    if seg is None:
        return False
    if area is not None:
        return area > 0
    if isinstance(seg, list):  # polygons: present when any polygon is given
        return len(seg) > 0
    return rle.area(seg, h, w) > 0


def _resample_video(v: Video, idx: list[int], fps: float) -> Video:
    names = v.file_names if len(v.file_names) == v.length else ()
    source = v.extra.get(SOURCE_KEY)
    kept = [source[i] for i in idx] if isinstance(source, list) and len(source) == v.length else idx
    extra = _take_extra({k: x for k, x in v.extra.items() if k != SOURCE_KEY}, v.length, idx)
    extra.update({SOURCE_KEY: kept, FPS_KEY: fps})
    return replace(v, length=len(idx), file_names=tuple(names[i] for i in idx) if names else (),
                   extra=extra)


def _resample_track(t: Track, v: Video, idx: list[int], path: Path | str | None,
                    where: str) -> Track | None:
    if len(t.segmentations) != v.length:
        raise InputError(f"{len(t.segmentations)} segmentations for a {v.length}-frame video",
                         path=path, where=where)
    segs, areas = _take(t.segmentations, idx), _take(t.areas, idx)
    if not any(_is_present(s, None if areas is None else areas[j], v.height, v.width)
               for j, s in enumerate(segs)):
        return None
    return replace(t, segmentations=segs, bboxes=_take(t.bboxes, idx), areas=areas,
                   extra=_take_extra(t.extra, v.length, idx))


def resample_dataset(ds: Dataset, *, fps: float, src_fps: float = 6.0,
                     path: Path | str | None = None) -> Dataset:
    """``ds`` at ``fps``: videos, per-frame lists and bookkeeping fields updated.

    Tracks with no present frame left (None or zero area everywhere) are dropped.

    Raises:
        InputError: a rate is invalid, or a track's length differs from its video's.
    """
    try:
        maps = frame_maps(ds, fps=fps, src_fps=src_fps)
    except ValueError as err:
        raise InputError(str(err), path=path) from None
    videos = {v.id: v for v in ds.videos}
    tracks = []
    for i, t in enumerate(ds.tracks):
        where = f"annotations[{i}] (id={t.id}, video_id={t.video_id})"
        if t.video_id not in videos:
            raise InputError(f"video_id {t.video_id} is not in 'videos'", path=path, where=where)
        kept = _resample_track(t, videos[t.video_id], maps[t.video_id], path, where)
        if kept is not None:
            tracks.append(kept)
    return replace(ds, videos=tuple(_resample_video(v, maps[v.id], fps) for v in ds.videos),
                   tracks=tuple(tracks))


def resample_predictions(preds: Sequence[PredTrack], frames: Dataset | Mapping[int, Sequence[int]],
                         *, fps: float | None = None, src_fps: float = 6.0,
                         path: Path | str | None = None) -> list[PredTrack]:
    """Predictions on the frames kept for their videos; empty ones dropped, ``index`` renumbered.

    Args:
        preds: result records on the original frames.
        frames: kept indices per video id, or the ORIGINAL ground truth (then ``fps`` is
            required and the selection is ``frame_maps(frames, fps=fps, src_fps=src_fps)``).

    Raises:
        InputError: unknown video, or a prediction whose length differs from its video's.
    """
    lengths: dict[int, int | None] = {}
    sizes: dict[int, tuple[int, int]] = {}
    if isinstance(frames, Dataset):
        if fps is None:
            raise InputError("resampling predictions from a ground truth needs --fps", path=path)
        try:
            maps = frame_maps(frames, fps=fps, src_fps=src_fps)
        except ValueError as err:
            raise InputError(str(err), path=path) from None
        lengths = {v.id: v.length for v in frames.videos}
        sizes = {v.id: v.size for v in frames.videos}
    else:
        maps = {k: list(v) for k, v in frames.items()}
    out = []
    for p in preds:
        where = f"prediction #{p.index} (video_id={p.video_id})"
        if p.video_id not in maps:
            raise InputError(f"video_id {p.video_id} is not in the ground truth", path=path, where=where)
        n = lengths.get(p.video_id)
        if n is not None and len(p.segmentations) != n:
            raise InputError(f"{len(p.segmentations)} segmentations for a {n}-frame video",
                             path=path, where=where)
        idx = [i for i in maps[p.video_id] if i < len(p.segmentations)]
        segs = _take(p.segmentations, idx)
        h, w = sizes.get(p.video_id, (0, 0))
        if any(_is_present(s, None, h, w) for s in segs):
            out.append(replace(p, segmentations=segs, index=len(out)))
    return out


def resample_file(path: Path | str, out: Path | str, *, fps: float, src_fps: float = 6.0,
                  pred: bool = False, gt_path: Path | str | None = None) -> str:
    """Resample an annotation file, or a result file (``gt_path``: its original ground truth).

    Writes ``out`` atomically and returns a one-line summary. Both files are checked first
    (``vistoolkit.data.checked``): per-frame lists as long as the video, decodable masks, sane
    video lengths.

    Raises:
        InputError: invalid input, or a result file without ``gt_path``.
    """
    raw = read_json(path)
    if pred or isinstance(raw, list):
        if gt_path is None:
            raise InputError("resampling a result file needs --gt (its original ground truth)",
                             path=path)
        gt = load_checked_dataset(gt_path)
        preds = parse_checked_predictions(raw, gt, path=path,
                                          tolerate=WARNING_KINDS | {"unknown_category"})
        kept = resample_predictions(preds, gt, fps=fps, src_fps=src_fps, path=path)
        save_predictions(kept, out)
        return (f"wrote {out}: {len(kept)} of {len(preds)} predictions kept at {fps:g} fps "
                f"({sum(len(p.segmentations) for p in kept)} frames)")
    ds = parse_checked_dataset(raw, path=path)
    new = resample_dataset(ds, fps=fps, src_fps=src_fps, path=path)
    save_dataset(new, out)
    return (f"wrote {out}: {len(new.videos)} videos, {sum(v.length for v in ds.videos)} -> "
            f"{sum(v.length for v in new.videos)} frames, {len(new.tracks)} of {len(ds.tracks)} "
            f"tracks kept at {fps:g} fps")
