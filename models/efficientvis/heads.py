"""Head networks: class, box, mask and the tracklet-query update (paper §3.1 "Head Networks")."""

from __future__ import annotations

import math

import torch.nn.functional as F
from torch import Tensor, nn


def _fc_stack(channels: int, num_layers: int) -> nn.Sequential:
    """num_layers x [Linear (no bias), LN, ReLU] (Sparse R-CNN cls/reg towers)."""
    layers: list[nn.Module] = []
    for _ in range(num_layers):
        layers += [nn.Linear(channels, channels, bias=False), nn.LayerNorm(channels),
                   nn.ReLU(inplace=True)]
    return nn.Sequential(*layers)


class ClassHead(nn.Module):
    """Per-frame classification: 1 x FC tower then Linear(C -> K+1), background index K (spec §5)."""

    def __init__(self, channels: int, num_classes: int, *, num_layers: int = 1) -> None:
        super().__init__()
        self.tower = _fc_stack(channels, num_layers)
        self.logits = nn.Linear(channels, num_classes + 1)

    def forward(self, q: Tensor) -> Tensor:
        """q: (..., C). Returns (..., K+1) logits."""
        return self.logits(self.tower(q))


class BoxHead(nn.Module):
    """Per-frame box regression: 3 x FC tower then Linear(C -> 4) deltas (dx, dy, dw, dh) (spec §5)."""

    def __init__(self, channels: int, *, num_layers: int = 3) -> None:
        super().__init__()
        self.tower = _fc_stack(channels, num_layers)
        self.deltas = nn.Linear(channels, 4)

    def forward(self, q: Tensor) -> Tensor:
        """q: (..., C). Returns (..., 4) deltas for ``box_ops.apply_deltas``."""
        return self.deltas(self.tower(q))


def _norm2d(kind: str, channels: int) -> nn.Module:
    if kind == "bn":
        return nn.BatchNorm2d(channels)
    return nn.GroupNorm(math.gcd(channels, 32), channels)


class MaskHead(nn.Module):
    """Class-agnostic RoI mask head (QueryInst DynamicMaskHead layout, spec §5, §12.21).

    num_convs x [conv3x3, norm, ReLU] -> ConvTranspose(k=s, stride=s) + ReLU -> conv1x1 -> 1 channel,
    with s = out_size / roi_size (2 in every preset).
    """

    def __init__(self, channels: int, *, roi_size: int, out_size: int, num_convs: int = 4,
                 norm: str = "bn") -> None:
        super().__init__()
        if out_size % roi_size:
            raise ValueError(f"mask out_size {out_size} is not a multiple of roi_size {roi_size}")
        self.per_sample = norm != "bn"    # each RoI's output independent of the others in the batch
        layers: list[nn.Module] = []
        for _ in range(num_convs):
            layers += [nn.Conv2d(channels, channels, 3, padding=1, bias=False),
                       _norm2d(norm, channels), nn.ReLU(inplace=True)]
        self.convs = nn.Sequential(*layers)
        scale = out_size // roi_size
        self.upsample = nn.ConvTranspose2d(channels, channels, scale, stride=scale)
        self.predictor = nn.Conv2d(channels, 1, 1)

    def forward(self, x: Tensor) -> Tensor:
        """x: (P, C, R, R) tracklet features. Returns (P, S, S) mask logits (S = out_size)."""
        x = F.relu(self.upsample(self.convs(x)))                          # (P, C, S, S)
        return self.predictor(x)[:, 0]                                    # (P, S, S)


class QueryUpdate(nn.Module):
    """Tracklet-query update (spec §2): q1 = LN(q_a + u); q_new = LN(q1 + FFN(q1))."""

    def __init__(self, channels: int, ffn_dim: int, *, dropout: float = 0.0) -> None:
        super().__init__()
        self.norm2 = nn.LayerNorm(channels)
        self.ffn = nn.Sequential(nn.Linear(channels, ffn_dim), nn.ReLU(inplace=True),
                                 nn.Dropout(dropout), nn.Linear(ffn_dim, channels))
        self.norm3 = nn.LayerNorm(channels)

    def forward(self, q_a: Tensor, u: Tensor) -> Tensor:
        """q_a: (..., C) queries after FTSA; u: (..., C) projected tracklet features. Returns (..., C)."""
        q1 = self.norm2(q_a + u)
        return self.norm3(q1 + self.ffn(q1))
