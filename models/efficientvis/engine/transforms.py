"""Frame-size rules (spec §9) and clip augmentations (flip, colour, per-instance colour).

Sizes are (H', W') pairs; clips are (T', 3, H, W) uint8 frames with ``ClipTargetTensors``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from efficientvis.batch import ClipTargetTensors


def resized_size(height: int, width: int, *, short: int | None,
                 max_long: int | None) -> tuple[int, int]:
    """(H', W') with the short side ``short`` and the long side at most ``max_long`` (spec §9)."""
    scale = 1.0
    if short is not None:
        scale = short / min(height, width)
    if max_long is not None:
        scale = min(scale, max_long / (max(height, width) * 1.0))
    return max(1, round(height * scale)), max(1, round(width * scale))


def multi_scale_sizes(height: int, width: int, *, short: int, max_long: int | None
                      ) -> tuple[tuple[int, int], ...]:
    """Training sizes (H', W') of multi-scale augmentation (spec §9, Table 1g row 3).

    The paper-scale set is one short side per clip from {288, 320, .., 512} with the long side at
    most 640 * s / 360; here both are scaled by ``short / 360`` (``max_long / 640``), so the
    ``paper`` preset gets exactly that set and smaller presets a proportional one.
    """
    out = []
    for s in range(288, 513, 32):
        cap = None if max_long is None else round(max_long * s / 360)
        out.append(resized_size(height, width, short=round(short * s / 360), max_long=cap))
    return tuple(out)


def hflip_clip(frames: Tensor, targets: ClipTargetTensors) -> tuple[Tensor, ClipTargetTensors]:
    """Mirror a clip left-right: frames (T', 3, H, W), masks (G, T', H, W), ``xyxy`` boxes."""
    w = frames.shape[-1]
    boxes = targets.boxes.clone()                                           # (G, T', 4)
    boxes[..., 0], boxes[..., 2] = w - targets.boxes[..., 2], w - targets.boxes[..., 0]
    boxes = torch.where(targets.present[..., None], boxes, targets.boxes)   # absent rows as given
    return frames.flip(-1), targets._replace(boxes=boxes, masks=targets.masks.flip(-1))


def recolour(frames: Tensor, perm: Sequence[int], gain: Sequence[float],
             invert: bool = False) -> Tensor:
    """Colour augmentation: RGB channels reordered by ``perm``, inverted (255 - x) if
    ``invert``, then scaled by ``gain`` (3,).

    frames: (T', 3, H, W) uint8. Returns the same shape and dtype (clamped to 0..255).
    """
    g = torch.tensor(gain, dtype=torch.float32)[None, :, None, None]       # (1, 3, 1, 1)
    out = frames[:, list(perm)].float()
    if invert:
        out = 255 - out
    return (out * g).round_().clamp_(0, 255).to(torch.uint8)


def recolour_instances(frames: Tensor, masks: Tensor, perms: Sequence[Sequence[int]],
                       gains: Sequence[Sequence[float]], invert: Sequence[bool]) -> Tensor:
    """Per-instance appearance augmentation: inside instance g's visible mask, RGB reordered by
    ``perms[g]``, inverted (255 - x) if ``invert[g]``, then scaled by ``gains[g]`` (3,).

    frames: (T', 3, H, W) uint8; masks: (G, T', H, W). Pixels outside every mask are unchanged.
    Keeps the shape (the category) and removes colour and texture polarity as class cues.
    """
    out = frames
    for g in range(masks.shape[0]):
        inside = masks[g].bool()[:, None]                                    # (T', 1, H, W)
        out = torch.where(inside, recolour(frames, perms[g], gains[g], invert[g]), out)
    return out
