"""Box position embedding of the tracklet queries (config ``box_embed``; off in the paper).

Each stage adds ``MLP(cxcywh)`` of its input boxes, normalised by the padded frame size, to the
per-frame tracklet queries before FTSA, so that attention over a slot's frames can compare where
the slot is in each frame. The last layer starts at zero: the embedding starts as the identity,
so weights trained without it load unchanged (``IDENTITY_AT_INIT``).
"""

from __future__ import annotations

from torch import Tensor, nn

from efficientvis.box_ops import box_xyxy_to_cxcywh

# parameter-name fragments of modules that start as the identity: a checkpoint may lack them
IDENTITY_AT_INIT: tuple[str, ...] = (".box_embed.",)


class BoxPositionEmbedding(nn.Module):
    """q + MLP(normalised cxcywh): Linear(4, C) -> ReLU -> Linear(C, C), last layer zero."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(4, channels), nn.ReLU(), nn.Linear(channels, channels))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Identity at init (zero last layer)."""
        nn.init.zeros_(self.mlp[-1].weight)
        nn.init.zeros_(self.mlp[-1].bias)

    def forward(self, q: Tensor, boxes: Tensor, padded_hw: tuple[int, int]) -> Tensor:
        """q: (B, N, T, C); boxes: (B, N, T, 4) ``xyxy`` pixels; padded_hw: (H_pad, W_pad).
        Returns (B, N, T, C)."""
        h, w = padded_hw
        scale = boxes.new_tensor((w, h, w, h))                             # (4,)
        return q + self.mlp(box_xyxy_to_cxcywh(boxes) / scale).to(q.dtype)  # (B, N, T, C)
