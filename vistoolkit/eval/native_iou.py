"""Video IoU of every (prediction, GT) pair of a video in one native pass (issue 13).

The kernel (``vistoolkit._native.rle_video_overlaps``) takes a video's frames as the records
hold them (None, or ``{"size", "counts"}`` dicts of the video size), decodes and validates each
compressed RLE string once and intersects every pair, without the GIL. A job is one video with
*every* GT track and prediction of it (file order, any category), so every string of both files
is validated, whether or not it is evaluated.

GT frames of other forms (polygons, uncompressed RLE) are converted with pycocotools first
(``data.rle.to_rle``). A prediction or GT frame the kernel does not take (``FrameFormError``:
polygon, uncompressed RLE, another size) is not a failure: the caller then runs the exact
Python checks and computes that video with pycocotools (``video_iou``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vistoolkit import _native
from vistoolkit.data.records import Dataset, PredTrack, Track, Video
from vistoolkit.data.rle import to_rle
from vistoolkit.data.rle import counts_text
from vistoolkit.errors import InputError
from vistoolkit.eval.tables import VideoItems
from vistoolkit.eval.video_iou import VideoOverlaps


@dataclass(frozen=True, slots=True)
class VideoJob:
    """One video's kernel call: all its GT tracks and predictions, in file order."""

    video: Video
    gt_tracks: tuple[Track, ...]
    gt_frames: tuple[tuple, ...]    # (G,) the GT frames in a form the kernel takes
    preds: tuple[PredTrack, ...]
    by_category: bool = True        # intersect same-category pairs only (others: inter 0)


@dataclass(frozen=True, slots=True)
class JobResult:
    """The kernel's sums for a job, or why it has none."""

    job: VideoJob
    overlaps: _native.RleOverlaps | None
    counts_error: ValueError | None = None     # a malformed counts string (``CountsError``)
    other_form: bool = False                   # a frame the kernel does not take


def _gt_frames(track: Track, video: Video) -> tuple:
    """A GT track's frames for the kernel: falsy frames absent (as officially), compressed RLE
    as is, polygons and uncompressed RLE converted to compressed RLE (their own size kept)."""
    out = []
    for seg in track.segmentations:
        if not seg:
            out.append(None)
        elif type(seg) is dict and type(seg.get("counts")) in (str, bytes):
            out.append(seg)
        else:
            out.append(to_rle(seg, video.height, video.width))
    return tuple(out)


def video_jobs(gt: Dataset, preds: list[PredTrack], *, by_category: bool = True
               ) -> list[VideoJob]:
    """One job per GT video with GT tracks or predictions (checked records: every prediction's
    video is a GT video). ``by_category=False`` (class-agnostic) intersects every pair."""
    by_video: dict[int, list[PredTrack]] = {v.id: [] for v in gt.videos}
    for p in preds:
        by_video[p.video_id].append(p)
    tracks = gt.tracks_by_video()
    jobs = []
    for v in gt.videos:
        gts = tuple(tracks.get(v.id, ()))
        if gts or by_video[v.id]:
            jobs.append(VideoJob(v, gts, tuple(_gt_frames(t, v) for t in gts),
                                 tuple(by_video[v.id]), by_category))
    return jobs


def run_job(job: VideoJob) -> JobResult:
    """The kernel on one video (thread-safe: the kernel releases the GIL while it decodes)."""
    cats = (([t.category_id for t in job.gt_tracks], [p.category_id for p in job.preds])
            if job.by_category else (None, None))
    try:
        return JobResult(job, _native.rle_video_overlaps(
            job.gt_frames, [p.segmentations for p in job.preds], height=job.video.height,
            width=job.video.width, gt_categories=cats[0], pred_categories=cats[1]))
    except _native.CountsError as err:
        return JobResult(job, None, counts_error=err)
    except _native.FrameFormError:
        return JobResult(job, None, other_form=True)


def _rows(wanted: tuple, records: tuple, *, same_records: bool) -> np.ndarray:
    """Positions of ``wanted`` in ``records``: the records themselves, or (class-agnostic: the
    tables hold relabelled copies; every pair was intersected) the ones with the same frames."""
    key = id if same_records else (lambda r: id(r.segmentations))
    pos = {key(r): i for i, r in enumerate(records)}
    return np.array([pos[key(r)] for r in wanted], dtype=np.int64)


def item_overlaps(item: VideoItems, res: JobResult) -> VideoOverlaps:
    """``VideoOverlaps`` of the evaluated rows of a video (``item``: kept predictions and GT
    tracks of evaluated categories; class-agnostic: relabelled copies sharing the frames)."""
    ov = res.overlaps
    assert ov is not None
    same = res.job.by_category
    d = _rows(item.preds, res.job.preds, same_records=same)                          # (D,)
    g = _rows(item.gt_tracks, res.job.gt_tracks, same_records=same)                  # (G,)
    rows = np.ix_(d, g)
    return VideoOverlaps(ov.iou[rows], ov.det_avg_area[d], ov.det_frames[d], ov.gt_frames[g],
                         int((ov.union[rows] == 0).sum()))


def _counts_key(counts: object) -> object:
    """A frame's counts, comparable and hashable (a raw span: its str)."""
    return counts_text(counts)


def duplicate_count(res: JobResult) -> int:
    """Predictions of the job that repeat an earlier one exactly (same category and frames),
    as ``validate`` counts them; candidates are found by their per-frame areas."""
    ov = res.overlaps
    assert ov is not None
    groups: dict[tuple, list[int]] = {}
    for i, p in enumerate(res.job.preds):
        key = (p.category_id, len(p.segmentations), ov.det_areas[i].tobytes())
        groups.setdefault(key, []).append(i)
    n = 0
    for rows in groups.values():
        if len(rows) > 1:
            frames = [tuple(None if s is None else _counts_key(s["counts"])
                            for s in res.job.preds[i].segmentations) for i in rows]
            n += len(frames) - len(set(frames))
    return n


def counts_input_error(res: JobResult, *, annotation_index: dict[int, int],
                       gt_path: Path | str | None, pred_path: Path | str | None
                       ) -> tuple[tuple[int, int], InputError]:
    """The one-line ``InputError`` for a job's ``CountsError`` (file, record, video, frame) and
    a key ordering it as the checks would (GT before predictions, then file order)."""
    err = res.counts_error
    assert err is not None
    why = str(err).split(": ", 1)[-1]
    if err.side == "gt":
        t = res.job.gt_tracks[err.track]
        i = annotation_index[id(t)]
        where = f"annotations[{i}] (id={t.id}, video_id={t.video_id}), frame {err.frame}"
        return (0, i), InputError(f"undecodable RLE: {why}", path=gt_path, where=where)
    p = res.job.preds[err.track]
    where = f"prediction #{p.index} (video_id={p.video_id}), frame {err.frame}"
    return (1, p.index), InputError(f"undecodable RLE: {why}", path=pred_path, where=where)
