"""Compact storage of weight tensors as int8 with one float32 scale per output channel
(symmetric, round to nearest): a bundled file's frozen backbone layers at half their float16
size. Loading turns them back into floating-point tensors; the model itself never runs int8."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor

LEVELS = 127


def quantize_int8(w: Tensor) -> tuple[Tensor, Tensor]:
    """(q int8 with ``w``'s shape, scale float32 (w.shape[0],)): w ~ q * scale per output channel."""
    w = w.detach().float()
    amax = w.flatten(1).abs().amax(dim=1)                                  # (C_out,)
    scale = amax / LEVELS
    safe = torch.where(scale > 0, scale, torch.ones_like(scale))            # all-zero rows: q = 0
    q = (w / safe.view(-1, *[1] * (w.dim() - 1))).round().clamp(-LEVELS, LEVELS)
    return q.to(torch.int8), scale


def dequantize_int8(q: Tensor, scale: Tensor) -> Tensor:
    """float32 tensor ``q * scale`` (scale broadcast over all but the first dimension)."""
    return q.float() * scale.view(-1, *[1] * (q.dim() - 1))


def pack_int8(state: Mapping[str, Tensor], prefixes: Sequence[str]
              ) -> tuple[dict[str, Tensor], dict[str, dict[str, Tensor]]]:
    """Split ``state`` into the tensors kept as they are and the int8 records
    (``{"q", "scale"}``) of its floating-point tensors of 2+ dimensions under ``prefixes``."""
    kept, packed = {}, {}
    for key, value in state.items():
        if value.is_floating_point() and value.dim() >= 2 and key.startswith(tuple(prefixes)):
            q, scale = quantize_int8(value)
            packed[key] = {"q": q, "scale": scale}
        else:
            kept[key] = value
    return kept, packed


def unpack_int8(packed: Mapping[str, Any]) -> dict[str, Tensor]:
    """float32 tensors of ``pack_int8``'s records; ``ValueError`` on a malformed record."""
    out = {}
    for key, rec in packed.items():
        q, scale = (rec.get("q"), rec.get("scale")) if isinstance(rec, Mapping) else (None, None)
        if not (isinstance(q, Tensor) and isinstance(scale, Tensor) and q.dtype == torch.int8
                and q.dim() >= 1 and scale.shape == q.shape[:1]):
            raise ValueError(f"bad int8 record {key!r}")
        out[key] = dequantize_int8(q, scale)
    return out
