"""Where a checkpoint's boxes go: per stage, per object size, and window by window through the
query hand-over.

Usage: python benchmarks/diagnose_handover.py CKPT [--data DIR] [--videos N] [--threads 1]

On the first ``--videos`` valid videos, with every slot matched to the GT by the training matcher
on the last stage (box IoU on the frames where the GT instance is present):

* window 0 (queries q*): box IoU per stage and per GT-area quartile, class accuracy, the mask
  IoU of the pasted mask (the mask head reads the box, so a short box cuts the mask), how the
  last stage's box and mask IoUs spread (a slot lost on some frames shows as IoU < 0.1), and
  where the lost (slot, frame) pairs are: after which stage, on another GT instance or not;
* the mean TDC weight a_(t,t') per offset (Eq. 3) on interior frames, box and mask branch;
* window k = 1, 2, ... of the video: ``tracked`` = each GT instance scored on the slot that first
  matched it (what full-video hand-over keeps), ``rematched`` = the same handed-over outputs
  matched afresh (detection quality with handed-over queries), ``fresh`` = the window run from q*
  and matched afresh (detection quality without hand-over).
"""

from __future__ import annotations

import argparse
import itertools
from collections import defaultdict

import numpy as np
import torch
from efficientvis import tdc
from efficientvis.engine.checkpoint import load_checkpoint
from efficientvis.engine.dataset import YTVISClipDataset, _targets_to_tensors, collate_clips
from efficientvis.engine.probe import ProbeCounts, matched_counts
from efficientvis.mask_paste import paste_masks
from efficientvis.matcher import TrackletMatcher
from efficientvis.tracklet_query import handover_queries
from torchvision.ops import box_iou

from vistoolkit.data.clips import clip_targets, split_clips


def pair_counts(stage, target, slots, rows) -> ProbeCounts:
    """``matched_counts`` of slot ``slots[i]`` against GT row ``rows[i]`` (one clip)."""
    return matched_counts(stage, [target], [(torch.tensor(slots, dtype=torch.long),
                                             torch.tensor(rows, dtype=torch.long))])


def model_and_valid(ckpt: str, data: str, threads: int):
    """(model in eval mode, its inference settings, the valid split read at its input size)."""
    torch.set_num_threads(threads)
    loaded = load_checkpoint(ckpt)
    s = loaded.settings
    ds = YTVISClipDataset(data, clip_length=s.clip_length, input_short=s.input_short,
                          input_max_long=s.input_max_long, pairs=False, split="valid")
    return loaded.model.eval(), s, ds


