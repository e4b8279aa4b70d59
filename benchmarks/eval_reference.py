"""A plain, readable YouTube-VIS evaluator used as the speed baseline in ``bench_eval.py``.

One Python call per (prediction, GT, frame) for the IoU, one loop iteration per
(video, category, area range, threshold, prediction) for the matching. Valid input only.
"""

from __future__ import annotations

import json
import time

import numpy as np
from pycocotools import mask as mask_utils

IOU_THRS = np.linspace(0.5, 0.95, 10)
REC_THRS = np.linspace(0.0, 1.0, 101)
MAX_DETS = (1, 10, 100)
AREAS = ((0, 1e10), (0, 128**2), (128**2, 256**2), (256**2, 1e10))


def _rle(seg: dict) -> dict:
    return {"size": seg["size"], "counts": seg["counts"]}


def _avg(areas: list) -> float:
    kept = [a for a in areas if a]
    return float(np.mean(kept)) if kept else 0.0


def video_iou(dsegs: list, gsegs: list) -> float:
    """sum |d∩g| / sum |d∪g| over the frames both lists have."""
    inter = union = 0
    for d, g in zip(dsegs, gsegs):
        if d and g:
            inter += int(mask_utils.area(mask_utils.merge([d, g], intersect=True)))
            union += int(mask_utils.area(mask_utils.merge([d, g], intersect=False)))
        elif d:
            union += int(mask_utils.area(d))
        elif g:
            union += int(mask_utils.area(g))
    return inter / union if union > 0 else 0.0


def match(ious: np.ndarray, g_ign: np.ndarray, g_crowd: np.ndarray, thr: float) -> list:
    """Greedy matching at one threshold; returns the matched GT index (or -1) per prediction."""
    taken = np.zeros(len(g_ign), dtype=bool)
    order = sorted(range(len(g_ign)), key=lambda j: g_ign[j])      # ignored GT last (stable)
    out = []
    for i in range(ious.shape[0]):
        best, m = min(thr, 1 - 1e-10), -1
        for j in order:
            if taken[j] and not g_crowd[j]:
                continue
            if m > -1 and not g_ign[m] and g_ign[j]:
                break
            if ious[i, j] >= best:
                best, m = ious[i, j], j
        if m > -1:
            taken[m] = True
        out.append(m)
    return out


def reference_evaluate(gt_path: str, pred_path: str) -> tuple[dict, list]:
    """Phase seconds and the 12 stats."""
    clock, t = {}, time.perf_counter()
    with open(gt_path) as handle:
        gt = json.load(handle)
    with open(pred_path) as handle:
        preds = json.load(handle)
    clock["load"] = time.perf_counter() - t
    t = time.perf_counter()
    vids = sorted(v["id"] for v in gt["videos"])
    cats = sorted(c["id"] for c in gt["categories"])
    gts, dts = {}, {}
    for a in gt["annotations"]:
        gts.setdefault((a["video_id"], a["category_id"]), []).append(a)
    for i, p in enumerate(preds):
        p["id"] = i + 1
        p["areas"] = [int(mask_utils.area(_rle(s))) if s else None for s in p["segmentations"]]
        dts.setdefault((p["video_id"], p["category_id"]), []).append(p)
    clock["areas"] = time.perf_counter() - t
    t = time.perf_counter()
    results = {}   # (k, v) -> (scores, per-area tp/fp lists, per-area GT count)
    for k, c in enumerate(cats):
        for v in vids:
            g = gts.get((v, c), [])
            d = sorted(dts.get((v, c), []), key=lambda p: -p["score"])[:MAX_DETS[-1]]
            if not g and not d:
                continue
            gsegs = [[_rle(s) if s else None for s in a["segmentations"]] for a in g]
            dsegs = [[_rle(s) if s else None for s in p["segmentations"]] for p in d]
            ious = np.array([[video_iou(ds, gs) for gs in gsegs] for ds in dsegs]).reshape(
                len(d), len(g))
            g_crowd = np.array([bool(a.get("iscrowd", 0)) for a in g], dtype=bool)
            g_area = np.array([_avg(a["areas"]) for a in g])
            d_area = np.array([_avg(p["areas"]) for p in d])
            per_area = []
            for lo, hi in AREAS:
                g_ign = g_crowd | (g_area < lo) | (g_area > hi)
                d_out = (d_area < lo) | (d_area > hi)
                tps, fps = [], []
                for thr in IOU_THRS:
                    m = match(ious, g_ign, g_crowd, thr)
                    tp, fp = [], []
                    for i, j in enumerate(m):
                        ok = j > -1 and g[j]["id"] != 0
                        ign = (j > -1 and g_ign[j]) or (not ok and d_out[i])
                        tp.append(ok and not ign)
                        fp.append(not ok and not ign)
                    tps.append(tp)
                    fps.append(fp)
                per_area.append((np.array(tps, bool).reshape(10, -1),
                                 np.array(fps, bool).reshape(10, -1), int((~g_ign).sum())))
            results[k, v] = ([p["score"] for p in d], per_area)
    clock["iou_match"] = time.perf_counter() - t
    t = time.perf_counter()
    precision = -np.ones((10, 101, len(cats), 4, 3))
    recall = -np.ones((10, len(cats), 4, 3))
    for k in range(len(cats)):
        entries = [results[k, v] for v in vids if (k, v) in results]
        for a in range(4):
            n_gt = sum(e[1][a][2] for e in entries)
            if not entries or n_gt == 0:
                continue
            for mi, md in enumerate(MAX_DETS):
                scores = np.concatenate([np.array(e[0][:md], float) for e in entries])
                order = np.argsort(-scores, kind="mergesort")
                tp = np.concatenate([e[1][a][0][:, :md] for e in entries], 1)[:, order]
                fp = np.concatenate([e[1][a][1][:, :md] for e in entries], 1)[:, order]
                for ti in range(10):
                    tc, fc = np.cumsum(tp[ti]).astype(float), np.cumsum(fp[ti]).astype(float)
                    rc = tc / n_gt
                    pr = list(tc / (fc + tc + np.spacing(1)))
                    recall[ti, k, a, mi] = rc[-1] if len(rc) else 0
                    for i in range(len(pr) - 1, 0, -1):
                        pr[i - 1] = max(pr[i - 1], pr[i])
                    q = np.zeros(101)
                    for ri, pi in enumerate(np.searchsorted(rc, REC_THRS, side="left")):
                        if pi < len(pr):
                            q[ri] = pr[pi]
                    precision[ti, :, k, a, mi] = q
    clock["accumulate"] = time.perf_counter() - t
    stats = []
    for s in (precision[:, :, :, 0, 2], precision[0, :, :, 0, 2], precision[5, :, :, 0, 2],
              precision[:, :, :, 1, 2], precision[:, :, :, 2, 2], precision[:, :, :, 3, 2],
              recall[:, :, 0, 0], recall[:, :, 0, 1], recall[:, :, 0, 2], recall[:, :, 1, 2],
              recall[:, :, 2, 2], recall[:, :, 3, 2]):
        stats.append(float(np.mean(s[s > -1])) if (s > -1).any() else -1.0)
    return clock, stats
