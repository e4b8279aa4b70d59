"""Where a row loses or gains against its reference: per-frame mask IoU on frames next to an
object's jump and on smooth frames, from the predictions the scored runs kept.

Usage: python benchmarks/tdc_jumps.py --row C8still,C8stills1,C8stills2 --ref C8,C8s1,C8s2
           [--preds /work/runs/preds] [--splits /work/vd/splits] [--split-seeds 0,99,100,101,102]
           [--jump 6] [--out FILE.md]

For every GT instance of the valid splits, the kept prediction track (distinct tracks, any
category) with the highest video IoU stands for it, and each frame the instance is present on
gets that track's mask IoU. A frame is ``jump`` when the instance's box centre moved by at
least W / ``--jump`` (L1, the synthetic jumps are at least W / 3) from the previous frame or to
the next one (both present), ``smooth`` when it has a present neighbour and neither moved that
far. Per run: mean IoU per kind; the row's and the reference's training seeds are paired by
position and the ΔIoU of each kind, and their difference (jump minus smooth), get a Student-t
95 % interval over the seeds (Table 1b's question: does the three-frame TDC lose on the frames
whose neighbours show the object elsewhere).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

import numpy as np
from track_switches import distinct_tracks

from vistoolkit.atomic import write_text_atomic
from vistoolkit.data.records import Dataset, PredTrack, Track
from vistoolkit.data.ytvis_io import load_dataset, load_predictions
from vistoolkit.errors import InputError
from vistoolkit.eval.frame_iou import frame_overlaps
from vistoolkit.eval.video_iou import agnostic_video_iou
from vistoolkit.studies.verdict import paired_interval

KINDS = ("jump", "smooth")


def centres(track: Track, length: int) -> list[tuple[float, float] | None]:
    """Box centre (x, y) of each frame the track is present on, None elsewhere."""
    boxes = track.bboxes or ()
    out: list[tuple[float, float] | None] = []
    for f in range(length):
        b = boxes[f] if f < len(boxes) else None
        out.append(None if not b else (b[0] + b[2] / 2, b[1] + b[3] / 2))
    return out


def frame_kinds(track: Track, length: int, width: int, jump: float) -> list[str | None]:
    """``jump`` / ``smooth`` / None (absent, or no present neighbour) per frame."""
    c = centres(track, length)

    def moved(a: int, b: int) -> bool | None:
        if not 0 <= a < length or not 0 <= b < length or c[a] is None or c[b] is None:
            return None
        return abs(c[a][0] - c[b][0]) + abs(c[a][1] - c[b][1]) >= width / jump

    kinds: list[str | None] = []
    for f in range(length):
        steps = [m for m in (moved(f - 1, f), moved(f, f + 1)) if m is not None]
        kinds.append(None if c[f] is None or not steps else "jump" if any(steps) else "smooth")
    return kinds


def kind_ious(gt: Dataset, preds: list[PredTrack], jump: float) -> dict[str, list[float]]:
    """kind -> the per-frame IoU of every GT instance's best track on frames of that kind."""
    by_video: dict[int, list[PredTrack]] = defaultdict(list)
    for p in preds:
        by_video[p.video_id].append(p)
    gt_by_video: dict[int, list[Track]] = defaultdict(list)
    for t in gt.tracks:
        gt_by_video[t.video_id].append(t)
    out: dict[str, list[float]] = {k: [] for k in KINDS}
    for video in gt.videos:
        tracks = tuple(gt_by_video[video.id])
        if not tracks:
            continue
        cands = tuple(distinct_tracks(by_video[video.id], min_score=0.0))
        if cands:
            best = agnostic_video_iou(video, tracks, cands).argmax(axis=0)         # (G,)
            frames = frame_overlaps(video, [t.segmentations for t in tracks],
                                    [cands[d].segmentations for d in best])
        for g, track in enumerate(tracks):
            for f, kind in enumerate(frame_kinds(track, video.length, video.width, jump)):
                if kind is None:
                    continue
                iou = 0.0
                if cands:
                    fo = frames[f]
                    gi, di = np.flatnonzero(fo.gt == g), np.flatnonzero(fo.det == g)
                    iou = float(fo.iou[gi[0], di[0]]) if len(gi) and len(di) else 0.0
                out[kind].append(iou)
    return out


def run_means(run: str, preds_dir: Path, splits: Path, seeds: list[str], jump: float
              ) -> dict[str, tuple[float, int]]:
    """kind -> (mean per-frame IoU, frames) of one run over the splits."""
    pooled: dict[str, list[float]] = {k: [] for k in KINDS}
    for s in seeds:
        gt = load_dataset(splits / f"seed{s}" / "valid.json")
        preds = load_predictions(preds_dir / f"{run}_ema_int8" / f"seed{s}.json")
        for k, v in kind_ious(gt, preds, jump).items():
            pooled[k] += v
    return {k: (float(np.mean(v)), len(v)) for k, v in pooled.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--row", required=True, help="runs of the row, comma-separated, seed order")
    ap.add_argument("--ref", required=True, help="runs of the reference, the same order")
    ap.add_argument("--preds", type=Path, default=Path("/work/runs/preds"))
    ap.add_argument("--splits", type=Path, default=Path("/work/vd/splits"))
    ap.add_argument("--split-seeds", default="0,99,100,101,102")
    ap.add_argument("--jump", type=float, default=6.0)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    seeds = args.split_seeds.split(",")
    row, ref = args.row.split(","), args.ref.split(",")
    if len(row) != len(ref):
        ap.exit(2, f"error: --row has {len(row)} runs, --ref {len(ref)}: pair them by seed\n")
    try:
        means = {r: run_means(r, args.preds, args.splits, seeds, args.jump) for r in row + ref}
    except (InputError, OSError) as err:
        ap.exit(2, f"error: {err}\n")
    lines = ["| run | " + " | ".join(f"{k} IoU (frames)" for k in KINDS) + " |",
             "|---|" + "---:|" * len(KINDS)]
    lines += [f"| {r} | " + " | ".join(f"{m[k][0]:.3f} ({m[k][1]})" for k in KINDS) + " |"
              for r, m in means.items()]
    delta = {k: np.array([means[a][k][0] - means[b][k][0] for a, b in zip(row, ref)])
             for k in KINDS}
    delta["jump - smooth"] = delta["jump"] - delta["smooth"]
    lines += ["", f"| ΔIoU ({'/'.join(row)} − {'/'.join(ref)}) | mean | 95 % interval over "
              "seeds |", "|---|---:|---|"]
    for k, d in delta.items():
        low, high = paired_interval(d)
        lines.append(f"| {k} | {d.mean():+.4f} | [{low:+.4f}, {high:+.4f}] |")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.out:
        write_text_atomic(args.out, text)


if __name__ == "__main__":
    main()
