"""Batch and target records the model and the loss consume (spec §6-§7).

A ``ClipBatch`` holds B clips padded to a common T and to multiples of ``SIZE_DIVISOR`` pixels;
``ClipTargetTensors`` are one clip's ground truth in the resized frame; a ``PairBatch`` is one
correspondence-learning step. The dataset (``efficientvis.engine.dataset``) builds them.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

SIZE_DIVISOR = 32   # padded frame sides are multiples of this (the coarsest FPN stride, P5)


class ClipTargetTensors(NamedTuple):
    """Targets of one clip of T' real frames in the resized (unpadded) H x W frame.

    labels: (G, T') long, K (background) where absent; boxes: (G, T', 4) float ``xyxy`` pixels;
    masks: (G, T', H, W) uint8 binary; present: (G, T') bool, True where the instance is visible.
    Rows are instances; the two clips of a pair share the row order (absent rows = background).
    """

    labels: Tensor
    boxes: Tensor
    masks: Tensor
    present: Tensor

    def to(self, device: torch.device | str) -> ClipTargetTensors:
        return ClipTargetTensors(*(x.to(device, non_blocking=True) for x in self))


class ClipBatch(NamedTuple):
    """A batch of B clips. images: (B, T, 3, H_pad, W_pad) float RGB 0..255 (zero padded);
    frame_valid: (B, T) bool, True on real frames (a prefix); image_sizes: (B, 2) long (H, W)
    unpadded; targets: B ``ClipTargetTensors`` with T' = frame_valid[b].sum(); video_ids: (B,)."""

    images: Tensor
    frame_valid: Tensor
    image_sizes: Tensor
    targets: list[ClipTargetTensors]
    video_ids: Tensor

    def to(self, device: torch.device | str) -> ClipBatch:
        return ClipBatch(self.images.to(device, non_blocking=True), self.frame_valid.to(device),
                         self.image_sizes.to(device), [t.to(device) for t in self.targets],
                         self.video_ids.to(device))


class PairBatch(NamedTuple):
    """One training step: ``clip1`` for every video; ``clip2`` (or None) for the B2 videos that
    have a second clip, row r belonging to video ``pair_index[r]`` of ``clip1`` ((B2,) long).
    ``more``: clips 3, 4, ... of a hand-over chain, each ``(clip or None, index)`` with row r
    continuing row ``index[r]`` of the clip before it."""

    clip1: ClipBatch
    clip2: ClipBatch | None
    pair_index: Tensor
    more: tuple[tuple[ClipBatch | None, Tensor], ...] = ()

    def to(self, device: torch.device | str) -> PairBatch:
        clip2 = None if self.clip2 is None else self.clip2.to(device)
        more = tuple((None if c is None else c.to(device), i.to(device)) for c, i in self.more)
        return PairBatch(self.clip1.to(device), clip2, self.pair_index.to(device), more)
