"""``TrainConfig``: the optimisation settings of one training run, and the lr schedule they give."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from efficientvis.engine.synth_stream import DEFAULT_SYNTH_SEED
from vistoolkit.data.synth import SynthConfig

PAPER_LR = 2.5e-5        # spec §9
SCRATCH_LR = 1e-4        # spec §12.17: `tiny` / `micro` trained from scratch on CPU


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings (defaults = spec §9 except where a field says otherwise).

    ``lr`` None: 2.5e-5 for the ``paper`` preset, 1e-4 for ``tiny``/``micro`` (spec §12.17).
    ``warmup_iters`` None: min(1000, 10 % of the schedule). ``lr_drop``: fraction of the
    schedule after which lr is multiplied by 0.1 (27/33). ``max_iters`` caps the schedule
    (``epochs`` is then only an upper bound). ``amp`` only takes effect on CUDA. ``flip``,
    ``color_jitter`` and ``instance_color``: training augmentations of ``YTVISClipDataset``
    (off, as in the paper). ``videos_per_epoch``, ``synth_seed``: the fresh synthetic stream (no
    dataset directory); ``stream_instances``: relative frequency of stream videos with 1, 2, ...
    instances (empty: the generator's default; the valid split never changes). ``probe_every``
    > 0: ``Probe`` scores ``probe_videos`` valid videos.
    ``init_weights`` / ``init_backbone``: checkpoint whose whole model / backbone + FPN start it
    (``grow_stages``: ``init_weights`` may have fewer stages, its last one copied into the rest;
    ``drop_unused_weights``: its tensors that the model lacks, e.g. a removed attention, dropped;
    ``rename_weights``: (old, new) parts of its tensor names replaced before loading);
    ``freeze_backbone``: keep backbone + FPN fixed (``backbone.freeze_``), train the rest.
    ``adjacent_pairs``: a pair is a window and the next (inference's order), not spec §7's any two.
    ``chain_clips``: clips per training item (2 = spec §7's pair; more = a chain of hand-overs).
    ``ema_decay`` > 0: keep a moving average of the trained weights (``WeightAverage``; 0 = off,
    the paper), saved in the checkpoint and probed beside the weights themselves.
    ``backbone_lr_mult``: lr of a trained backbone + FPN relative to the rest (1.0 = spec §9)."""

    epochs: int = 33
    max_iters: int | None = None
    batch_size: int = 1
    lr: float | None = None
    weight_decay: float = 1e-4
    warmup_iters: int | None = None
    warmup_factor: float = 0.01
    lr_drop: float = 27 / 33
    grad_clip: float = 1.0
    seed: int = 0
    device: str = "cpu"
    amp: bool = True
    num_workers: int = 0
    log_every: int = 10
    ckpt_every: int = 500
    eval_every_epochs: int = 0
    flip: bool = False
    color_jitter: bool = False
    instance_color: bool = False
    videos_per_epoch: int = 1000
    synth_seed: int = DEFAULT_SYNTH_SEED
    stream_instances: tuple[float, ...] = ()
    probe_every: int = 0
    probe_videos: int = 8
    init_weights: str | None = None
    init_backbone: str | None = None
    grow_stages: bool = False
    drop_unused_weights: bool = False
    rename_weights: tuple[tuple[str, str], ...] = ()
    freeze_backbone: bool = False
    adjacent_pairs: bool = False
    chain_clips: int = 2
    ema_decay: float = 0.0
    backbone_lr_mult: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def stream_synth(self) -> SynthConfig:
        """Generator settings of the fresh synthetic stream."""
        weights = {"instance_weights": tuple(self.stream_instances)} if self.stream_instances else {}
        return SynthConfig.preset("default", seed=self.synth_seed, **weights)

    def resolved_lr(self, preset: str) -> float:
        return self.lr if self.lr is not None else (PAPER_LR if preset == "paper" else SCRATCH_LR)

    def resolved_warmup(self, total_iters: int) -> int:
        return self.warmup_iters if self.warmup_iters is not None else min(1000, total_iters // 10)


def lr_factor(step: int, *, total_iters: int, warmup_iters: int, warmup_factor: float,
              lr_drop: float) -> float:
    """Multiplier of the base lr at iteration ``step`` (0-based): linear warmup from
    ``warmup_factor`` over ``warmup_iters``, then x0.1 from ``lr_drop * total_iters`` on."""
    alpha = min(step / warmup_iters, 1.0) if warmup_iters > 0 else 1.0
    factor = warmup_factor * (1 - alpha) + alpha
    return factor * (0.1 if step >= math.floor(lr_drop * total_iters) else 1.0)
