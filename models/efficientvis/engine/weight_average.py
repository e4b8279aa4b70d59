"""Exponential moving average of the trained weights (Polyak averaging), kept beside the model.

After every optimiser step each trainable parameter's average moves towards it:
``avg <- decay * avg + (1 - decay) * p``; buffers (BatchNorm statistics) are not averaged, the
model's own are used with the averaged weights. The average starts as the weights at its first
step, so a run resumed from a checkpoint without one starts it there.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping

import torch
from torch import Tensor, nn


class WeightAverage:
    """Moving average of ``model``'s parameters that require a gradient."""

    def __init__(self, model: nn.Module, decay: float) -> None:
        if not 0.0 < decay < 1.0:
            raise ValueError(f"weight-average decay must lie in (0, 1), got {decay}")
        self.decay = decay
        self.average: dict[str, Tensor] = {}
        self.restart(model)

    def restart(self, model: nn.Module) -> None:
        """Start the average afresh at ``model``'s current weights."""
        self.average = {name: p.detach().clone() for name, p in _trained(model)}

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        """One step of the average towards ``model``'s current weights."""
        for name, p in _trained(model):
            self.average[name].lerp_(p.detach(), 1.0 - self.decay)

    def state_dict(self) -> dict[str, Tensor]:
        return {name: t.detach().cpu().clone() for name, t in self.average.items()}

    def load_state_dict(self, state: Mapping[str, Tensor]) -> None:
        """Restore an average saved by ``state_dict`` (same trainable parameters required)."""
        if set(state) != set(self.average):
            missing = sorted(set(self.average) ^ set(state))
            raise ValueError(f"weight average does not fit the model (e.g. {missing[0]})")
        for name, t in state.items():
            self.average[name].copy_(t)

    @contextlib.contextmanager
    def swapped_in(self, model: nn.Module) -> Iterator[nn.Module]:
        """``model`` holding the averaged weights inside the block, its own ones after it."""
        own = {name: p.detach().clone() for name, p in _trained(model)}
        params = dict(model.named_parameters())
        with torch.no_grad():
            for name, t in self.average.items():
                params[name].copy_(t)
        try:
            yield model
        finally:
            with torch.no_grad():
                for name, t in own.items():
                    params[name].copy_(t)


def _trained(model: nn.Module) -> Iterator[tuple[str, nn.Parameter]]:
    return ((name, p) for name, p in model.named_parameters() if p.requires_grad)
