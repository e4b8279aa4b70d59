"""Model output records shared by EfficientVIS and DenseVIS (re-exported by ``model``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from torch import Tensor


class StageOutput(NamedTuple):
    """Predictions of one stage (decoder layer for DenseVIS)."""

    logits: Tensor      # (B, N, T, K+1) per-frame class logits, softmax with background K
    boxes: Tensor       # (B, N, T, 4) xyxy abs pixels (this stage's refined boxes b_new)
    masks: Tensor | None  # (B, N, T, h, w) mask logits inside `mask_boxes`; None when skipped
    mask_boxes: Tensor  # (B, N, T, 4) xyxy (detached) boxes the masks live in
    # (b, n, t) index tensors (E,) -> (E, h, w) mask logits of those entries with gradient; set
    # when `masks` was computed without one (training, per-sample mask norm): only the matched
    # entries are supervised, so only they run the mask head's backward
    masks_at: Callable[[Tensor, Tensor, Tensor], Tensor] | None = None


class EfficientVISOutput(NamedTuple):
    """All stages plus the final tracklet queries."""

    stages: tuple[StageOutput, ...]   # M stages; stages[-1] is the final prediction
    queries: Tensor                   # (B, N, T, C) final output tracklet queries
