"""Temporal Dynamic Convolution (paper Eq. 3, spec §4)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def shift_time(x: Tensor, offset: int) -> Tensor:
    """Frame t of the result holds frame t + offset of ``x`` (zeros past the ends).

    x: (B, N, T, ...). Returns (B, N, T, ...).
    """
    T = x.shape[2]
    if offset == 0:
        return x
    out = torch.zeros_like(x)                                              # (B, N, T, ...)
    if abs(offset) < T:
        if offset > 0:
            out[:, :, : T - offset] = x[:, :, offset:]
        else:
            out[:, :, -offset:] = x[:, :, : T + offset]
    return out


def neighbour_valid(frame_valid: Tensor, offsets: tuple[int, ...]) -> Tensor:
    """Whether frame t + k exists and is real, per offset k. Offset 0 is always kept.

    frame_valid: (B, T) bool. Returns (K, B, T) bool.
    """
    fv = frame_valid[:, None, :]                                           # (B, 1, T)
    rows = [torch.ones_like(frame_valid) if k == 0 else shift_time(fv, k)[:, 0] for k in offsets]
    return torch.stack(rows)                                               # (K, B, T)


def cosine_to_center(outputs: Tensor, center: int, eps: float = 1e-8) -> Tensor:
    """Cosine similarity of every offset's output to the offset-0 output, over channels.

    ``F.cosine_similarity`` semantics (each norm clamped to ``eps``) from one dot product and
    two norms, without normalised copies of the (K, ..., C) tensor (a third of TDC's cost).
    outputs: (K, B, N, T, P, C). Returns (K, B, N, T, P).
    """
    norm = outputs.norm(dim=-1).clamp_min(eps)                             # (K, B, N, T, P)
    dot = (outputs * outputs[center]).sum(dim=-1)                          # (K, B, N, T, P)
    return dot / (norm * norm[center])


def adaptive_weights(outputs: Tensor, valid: Tensor, center: int) -> Tensor:
    """Eq. 3 weights a_{i,(t,t')}: cosine similarity to the t' = t output, softmax over t'.

    Args:
        outputs: (K, *L, P, C) dynamic-conv outputs per offset (P = R*R locations; L = (B, N, T)
            or (E,) entries).
        valid: (K, *L) bool, or broadcastable to it (e.g. (K, B, 1, T)), whether the neighbour
            exists (padded / out-of-clip = False).
        center: index of offset 0 in the K axis.

    Returns:
        (K, *L, P) weights summing to 1 over K at every location.
    """
    sim = cosine_to_center(outputs, center)                                # (K, *L, P)
    sim = sim.masked_fill(~valid[..., None], float("-inf"))                # spec §12.12: clip ends
    return sim.softmax(dim=0)                                              # Eq. 3: sum_t' a = 1


class TemporalDynamicConv(nn.Module):
    """TDC, Eq. 3: o_i^t = sum_{t'=t-1}^{t+1} a_{i,(t,t')} * conv(w_i^t, RoI(f^t', b_i^t')).

    The filter w_i^t = (W1: C x D, W2: D x C), generated from q_i^t, is two 1x1 convs (Sparse
    R-CNN dynamic conv) shared over t'. ``temporal=False`` is the still-image variant (Table
    1b, offset 0 only). ``with_proj=True`` (box branch) flattens to Linear(R*R*C -> C).
    """

    def __init__(self, channels: int, dynamic_dim: int, roi_size: int, *, temporal: bool = True,
                 with_proj: bool = False, embed: bool = False) -> None:
        super().__init__()
        self.channels, self.dynamic_dim = channels, dynamic_dim
        self.offsets: tuple[int, ...] = (-1, 0, 1) if temporal else (0,)
        self.dynamic_layer = nn.Linear(channels, 2 * channels * dynamic_dim)
        self.norm1 = nn.LayerNorm(dynamic_dim)
        self.norm2 = nn.LayerNorm(channels)
        self.embed = nn.Linear(channels, channels) if embed else None     # spec §4 optional
        self.proj = None
        if with_proj:
            self.proj = nn.Sequential(nn.Linear(roi_size * roi_size * channels, channels),
                                      nn.LayerNorm(channels), nn.ReLU(inplace=True))

    def forward(self, q: Tensor, roi_feats: Tensor, frame_valid: Tensor) -> Tensor:
        """Tracklet features of every (i, t).

        Args:
            q: (B, N, T, C) tracklet queries (after FTSA).
            roi_feats: (B, N, T, C, R, R) RoI features, (i, t) pooled at b_i^t on frame t.
            frame_valid: (B, T) bool, True on real frames.

        Returns:
            (B, N, T, C) with ``with_proj``, else (B, N, T, C, R, R).
        """
        B, N, T, C, R, _ = roi_feats.shape
        x = roi_feats.flatten(-2).transpose(-1, -2)                        # (B, N, T, R*R, C)
        xs = torch.stack([shift_time(x, k) for k in self.offsets])         # (K, B, N, T, R*R, C)
        valid = neighbour_valid(frame_valid, self.offsets)[:, :, None]     # (K, B, 1, T)
        return self._output(self._combine(q, xs, valid), R)               # (B, N, T, ...)

    def at(self, q: Tensor, roi_feats: Tensor, frame_valid: Tensor, b: Tensor, n: Tensor,
           t: Tensor) -> Tensor:
        """``forward(q, roi_feats, frame_valid)[b, n, t]`` computed for those entries only.

        b, n, t: (E,) int64. Returns (E, C) with ``with_proj``, else (E, C, R, R).
        """
        T, R = roi_feats.shape[2], roi_feats.shape[-1]
        x = roi_feats.flatten(-2).transpose(-1, -2)                        # (B, N, T, R*R, C)
        xs = torch.stack([x[b, n, (t + k).clamp(0, T - 1)]                 # past the ends: any
                          for k in self.offsets])                          # (K, E, R*R, C)
        valid = neighbour_valid(frame_valid, self.offsets)[:, b, t]        # (K, E): weight 0
        return self._output(self._combine(q[b, n, t], xs, valid), R)      # (E, ...)

    def _combine(self, q: Tensor, xs: Tensor, valid: Tensor) -> Tensor:
        """Eq. 3 for queries q (*L, C) over neighbour RoI features xs (K, *L, R*R, C), valid
        (K, *L) or broadcastable. Returns (*L, R*R, C)."""
        C, D = self.channels, self.dynamic_dim
        params = self.dynamic_layer(q)                                     # (*L, 2*C*D)
        w1 = params[..., : C * D].unflatten(-1, (C, D))                    # (*L, C, D)
        w2 = params[..., C * D:].unflatten(-1, (D, C))                     # (*L, D, C)
        y = F.relu(self.norm1(xs @ w1))                                    # (K, *L, R*R, D)
        y = F.relu(self.norm2(y @ w2))                                     # (K, *L, R*R, C)
        if len(self.offsets) == 1:
            return y[0]                                                    # (*L, R*R, C)
        emb = y if self.embed is None else self.embed(y)
        a = adaptive_weights(emb, valid, self.offsets.index(0))            # (K, *L, R*R)
        return (a[..., None] * y).sum(dim=0)                               # Eq. 3: (*L, R*R, C)

    def _output(self, out: Tensor, R: int) -> Tensor:
        """(*L, R*R, C) -> (*L, C) through ``proj``, else (*L, C, R, R)."""
        if self.proj is not None:
            return self.proj(out.flatten(-2))                              # (*L, C)
        return out.transpose(-1, -2).unflatten(-1, (R, R))                 # (*L, C, R, R)
