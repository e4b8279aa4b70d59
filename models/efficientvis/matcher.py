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
    from efficientvis.data import ClipTargetTensors
    from efficientvis.model import StageOutput

logger = logging.getLogger(__name__)


def downsample_masks(masks: Tensor, stride: int) -> Tensor:
    """Area-downsample binary masks (P, H, W) by ``stride`` after zero padding to a multiple.

    Returns (P, ceil(H/stride), ceil(W/stride)) float in [0, 1].
    """
    h, w = masks.shape[-2:]
    h_s, w_s = math.ceil(h / stride), math.ceil(w / stride)
    padded = F.pad(masks.float(), (0, w_s * stride - w, 0, h_s * stride - h))
    return F.avg_pool2d(padded[:, None], stride)[:, 0]                   # (P, h_s, w_s)


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

    @torch.no_grad()
    def cost_matrix(self, stage: StageOutput, target: ClipTargetTensors, b: int) -> Tensor:
        """Matching cost (N, G) of clip ``b``; only its T' = target.labels.shape[1] real frames."""
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
        g = labels.shape[0]
        gt_masks = downsample_masks(target.masks.reshape(g * t_len, height, width),
                                    self.mask_stride)
        gt_masks = gt_masks.view(g, t_len, *gt_masks.shape[-2:])         # (G, T', h4, w4)
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
        out = []
        num_queries = stage.logits.shape[1]
        for b, target in enumerate(targets):
            g = target.labels.shape[0]
            if g == 0:
                empty = torch.zeros(0, dtype=torch.int64)
                out.append((empty, empty.clone()))
                continue
            cost = self.cost_matrix(stage, target, b)                    # (N, G)
            keep = torch.arange(g)
            if g > num_queries:
                logger.warning("clip %d has %d instances for %d queries; keeping the %d largest",
                               b, g, num_queries, num_queries)
                area = target.masks.flatten(1).sum(-1, dtype=torch.float64).cpu()  # (G,)
                largest = torch.argsort(area, descending=True, stable=True)[:num_queries]
                keep = torch.sort(largest)[0]
                cost = cost[:, keep.to(cost.device)]
            cost = torch.nan_to_num(cost.cpu(), nan=1e8, posinf=1e8, neginf=-1e8)
            rows, cols = linear_sum_assignment(cost.numpy())
            out.append((torch.as_tensor(rows, dtype=torch.int64), keep[torch.as_tensor(cols)]))
        return out
