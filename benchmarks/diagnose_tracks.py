"""Where a model's AP goes: localisation (class-agnostic) versus classification, per GT track.

Usage: python benchmarks/diagnose_tracks.py GT.json PRED.json [--iou 0.5]

For every GT track: is some prediction of its video, of any category, at video IoU >= ``--iou``
(localised)? If so, does the best-scoring such prediction's track carry the right category as
its top-scoring label (predictions with identical masks are one track with several labels)?
Prints the counts and the GT x predicted category confusion of the localised tracks. A model
that localises on train videos but classifies at chance on valid ones is memorising instances.
Video IoU is ``vistoolkit.eval``'s official-exact one.

Per frame as well: a GT track is "found per frame" when the mean, over the frames where it is
present, of its best mask IoU with any prediction of that frame is at least ``--iou``. Tracks
found per frame but not localised over the video are lost to tracking (identity switches
across clips), not to segmentation.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np
from pycocotools import mask as mask_utils

from vistoolkit.data.rle import to_rle
from vistoolkit.data.ytvis_io import load_dataset, load_predictions
from vistoolkit.eval.video_iou import agnostic_video_iou
from vistoolkit.viz.overlay import distinct_predictions


def mean_best_frame_iou(track, preds, height: int, width: int) -> float:
    """Mean over the frames where ``track`` is present of its best mask IoU with any
    prediction's mask on that frame (0 on frames without predictions)."""
    ious = []
    for f, seg in enumerate(track.segmentations):
        if not seg:
            continue
        dets = [to_rle(p.segmentations[f], height, width) for p in preds
                if f < len(p.segmentations) and p.segmentations[f]]
        if not dets:
            ious.append(0.0)
            continue
        iou = mask_utils.iou(dets, [to_rle(seg, height, width)], [0])                 # (D, 1)
        ious.append(float(np.max(iou)))
    return float(np.mean(ious)) if ious else 0.0


def diagnose(gt_path: str, pred_path: str, iou_thr: float = 0.5) -> dict:
    """Counts of localised GT tracks and of those whose top label is right, and the confusion."""
    data = load_dataset(gt_path)
    preds = defaultdict(list)
    for p in load_predictions(pred_path):
        preds[p.video_id].append(p)
    cats = sorted(c.id for c in data.categories)
    col = {c: i for i, c in enumerate(cats)}
    confusion = np.zeros((len(cats), len(cats)), dtype=np.int64)   # (K GT, K predicted)
    tracks = data.tracks_by_video()
    n_gt = localised = correct = per_frame = 0
    for video in data.videos:
        gts, ps = tuple(tracks[video.id]), tuple(preds[video.id])
        n_gt += len(gts)
        if not gts or not ps:
            continue
        per_frame += sum(mean_best_frame_iou(t, ps, video.height, video.width) >= iou_thr
                         for t in gts)
        iou = agnostic_video_iou(video, gts, ps)                     # (D, G)
        top = {repr(p.segmentations): p                              # masks -> best label entry
               for p in distinct_predictions(ps, top=len(ps))}
        for g, track in enumerate(gts):
            hits = np.flatnonzero(iou[:, g] >= iou_thr)
            if not len(hits):
                continue
            best = max((ps[d] for d in hits.tolist()), key=lambda p: p.score)
            label = top[repr(best.segmentations)].category_id
            localised += 1
            correct += label == track.category_id
            confusion[col[track.category_id], col[label]] += 1
    return {"gt_tracks": n_gt, "found_per_frame": per_frame, "localised": localised,
            "top_label_correct": correct,
            "categories": cats, "confusion": confusion}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("gt")
    ap.add_argument("pred")
    ap.add_argument("--iou", type=float, default=0.5)
    args = ap.parse_args()
    r = diagnose(args.gt, args.pred, args.iou)
    print(f"GT tracks {r['gt_tracks']}; found per frame (mean best frame IoU >= {args.iou}) "
          f"{r['found_per_frame']}")
    print(f"GT tracks {r['gt_tracks']}; localised (any category, video IoU >= {args.iou}) "
          f"{r['localised']}; top label correct {r['top_label_correct']} of those "
          f"(chance about 1/{len(r['categories'])})")
    print("confusion (rows GT category, columns top predicted):", r["categories"])
    print(r["confusion"])


if __name__ == "__main__":
    main()
