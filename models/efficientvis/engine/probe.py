"""Held-out probe run every ``probe_every`` iterations: class accuracy of matched slots, mean
matched box IoU, the same box IoU one window later through the query hand-over, and AP with
full-video query hand-over on a fixed small valid subset."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from pathlib import Path

import torch
from torch import Tensor, nn
from torchvision.ops import box_iou

from efficientvis.batch import ClipTargetTensors, PairBatch
from efficientvis.engine.dataset import YTVISClipDataset, collate_pairs
from efficientvis.engine.evaluation import evaluate_model
from efficientvis.engine.inference import InferenceSettings
from efficientvis.matcher import TrackletMatcher
from efficientvis.outputs import StageOutput
from efficientvis.tracklet_query import handover_queries
from vistoolkit.atomic import write_json_atomic
from vistoolkit.data.clips import split_clips
from vistoolkit.data.json_io import read_json
from vistoolkit.data.ytvis_io import load_dataset

logger = logging.getLogger(__name__)

PROBE_KEYS = ("probe_class_acc", "probe_box_iou", "probe_handover_iou", "probe_fg_score",
              "probe_fp_score", "probe_AP", "probe_AP50", "probe_AR10")


@dataclass(frozen=True, slots=True)
class ProbeCounts:
    """Sums over (matched slot, frame where its GT instance is present) pairs, and over
    (unmatched slot, frame) pairs: a slot's score is its highest foreground probability."""

    correct: int             # argmax over the K+1 logits equals the GT label
    frames: int
    box_iou_sum: float       # IoU of the slot's box with the GT box
    fg_score_sum: float = 0.0
    fp_score_sum: float = 0.0   # unmatched slots: what a false positive scores
    fp_frames: int = 0

    def __add__(self, other: ProbeCounts) -> ProbeCounts:
        return ProbeCounts(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def scores(self) -> dict[str, float]:
        def ratio(total: float, n: int) -> float:
            return total / n if n else float("nan")

        return {"probe_class_acc": ratio(self.correct, self.frames),
                "probe_box_iou": ratio(self.box_iou_sum, self.frames),
                "probe_fg_score": ratio(self.fg_score_sum, self.frames),
                "probe_fp_score": ratio(self.fp_score_sum, self.fp_frames)}


def matched_counts(stage: StageOutput, targets: Sequence[ClipTargetTensors],
                   matches: Sequence[tuple[Tensor, Tensor]]) -> ProbeCounts:
    """Count class hits, box IoU and score of matched (prediction, GT) pairs on present frames,
    and the score of unmatched slots on every real frame.

    stage: logits (B, N, T, K+1), boxes (B, N, T, 4) ``xyxy``; matches[b]: (pred_idx, gt_idx).
    """
    total = ProbeCounts(0, 0, 0.0)
    for b, (target, (pi, gi)) in enumerate(zip(targets, matches, strict=True)):
        t_len = target.labels.shape[1]
        present = target.present[gi]                                        # (P, T')
        hits = stage.logits[b, pi, :t_len].argmax(-1) == target.labels[gi]  # (P, T')
        pb = stage.boxes[b, pi, :t_len].reshape(-1, 4).float()              # (P*T', 4)
        gb = target.boxes[gi].reshape(-1, 4).float()                        # (P*T', 4)
        ious = box_iou(pb, gb).diagonal() if len(pb) else pb.new_zeros(0)  # (P*T',)
        fg = stage.logits[b, :, :t_len].float().softmax(-1)[..., :-1].amax(-1)  # (N, T')
        unmatched = torch.ones(fg.shape[0], dtype=torch.bool, device=fg.device)
        unmatched[pi] = False
        on = present.reshape(-1)
        total += ProbeCounts(int(hits.reshape(-1)[on].sum()), int(on.sum()),
                             float(ious[on].sum()), float(fg[pi].reshape(-1)[on].sum()),
                             float(fg[unmatched].sum()), int(fg[unmatched].numel()))
    return total


def handover_counts(model: nn.Module, pair: PairBatch, matcher: TrackletMatcher) -> ProbeCounts:
    """``matched_counts`` of the second clip of ``pair`` run from the first clip's handed-over
    queries, each instance scored on the slot the first clip's last stage assigned to it."""
    first, second = pair.clip1, pair.clip2
    out1 = model(first.images, first.frame_valid, first.image_sizes)
    matches = matcher(out1.stages[-1], first.targets)
    queries = handover_queries(out1.queries, first.frame_valid)             # (B, N, C)
    out2 = model(second.images, second.frame_valid, second.image_sizes, init_queries=queries)
    return matched_counts(out2.stages[-1], second.targets, matches)


class Probe:
    """Fixed held-out clips and a fixed valid subset, scored by ``run(model, step)``.

    Args:
        data_root: a YouTube-VIS directory with ``valid.json`` (the synthetic benchmark).
        out_dir: run directory; the subset's annotation file and predictions go under
            ``out_dir/probe``.
        num_videos: size of the subset (the first videos of ``valid.json``).
        settings: the model's inference settings (clip length and input size for the clips too).
        category_ids: dataset category id of each class index.
    """

    def __init__(self, data_root: Path, out_dir: Path, *, num_videos: int,
                 settings: InferenceSettings, category_ids: Sequence[int]) -> None:
        self.data_root, self.dir = Path(data_root), Path(out_dir) / "probe"
        raw = read_json(self.data_root / "valid.json")
        keep = {v["id"] for v in raw["videos"][:num_videos]}
        subset = {**raw, "videos": [v for v in raw["videos"] if v["id"] in keep],
                  "annotations": [a for a in raw["annotations"] if a["video_id"] in keep]}
        self.ann = self.dir / "valid_subset.json"
        write_json_atomic(self.ann, subset)
        self.category_ids = tuple(category_ids)
        self.settings = settings
        clips = YTVISClipDataset(self.data_root, clip_length=settings.clip_length,
                                 input_short=settings.input_short,
                                 input_max_long=settings.input_max_long, pairs=False, seed=0,
                                 split="valid", ann_file=self.ann)
        self.batches = [collate_pairs([clips[(i, 0)]]).clip1 for i in range(len(clips))]
        self.pairs = []                      # the first two windows of every longer video
        for i in range(len(clips)):
            windows = split_clips(clips.video(i, 0).length, settings.clip_length)
            if len(windows) > 1:
                self.pairs.append(collate_pairs([clips.item(i, 0, windows[0], windows[1])]))
        self.num_videos = len(load_dataset(self.ann).videos)

    @torch.no_grad()
    def run(self, model: nn.Module, device: torch.device) -> dict[str, float]:
        """Scores of ``model`` (left in train mode afterwards)."""
        was_training = model.training
        model.eval()
        try:
            matcher = TrackletMatcher()
            total = ProbeCounts(0, 0, 0.0)
            for batch in self.batches:
                batch = batch.to(device)
                out = model(batch.images, batch.frame_valid, batch.image_sizes)
                final = out.stages[-1]
                total += matched_counts(final, batch.targets, matcher(final, batch.targets))
            handover = ProbeCounts(0, 0, 0.0)
            for pair in self.pairs:
                handover += handover_counts(model, pair.to(device), matcher)
            ev = evaluate_model(model, self.settings, data_root=self.data_root, out_path=self.dir / "results.json",
                                ann_file=self.ann, category_ids=self.category_ids,
                                device=device, progress=False)
        finally:
            model.train(was_training)
        stats = ev.result.stats
        return {**total.scores(), "probe_handover_iou": handover.scores()["probe_box_iou"],
                "probe_AP": stats["AP"], "probe_AP50": stats["AP50"], "probe_AR10": stats["AR10"]}
