"""Factorised Temporo-Spatial Self-Attention over tracklet queries (paper Eq. 1-2, spec §3)."""

from __future__ import annotations

from torch import Tensor, nn

VARIANTS: tuple[str, ...] = ("ftsa", "spatial", "temporal", "joint")


class FactorisedTemporoSpatialAttention(nn.Module):
    """FTSA, Eq. 1-2: attention over T within each tracklet, then over N within each frame.

    ``variant`` is the Table 1a switch: "ftsa" (temporal then spatial), "spatial" (per-frame
    only), "temporal" (per-tracklet only) or "joint" (one MSA over all N*T embeddings).
    Post-norm residual blocks ``x = LN(x + MSA(x))``; spec §12.11: no positional encoding.
    """

    def __init__(self, channels: int, num_heads: int, *, variant: str = "ftsa",
                 dropout: float = 0.0) -> None:
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"attention={variant!r}; choose from {', '.join(VARIANTS)}")
        self.variant = variant
        self.temporal = variant in ("ftsa", "temporal")
        self.spatial = variant in ("ftsa", "spatial")
        if variant == "joint":
            self.attn_j = nn.MultiheadAttention(channels, num_heads, dropout=dropout, batch_first=True)
            self.norm_j = nn.LayerNorm(channels)
        if self.temporal:
            self.attn_t = nn.MultiheadAttention(channels, num_heads, dropout=dropout, batch_first=True)
            self.norm_t = nn.LayerNorm(channels)
        if self.spatial:
            self.attn_s = nn.MultiheadAttention(channels, num_heads, dropout=dropout, batch_first=True)
            self.norm_s = nn.LayerNorm(channels)

    def forward(self, q: Tensor, frame_valid: Tensor) -> Tensor:
        """q: (B, N, T, C); frame_valid: (B, T), True on real frames. Returns q_a: (B, N, T, C).

        Padded frames are masked out of the temporal (and joint) keys; spatial attention never
        mixes frames, so padded frames cannot reach real ones.
        """
        B, N, T, C = q.shape
        if self.variant == "joint":
            x = q.reshape(B, N * T, C)                                        # (B, N*T, C)
            pad = (~frame_valid)[:, None, :].expand(B, N, T).reshape(B, N * T)  # (B, N*T)
            x = self.norm_j(x + self.attn_j(x, x, x, key_padding_mask=pad, need_weights=False)[0])
            return x.view(B, N, T, C)                                         # (B, N, T, C)
        x = q
        if self.temporal:
            x = x.reshape(B * N, T, C)                                        # (B*N, T, C)
            pad = (~frame_valid).repeat_interleave(N, dim=0)                  # (B*N, T)
            x = self.norm_t(x + self.attn_t(x, x, x, key_padding_mask=pad,
                                            need_weights=False)[0])           # Eq. 1
            x = x.view(B, N, T, C)                                            # (B, N, T, C)
        if self.spatial:
            x = x.transpose(1, 2).reshape(B * T, N, C)                        # (B*T, N, C)
            x = self.norm_s(x + self.attn_s(x, x, x, need_weights=False)[0])  # Eq. 2
            x = x.view(B, T, N, C).transpose(1, 2)                            # (B, N, T, C)
        return x