def window_zero(out, target, matches, height: int, width: int) -> list[tuple]:
    """Rows (stage, GT area fraction, box IoU, class hit, mask IoU, best box IoU with another
    GT instance present on that frame, whether that instance has the same category) of window 0."""
    rows = []
    slots, gts = (m.tolist() for m in matches)
    for s, stage in enumerate(out.stages):
        for p, g in zip(slots, gts):
            for t in range(target.labels.shape[1]):
                if not target.present[g, t]:
                    continue
                gb = target.boxes[g, t]
                iou = float(box_iou(stage.boxes[0, p, t][None], gb[None]))
                area = float((gb[2] - gb[0]) * (gb[3] - gb[1])) / (height * width)
                hit = int(stage.logits[0, p, t].argmax()) == int(target.labels[g, t])
                pm = paste_masks(stage.masks[0, p, t][None].sigmoid(),
                                 stage.mask_boxes[0, p, t][None], height, width)[0] > 0.5
                gm = target.masks[g, t].bool()
                miou = float((pm & gm).sum() / (pm | gm).sum().clamp(min=1))
                others = [(float(box_iou(stage.boxes[0, p, t][None], target.boxes[h, t][None])),
                           int(target.labels[h, t]) == int(target.labels[g, t]))
                          for h in range(len(target.boxes)) if h != g and target.present[h, t]]
                rows.append((s, area, iou, hit, miou, *max(others, default=(0.0, False))))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ckpt")
    ap.add_argument("--data", default="vistool_data/synth")
    ap.add_argument("--videos", type=int, default=12)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    model, s, ds = model_and_valid(args.ckpt, args.data, args.threads)
    weights: list[torch.Tensor] = []
    adaptive = tdc.adaptive_weights

    def recording(outputs, valid, center):                     # TDC weights, for the report
        a = adaptive(outputs, valid, center)
        weights.append(a)
        return a

    matcher, zero = TrackletMatcher(), []
    by_window = defaultdict(lambda: defaultdict(lambda: ProbeCounts(0, 0, 0.0)))
    tdc_means: list[list[torch.Tensor]] = []              # per video: (K,) per TDC call
    tdc.adaptive_weights = recording
    try:
        with torch.no_grad():
            for i in range(min(args.videos, len(ds))):
                video, tracks, read = ds._source(i, 0)
                size = ds.size(i, 0)
                queries, slot_of = None, {}
                for w, frames in enumerate(split_clips(video.length, s.clip_length)):
                    target = _targets_to_tensors(clip_targets(video, tracks, frames,
                                                              ds.category_index,
                                                              keep_absent=True), size)
                    b = collate_clips([read(frames, size)], [target], [video.id])
                    weights.clear()
                    out = model(b.images, b.frame_valid, b.image_sizes, init_queries=queries)
                    m = matcher(out.stages[-1], [target])[0]
                    if w == 0:
                        zero += window_zero(out, target, m, *size)
                        tdc_means.append([a[:, :, :, 1:-1].flatten(1).mean(1) for a in weights])
                    for p, g in zip(*(x.tolist() for x in m)):
                        if bool(target.present[g].any()):
                            slot_of.setdefault(g, p)
                    rows = [g for g in slot_of if bool(target.present[g].any())]
                    by_window[w]["tracked"] += pair_counts(out.stages[-1], target,
                                                           [slot_of[g] for g in rows], rows)
                    by_window[w]["rematched"] += matched_counts(out.stages[-1], [target], [m])
                    fresh = model(b.images, b.frame_valid, b.image_sizes).stages[-1]
                    by_window[w]["fresh"] += matched_counts(fresh, [target],
                                                            matcher(fresh, [target]))
                    queries = handover_queries(out.queries, b.frame_valid)
    finally:
        tdc.adaptive_weights = adaptive
    z = np.array(zero, dtype=float)
    print(f"window 0, {args.videos} videos, {int((z[:, 0] == 0).sum())} (slot, frame) pairs")
    for st in range(int(z[:, 0].max()) + 1):
        x = z[z[:, 0] == st]
        quart = np.quantile(x[:, 1], [0, .25, .5, .75, 1])
        by_size = [x[(x[:, 1] >= lo) & (x[:, 1] <= hi), 2].mean()
                   for lo, hi in itertools.pairwise(quart)]
        print(f"  stage {st}: box IoU {x[:, 2].mean():.3f} (area quartiles "
              + " / ".join(f"{v:.2f}" for v in by_size) + f"), class accuracy {x[:, 3].mean():.3f}"
              f", mask IoU {x[:, 4].mean():.3f}, mask IoU >= 0.75: {np.mean(x[:, 4] >= .75):.2f}")
    last = z[z[:, 0] == z[:, 0].max()]
    edges = (0.0, 0.1, 0.3, 0.5, 0.75, 1.01)
    for col, what in ((2, "box"), (4, "mask")):
        share = [np.mean((last[:, col] >= lo) & (last[:, col] < hi)) for lo, hi in
                 itertools.pairwise(edges)]
        print(f"  last stage {what} IoU in [0, .1) / [.1, .3) / [.3, .5) / [.5, .75) / [.75, 1]: "
              + " / ".join(f"{v:.2f}" for v in share))
    lost = z[:, 2] < 0.1
    first, final = lost[z[:, 0] == 0], lost[z[:, 0] == z[:, 0].max()]
    wrong = last[final & (last[:, 5] > 0.3)]
    print(f"  lost (box IoU < 0.1): {first.mean():.2f} after stage 0, {final.mean():.2f} after the "
          f"last, {np.mean(first & final):.2f} after both; of the last stage's lost pairs "
          f"{len(wrong) / max(final.sum(), 1):.2f} sit on another GT instance (box IoU > 0.3), "
          f"{wrong[:, 6].mean() if len(wrong) else float('nan'):.2f} of those of the same category")
    if tdc_means and tdc_means[0]:
        stats = [torch.stack(calls).mean(0) for calls in zip(*tdc_means)]
        names = [f"stage {k // 2} {'box' if k % 2 == 0 else 'mask'}" for k in range(len(stats))]
        for name, a in zip(names, stats):
            print(f"  TDC weights (t-1, t, t+1), {name}: " + " / ".join(f"{v:.2f}" for v in a))
    print("window: tracked / rematched / fresh box IoU (pairs)")
    for w in sorted(by_window):
        iou = {k: c.scores()["probe_box_iou"] for k, c in by_window[w].items()}
        print(f"  {w}: {iou['tracked']:.3f} / {iou['rematched']:.3f} / {iou['fresh']:.3f} "
              f"({by_window[w]['tracked'].frames})")


if __name__ == "__main__":
    main()
