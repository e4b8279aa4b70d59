"""Tracklet-level bipartite matching (Eq. 4 of EfficientVIS, spec §6)."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment
from torch import Tensor, nn

from efficientvis.box_ops import elementwise_giou
from efficientvis.mask_paste import paste_masks

if TYPE_CHECKING:
    from efficientvis.batch import ClipTargetTensors
    from efficientvis.outputs import StageOutput

logger = logging.getLogger(__name__)


def downsample_masks(masks: Tensor, stride: int) -> Tensor:
    """Area-downsample binary masks (P, H, W) by ``stride`` after zero padding to a multiple.

    Returns (P, ceil(H/stride), ceil(W/stride)) float in [0, 1].
    """
    h, w = masks.shape[-2:]
    h_s, w_s = math.ceil(h / stride), math.ceil(w / stride)
    padded = masks[:, None].float()                                      # (P, 1, H, W)
    if (h_s * stride, w_s * stride) != (h, w):
        padded = F.pad(padded, (0, w_s * stride - w, 0, h_s * stride - h))
    return F.avg_pool2d(padded, stride)[:, 0]                            # (P, h_s, w_s)


def pasted_mask_probs(mask_logits: Tensor, mask_boxes: Tensor, height: int, width: int,
                      stride: int) -> Tensor:
    """RoI mask probabilities pasted into a stride-``stride`` canvas of an H x W frame.

    mask_logits: (P, h, w) logits inside ``mask_boxes`` (P, 4) ``xyxy`` input pixels.
    Returns (P, ceil(H/stride), ceil(W/stride)) probabilities, 0 outside the boxes.
    """
    h_s, w_s = math.ceil(height / stride), math.ceil(width / stride)
    return paste_masks(mask_logits.sigmoid(), mask_boxes / stride, h_s, w_s)


def soft_mask_iou(pred: Tensor, gt: Tensor, eps: float = 1e-6) -> Tensor:
    """Pairwise soft IoU Σpg / (Σp + Σg - Σpg + eps). pred: (N, T, h, w); gt: (G, T, h, w).

    Returns (N, G, T).
    """
    inter = torch.einsum("nthw,gthw->ngt", pred, gt)                    # (N, G, T)
    sum_p = pred.flatten(2).sum(-1)[:, None]                             # (N, 1, T)
    sum_g = gt.flatten(2).sum(-1)[None]                                  # (1, G, T)
    return inter / (sum_p + sum_g - inter + eps)


class TrackletMatcher(nn.Module):
    """Hungarian assignment of N tracklet predictions to G ground-truth tracklets per clip, Eq. 4.

    Cost of prediction n for instance g, summed over the clip's frames t (spec §6):
    ``class_weight * -p_n^t(ĉ_g^t)`` on every frame (background included) plus, on frames where
    g is present, ``l1_weight * L1(b_n, b̂_g)`` (boxes normalised by the frame size)
    ``- giou_weight * GIoU - mask_iou_weight * softIoU`` (masks at stride ``mask_stride``).
    """

    def __init__(self, *, class_weight: float = 2.0, l1_weight: float = 5.0,
                 giou_weight: float = 2.0, mask_iou_weight: float = 2.0,
                 mask_stride: int = 4) -> None:
        super().__init__()
        self.class_weight, self.l1_weight = class_weight, l1_weight
        self.giou_weight, self.mask_iou_weight = giou_weight, mask_iou_weight
        self.mask_stride = mask_stride

    def gt_masks_down(self, target: ClipTargetTensors) -> Tensor:
        """(G, T', ceil(H/stride), ceil(W/stride)) area-downsampled GT masks of one clip."""
        g, t_len, height, width = target.masks.shape
        down = downsample_masks(target.masks.reshape(g * t_len, height, width), self.mask_stride)
        return down.view(g, t_len, *down.shape[-2:])

    @torch.no_grad()
    def cost_matrix(self, stage: StageOutput, target: ClipTargetTensors, b: int,
                    gt_masks: Tensor | None = None) -> Tensor:
        """Matching cost (N, G) of clip ``b``; only its T' = target.labels.shape[1] real frames.

        gt_masks: ``gt_masks_down(target)`` when already computed (it is the same at every stage).
        """
        labels, present = target.labels, target.present                 # (G, T'), (G, T')
        t_len = labels.shape[1]
        height, width = target.masks.shape[-2:]
        prob = stage.logits[b, :, :t_len].float().softmax(-1)            # (N, T', K+1)
        frame = torch.arange(t_len, device=prob.device)
        cost_class = -prob[:, frame[None, :], labels]                    # (N, G, T')
        scale = prob.new_tensor([width, height, width, height])
        pred_boxes = stage.boxes[b, :, :t_len].float()[:, None]          # (N, 1, T', 4)
        gt_boxes = target.boxes.float()[None]                            # (1, G, T', 4)
        cost_l1 = (pred_boxes / scale - gt_boxes / scale).abs().sum(-1)  # (N, G, T')
        giou = elementwise_giou(pred_boxes, gt_boxes)                    # (N, G, T')
        n, _, h, w = stage.masks.shape[1:]
        pred_masks = pasted_mask_probs(
            stage.masks[b, :, :t_len].float().reshape(n * t_len, h, w),
            stage.mask_boxes[b, :, :t_len].float().reshape(n * t_len, 4),
            height, width, self.mask_stride)
        pred_masks = pred_masks.view(n, t_len, *pred_masks.shape[-2:])   # (N, T', h4, w4)
        if gt_masks is None:
            gt_masks = self.gt_masks_down(target)                        # (G, T', h4, w4)
        miou = soft_mask_iou(pred_masks, gt_masks)                       # (N, G, T')
        on_present = (self.l1_weight * cost_l1 - self.giou_weight * giou
                      - self.mask_iou_weight * miou)                     # (N, G, T')
        on_present = torch.where(present[None], on_present, torch.zeros_like(on_present))
        return (self.class_weight * cost_class + on_present).sum(-1)      # (N, G)  Eq. 4

    @torch.no_grad()
    def forward(self, stage: StageOutput,
                targets: Sequence[ClipTargetTensors]) -> list[tuple[Tensor, Tensor]]:
        """Assignment per clip.

        Args:
            stage: one stage's predictions; logits (B, N, T, K+1), boxes (B, N, T, 4) ``xyxy``,
                masks (B, N, T, h, w) logits inside mask_boxes (B, N, T, 4) ``xyxy``.
            targets: B clips; clip b has T'_b <= T real frames (a prefix of the T frames).

        Returns:
            B pairs (pred_idx, gt_idx) of int64 (min(N, G),), sorted by pred_idx. If G > N only
            the N instances with the largest total mask area are matched (a warning is logged).
        """
        return self.match_stages([stage], targets)[0]

    @torch.no_grad()
    def match_stages(self, stages: Sequence[StageOutput],
                     targets: Sequence[ClipTargetTensors]) -> list[list[tuple[Tensor, Tensor]]]:
        """``forward`` for every stage, with the target-side work done once. M lists of B pairs."""
        num_queries = stages[0].logits.shape[1]
        keeps, downs = [], []
        for b, target in enumerate(targets):
            g = target.labels.shape[0]
            keep = torch.arange(g)
            if g > num_queries:
                logger.warning("clip %d has %d instances for %d queries; keeping the %d largest",
                               b, g, num_queries, num_queries)
                area = target.masks.flatten(1).sum(-1, dtype=torch.float64).cpu()  # (G,)
                largest = torch.argsort(area, descending=True, stable=True)[:num_queries]
                keep = torch.sort(largest)[0]
            keeps.append(keep)
            downs.append(self.gt_masks_down(target) if g > 0 else None)
        return [[self._assign(stage, t, b, keeps[b], downs[b]) for b, t in enumerate(targets)]
                for stage in stages]

    def _assign(self, stage: StageOutput, target: ClipTargetTensors, b: int, keep: Tensor,
                gt_masks: Tensor | None) -> tuple[Tensor, Tensor]:
        """Hungarian assignment of clip ``b`` among the kept instances ``keep`` (G_kept,)."""
        if len(keep) == 0:
            empty = torch.zeros(0, dtype=torch.int64)
            return empty, empty.clone()
        cost = self.cost_matrix(stage, target, b, gt_masks)                 # (N, G)
        cost = cost[:, keep.to(cost.device)]
        cost = torch.nan_to_num(cost.cpu(), nan=1e8, posinf=1e8, neginf=-1e8)   # (N, G_kept)
        rows, cols = linear_sum_assignment(cost.numpy())
        return torch.as_tensor(rows, dtype=torch.int64), keep[torch.as_tensor(cols)]
