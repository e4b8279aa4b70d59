"""How often confident predicted tracks change ground-truth instance, and where (hand-over or inside a clip).

Usage: python benchmarks/track_switches.py GT.json PRED.json [--clip-length 4] [--min-score 0.3]

For every predicted track scoring at least --min-score (a track listed under several classes
counted once), each frame is given the GT instance its mask overlaps most (IoU > 0.3). A track
"covers" an instance on 3 or more frames. Prints the tracks that cover two or more instances
(and those whose instances share one category), and every change of instance along a track,
with how many fall on a clip's first frame (a query hand-over at T = --clip-length).
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict

import numpy as np

from vistoolkit.data.records import PredTrack, Track
from vistoolkit.data.rle import decode as decode_rle
from vistoolkit.data.ytvis_io import load_dataset, load_predictions
from vistoolkit.errors import InputError


def decode(seg: dict | list | None, height: int, width: int) -> np.ndarray | None:
    """Boolean mask of one frame's segmentation (RLE or polygons), None if absent."""
    return None if seg is None else decode_rle(seg, height, width).astype(bool)


def frame_instances(track: list, instances: list[list], min_iou: float = 0.3) -> list[int]:
    """Per frame, the index of the GT instance the track's mask overlaps most (-1: none)."""
    out = []
    for t, q in enumerate(track):
        best, best_iou = -1, min_iou
        for k, inst in enumerate(instances):
            g = inst[t]
            if q is None or g is None:
                continue
            union = (q | g).sum()
            iou = (q & g).sum() / union if union else 0.0
            if iou > best_iou:
                best, best_iou = k, iou
        out.append(best)
    return out


def distinct_tracks(preds: list[PredTrack], min_score: float) -> list[PredTrack]:
    """Predictions scoring at least ``min_score``, a track listed under several classes once."""
    seen, out = set(), []
    for p in preds:
        key = repr(p.segmentations)
        if p.score >= min_score and key not in seen:
            seen.add(key)
            out.append(p)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("gt")
    ap.add_argument("pred")
    ap.add_argument("--clip-length", type=int, default=4)
    ap.add_argument("--min-score", type=float, default=0.3)
    args = ap.parse_args()
    try:
        gt, preds = load_dataset(args.gt), load_predictions(args.pred)
    except (InputError, OSError) as err:
        ap.exit(2, f"error: {err}\n")
    gt_by_video: dict[int, list[Track]] = defaultdict(list)
    for track in gt.tracks:
        gt_by_video[track.video_id].append(track)
    preds_by_video: dict[int, list[PredTrack]] = defaultdict(list)
    for p in preds:
        preds_by_video[p.video_id].append(p)
    tracks = covering = same_category = changes = at_handover = 0
    for video in gt.videos:
        h, w = video.height, video.width
        anns = gt_by_video[video.id]
        instances = [[decode(s, h, w) for s in a.segmentations] for a in anns]
        for p in distinct_tracks(preds_by_video[video.id], args.min_score):
            labels = frame_instances([decode(s, h, w) for s in p.segmentations], instances)
            prev = None
            for t, k in enumerate(labels):
                if k >= 0:
                    if prev is not None and k != prev:
                        changes += 1
                        at_handover += t % args.clip_length == 0
                    prev = k
            counts = Counter(k for k in labels if k >= 0)
            if not counts:
                continue
            tracks += 1
            covered = [k for k, n in counts.items() if n >= 3]
            if len(covered) >= 2:
                covering += 1
                same_category += len({anns[k].category_id for k in covered}) == 1
    print(f"confident tracks on some GT instance: {tracks}; covering two or more instances: "
          f"{covering} (all of one category: {same_category})")
    print(f"changes of instance along the confident tracks: {changes}, on a clip's first frame: "
          f"{at_handover} (1/{args.clip_length} of the frames)")


if __name__ == "__main__":
    main()
