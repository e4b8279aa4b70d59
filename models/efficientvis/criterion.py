"""Clip loss (Eq. 5 of EfficientVIS, spec §6) with deep supervision over all stages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor, nn
from torchvision.ops import roi_align

from efficientvis.box_ops import elementwise_giou
from efficientvis.matcher import TrackletMatcher

if TYPE_CHECKING:
    from efficientvis.batch import ClipTargetTensors
    from efficientvis.config import EfficientVISConfig
    from efficientvis.outputs import EfficientVISOutput, StageOutput

Indices = list[tuple[Tensor, Tensor]]


class MatchedFrames(NamedTuple):
    """Every (matched tracklet, real frame) entry of a batch, E entries in all.

    pred_boxes, gt_boxes: (E, 4) float32 ``xyxy``; frame_wh: (E, 4) (W, H, W, H) normaliser;
    present: (E,) bool; mask_logits: (E, h, w); mask_targets: (E, h, w) float 0/1, the GT cropped
    at the detached mask_boxes (all-zero on absent frames).
    """

    pred_boxes: Tensor
    gt_boxes: Tensor
    frame_wh: Tensor
    present: Tensor
    mask_logits: Tensor
    mask_targets: Tensor


def distributed_mean(counts: Tensor) -> Tensor:
    """``counts`` averaged over processes (one all-reduce) when torch.distributed is
    initialised, as Sparse R-CNN's ``num_boxes``; every entry at least 1."""
    counts = counts.detach().clone()
    if dist.is_available() and dist.is_initialized():
        dist.all_reduce(counts)
        counts = counts / dist.get_world_size()
    return counts.clamp(min=1)


@torch.no_grad()
def roi_mask_targets(gt_masks: Tensor, boxes: Tensor, size: tuple[int, int],
                     index: Tensor | None = None) -> Tensor:
    """Binary RoI targets (QueryInst ``mask_target``): masks cropped at ``xyxy`` boxes (E, 4),
    resized to ``size`` with RoI align (aligned=True) and thresholded at 0.5.

    gt_masks: (P, H, W) binary, or (P, 1, H, W) float; index: (E,) row of ``gt_masks`` for each
    box (None: row e for box e). Returns (E, h, w) float.
    """
    if len(boxes) == 0:
        return boxes.new_zeros((0, *size), dtype=torch.float32)
    if index is None:
        index = torch.arange(len(boxes), device=boxes.device)
    source = gt_masks if gt_masks.dim() == 4 else gt_masks[:, None]     # (P, 1, H, W)
    rois = torch.cat([index[:, None].float(), boxes.float()], dim=1)    # (E, 5)
    crops = roi_align(source.float(), rois, size, aligned=True)         # (E, 1, h, w)
    return (crops[:, 0] >= 0.5).float()


class ClipCriterion(nn.Module):
    """Eq. 5 at every stage (deep supervision), each term normalised by its entry count.

    Terms (keys ``<term>_s<stage>``; ``weight_dict`` gives each term's weight):
    ``loss_class`` softmax CE over all N*T' entries, background weight ``eos_coef``;
    ``loss_box`` L1 of normalised ``xyxy`` boxes and ``loss_giou`` 1 - GIoU on matched present
    frames; ``loss_mask`` BCE on all frames of matched tracklets (zeros where absent);
    ``loss_dice`` dice on matched present frames. ``"loss"`` is the weighted sum over stages.
    """

    def __init__(self, matcher: TrackletMatcher, *, num_classes: int, class_weight: float = 2.0,
                 l1_weight: float = 5.0, giou_weight: float = 2.0, bce_weight: float = 1.0,
                 dice_weight: float = 8.0, eos_coef: float = 0.1) -> None:
        super().__init__()
        self.matcher, self.num_classes = matcher, num_classes
        self.weight_dict = {"loss_class": class_weight, "loss_box": l1_weight,
                            "loss_giou": giou_weight, "loss_mask": bce_weight,
                            "loss_dice": dice_weight}
        class_weights = torch.ones(num_classes + 1)
        class_weights[-1] = eos_coef
        self.register_buffer("class_weights", class_weights, persistent=False)

    @classmethod
    def from_config(cls, cfg: EfficientVISConfig) -> ClipCriterion:
        """Matcher and criterion with the loss weights of ``cfg`` (spec §5)."""
        matcher = TrackletMatcher(class_weight=cfg.class_weight, l1_weight=cfg.l1_weight,
                                  giou_weight=cfg.giou_weight, mask_iou_weight=cfg.mask_iou_cost)
        return cls(matcher, num_classes=cfg.num_classes, class_weight=cfg.class_weight,
                   l1_weight=cfg.l1_weight, giou_weight=cfg.giou_weight,
                   bce_weight=cfg.bce_weight, dice_weight=cfg.dice_weight, eos_coef=cfg.eos_coef)

    def stage_weight_dict(self, num_stages: int) -> dict[str, float]:
        """Weights keyed like the loss dict: ``loss_class_s0`` ... ``loss_dice_s{M-1}``."""
        return {f"{k}_s{s}": w for s in range(num_stages) for k, w in self.weight_dict.items()}

    def match(self, output: EfficientVISOutput,
              targets: Sequence[ClipTargetTensors]) -> list[Indices]:
        """Assignment at every stage (spec §6): M lists of B (pred_idx, gt_idx)."""
        return self.matcher.match_stages(output.stages, targets)

    def forward(self, output: EfficientVISOutput, targets: Sequence[ClipTargetTensors],
                indices: Indices | None = None, *,
                stage_indices: Sequence[Indices] | None = None) -> dict[str, Tensor]:
        """Loss dict. ``indices`` (B pairs) is reused at every stage (CL clip 2, spec §7);
        ``stage_indices`` (one per stage) reuses precomputed matches; else each stage is matched.
        Under torch.distributed every process must call this (or ``sync_counts``) equally often.
        """
        if indices is not None:
            stage_indices = [indices] * len(output.stages)
        elif stage_indices is None:
            stage_indices = self.match(output, targets)
        sources = [t.masks.flatten(0, 1)[:, None].float() for t in targets]   # (G*T', 1, H, W)
        matched = [self.matched_frames(stage, targets, idx, mask_sources=sources)
                   for stage, idx in zip(output.stages, stage_indices, strict=True)]
        counts = distributed_mean(self._counts(matched, output.stages[0].logits.device))
        losses: dict[str, Tensor] = {}
        total = output.stages[0].logits.new_zeros(())
        for s, (stage, idx) in enumerate(zip(output.stages, stage_indices, strict=True)):
            terms = self._terms(stage, targets, idx, matched[s], counts[s])
            for name, value in terms.items():
                losses[f"{name}_s{s}"] = value
                total = total + self.weight_dict[name] * value
        losses["loss"] = total
        return losses

    def sync_counts(self, num_stages: int, device: torch.device | str) -> None:
        """Join the count all-reduce of a ``forward`` call this process has no clip for."""
        distributed_mean(torch.zeros((num_stages, 2), device=device))

    @staticmethod
    def _counts(matched: Sequence[MatchedFrames], device: torch.device) -> Tensor:
        """(M, 2): matched present frames and matched frames per stage."""
        return torch.tensor([[float(m.present.sum()), float(m.present.numel())] for m in matched],
                            device=device)

    def stage_losses(self, stage: StageOutput, targets: Sequence[ClipTargetTensors],
                     indices: Indices) -> dict[str, Tensor]:
        """Unweighted Eq. 5 terms of one stage for a given assignment."""
        matched = self.matched_frames(stage, targets, indices)
        counts = distributed_mean(self._counts([matched], stage.logits.device))
        return self._terms(stage, targets, indices, matched, counts[0])

    def _terms(self, stage: StageOutput, targets: Sequence[ClipTargetTensors], indices: Indices,
               matched: MatchedFrames, counts: Tensor) -> dict[str, Tensor]:
        num_present, num_frames = float(counts[0]), float(counts[1])
        return {"loss_class": self.loss_class(stage, targets, indices),
                "loss_box": self.loss_box(matched, num_present),
                "loss_giou": self.loss_giou(matched, num_present),
                "loss_mask": self.loss_mask(matched, num_frames),
                "loss_dice": self.loss_dice(matched, num_present)}

    def matched_frames(self, stage: StageOutput, targets: Sequence[ClipTargetTensors],
                       indices: Indices, *,
                       mask_sources: Sequence[Tensor] | None = None) -> MatchedFrames:
        """Gather the (matched tracklet, real frame) entries of all clips.

        mask_sources: per clip the GT masks as (G*T', 1, H, W) float, shared by all stages
        (converted here when None).
        """
        mask_size = tuple(stage.masks.shape[-2:])
        parts, entries = [], []
        for b, (target, (pred_idx, gt_idx)) in enumerate(zip(targets, indices, strict=True)):
            t_len = target.labels.shape[1]
            pred_idx, gt_idx = pred_idx.to(stage.boxes.device), gt_idx.to(stage.boxes.device)
            height, width = target.masks.shape[-2:]
            mask_boxes = stage.mask_boxes[b, pred_idx, :t_len].detach().reshape(-1, 4)  # (E_b, 4)
            rows = (gt_idx[:, None] * t_len + torch.arange(t_len, device=gt_idx.device)).flatten()
            source = (target.masks.flatten(0, 1) if mask_sources is None
                      else mask_sources[b])                              # (G*T', [1,] H, W)
            frame_wh = torch.tensor([width, height, width, height], dtype=torch.float32,
                                    device=stage.boxes.device).expand(len(mask_boxes), 4)
            n_idx = pred_idx[:, None].expand(len(pred_idx), t_len).reshape(-1)  # (E_b,)
            t_idx = torch.arange(t_len, device=n_idx.device).repeat(len(pred_idx))  # (E_b,)
            entries.append((torch.full_like(n_idx, b), n_idx, t_idx))
            parts.append((stage.boxes[b, pred_idx, :t_len].reshape(-1, 4).float(),
                          target.boxes[gt_idx].reshape(-1, 4).float(), frame_wh,
                          target.present[gt_idx].reshape(-1),
                          roi_mask_targets(source, mask_boxes, mask_size, rows)))
        boxes, gt_boxes, frame_wh, present, mask_targets = (torch.cat(p) for p in zip(*parts))
        b_idx, n_idx, t_idx = (torch.cat(e) for e in zip(*entries))           # (E,) each
        mask_logits = (stage.masks[b_idx, n_idx, t_idx] if stage.masks_at is None
                       else stage.masks_at(b_idx, n_idx, t_idx))            # (E, h, w)
        return MatchedFrames(boxes, gt_boxes, frame_wh, present, mask_logits, mask_targets)

    def loss_class(self, stage: StageOutput, targets: Sequence[ClipTargetTensors],
                   indices: Indices) -> Tensor:
        """Softmax CE over all N*T' entries; unmatched and absent entries are background."""
        logits, classes = [], []
        for b, (target, (pred_idx, gt_idx)) in enumerate(zip(targets, indices, strict=True)):
            t_len = target.labels.shape[1]
            num_queries = stage.logits.shape[1]
            y = target.labels.new_full((num_queries, t_len), self.num_classes)   # (N, T')
            y[pred_idx.to(y.device)] = target.labels[gt_idx.to(y.device)]
            logits.append(stage.logits[b, :, :t_len].reshape(-1, stage.logits.shape[-1]))
            classes.append(y.reshape(-1))
        return F.cross_entropy(torch.cat(logits).float(), torch.cat(classes),
                               weight=self.class_weights.to(stage.logits.device))

    def loss_box(self, matched: MatchedFrames, num_present: float) -> Tensor:
        """L1 of ``xyxy`` boxes normalised by (W, H, W, H), summed over matched present frames."""
        diff = (matched.pred_boxes - matched.gt_boxes).abs() / matched.frame_wh   # (E, 4)
        return diff[matched.present].sum() / num_present

    def loss_giou(self, matched: MatchedFrames, num_present: float) -> Tensor:
        """1 - GIoU over matched present frames."""
        p = matched.present
        giou = elementwise_giou(matched.pred_boxes[p].float(), matched.gt_boxes[p].float())
        return (1 - giou).sum() / num_present

    def loss_mask(self, matched: MatchedFrames, num_frames: float) -> Tensor:
        """Per-pixel-mean BCE on ALL frames of matched tracklets (pushes absent frames to 0)."""
        bce = F.binary_cross_entropy_with_logits(matched.mask_logits.float(),
                                                 matched.mask_targets, reduction="none")
        return bce.flatten(1).mean(1).sum() / num_frames

    def loss_dice(self, matched: MatchedFrames, num_present: float) -> Tensor:
        """QueryInst dice 1 - 2Σpg / (Σp² + Σg² + 1e-5) over matched present frames."""
        p = matched.present
        prob = matched.mask_logits[p].float().sigmoid().flatten(1)       # (E_p, h*w)
        gt = matched.mask_targets[p].flatten(1)                          # (E_p, h*w)
        dice = 1 - 2 * (prob * gt).sum(1) / ((prob * prob).sum(1) + (gt * gt).sum(1) + 1e-5)
        return dice.sum() / num_present
