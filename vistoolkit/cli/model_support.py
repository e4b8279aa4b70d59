"""What ``vistool train`` and ``vistool infer`` share with no library: typed ``KEY=VALUE``
config overrides, inference settings from options, global seeding, Ctrl-C / SIGTERM deferred to
the end of a training iteration, timing."""

from __future__ import annotations

import dataclasses
import logging
import math
import random
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from efficientvis.config import EfficientVISConfig
from efficientvis.engine.synth_stream import DEFAULT_SYNTH_SEED
from efficientvis.engine.train import TrainConfig, train

from vistoolkit.cli.signals import held_interrupts
from vistoolkit.cli.threads import set_threads
from vistoolkit.data.synth import ensure_dataset
from vistoolkit.errors import InputError

logger = logging.getLogger(__name__)

# files of a run directory: their presence means a run is there (continue it with --resume)
RUN_FILES = ("checkpoint.pt", "metrics.jsonl")


def _convert(raw: str, kind: str, key: str) -> Any:
    """``raw`` as the field's annotated type (``int``, ``float``, ``bool``, ``str``)."""
    try:
        if kind == "bool":
            if raw.lower() not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(raw)
            return raw.lower() in ("1", "true", "yes")
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError:
        raise InputError(f"--set {key}={raw}: expected a {kind}") from None
    return raw


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    """``["tdc=still", "num_stages=3"]`` -> typed ``EfficientVISConfig`` field values."""
    types = {f.name: str(f.type) for f in dataclasses.fields(EfficientVISConfig)}
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep:
            raise InputError(f"--set {item}: expected KEY=VALUE")
        if key not in types or key == "name":
            raise InputError(f"--set {item}: unknown config field {key!r}")
        out[key] = _convert(raw.strip(), types[key], key)
    return out


def model_config(preset: str, overrides: Sequence[str]) -> EfficientVISConfig:
    """``EfficientVISConfig.preset`` with ``--set KEY=VALUE`` overrides (``InputError`` when bad)."""
    try:
        return EfficientVISConfig.preset(preset, **parse_overrides(overrides))
    except ValueError as err:
        if isinstance(err, InputError):
            raise
        raise InputError(f"bad model config: {err}") from None


def build_configs(preset: str, overrides: Sequence[str], *, epochs: int | None,
                  iters: int | None, batch_size: int, lr: float | None, ckpt_every: int,
                  device: str, seed: int, workers: int = 0, augment: Sequence[str] = (),
                  probe_every: int = 0, init_backbone: Path | None = None,
                  freeze_backbone: bool = False, init_weights: Path | None = None,
                  adjacent_pairs: bool = False, chain_clips: int = 2,
                  stream_seed: int | None = None, grow_stages: bool = False,
                  data: Path | None = None, stream_instances: str | None = None,
                  ema_decay: float = 0.0, backbone_lr_mult: float = 1.0,
                  drop_unused_weights: bool = False, rename_weights: Sequence[str] = ()
                  ) -> tuple[EfficientVISConfig, TrainConfig]:
    """Model and training configs from command-line values (``InputError`` on bad values)."""
    model_cfg = model_config(preset, overrides)
    if device == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda but CUDA is not available")
    for name, value in (("--epochs", epochs), ("--iters", iters), ("--batch-size", batch_size),
                        ("--ckpt-every", ckpt_every), ("--probe-every", probe_every + 1)):
        if value is not None and value < 1:
            raise InputError(f"{name} must be >= 1, got {value}")
    if not 0.0 <= ema_decay < 1.0:
        raise InputError(f"--ema must lie in [0, 1) (0 = off), got {ema_decay}")
    if backbone_lr_mult <= 0.0:
        raise InputError(f"--backbone-lr-mult must be > 0 (--freeze-backbone keeps it fixed), "
                         f"got {backbone_lr_mult}")
    if freeze_backbone and backbone_lr_mult != 1.0:
        raise InputError("--backbone-lr-mult sets the lr of a trained backbone; "
                         "--freeze-backbone trains none")
    if chain_clips < 2:
        raise InputError(f"--chain must be >= 2 (clip 1 and at least one hand-over), got "
                         f"{chain_clips}")
    if stream_seed is not None and data is not None:
        raise InputError("--stream-seed picks the synthetic stream; it needs no --data")
    stream_seed = DEFAULT_SYNTH_SEED if stream_seed is None else stream_seed
    if stream_seed < 1:
        raise InputError(f"--stream-seed must be >= 1 (seed 0 is the benchmark's), got "
                         f"{stream_seed}")
    renames = tuple(tuple(item.split("=", 1)) for item in rename_weights)
    for item, r in zip(rename_weights, renames, strict=True):
        if len(r) != 2 or not r[0]:
            raise InputError(f"--rename-weights takes OLD=NEW with a non-empty OLD, got {item!r}")
    if renames and init_weights is None:
        raise InputError("--rename-weights needs --init-weights (the checkpoint to rename)")
    train_cfg = TrainConfig(epochs=epochs if epochs is not None else (10**9 if iters else 33),
                            max_iters=iters, batch_size=batch_size, lr=lr, seed=seed,
                            device=device, ckpt_every=ckpt_every, num_workers=workers,
                            flip="flip" in augment, color_jitter="color" in augment,
                            instance_color="instance-color" in augment,
                            probe_every=probe_every,
                            init_backbone=str(init_backbone) if init_backbone else None,
                            init_weights=str(init_weights) if init_weights else None,
                            freeze_backbone=freeze_backbone, adjacent_pairs=adjacent_pairs,
                            chain_clips=chain_clips, synth_seed=stream_seed,
                            stream_instances=instance_weights(stream_instances, data),
                            grow_stages=grow_stages, ema_decay=ema_decay,
                            backbone_lr_mult=backbone_lr_mult,
                            drop_unused_weights=drop_unused_weights, rename_weights=renames)
    if grow_stages and init_weights is None:
        raise InputError("--grow-stages needs --init-weights (the checkpoint whose stages grow)")
    if drop_unused_weights and init_weights is None:
        raise InputError("--drop-unused-weights needs --init-weights (the checkpoint to drop from)")
    if freeze_backbone and init_backbone is None and init_weights is None:
        raise InputError("--freeze-backbone needs --init-backbone or --init-weights (a random "
                         "backbone would stay random)")
    return model_cfg, train_cfg


def instance_weights(raw: str | None, data: Path | None) -> tuple[float, ...]:
    """``--stream-instances "0.1,0.3,0.3,0.3"`` -> weights (() when not given)."""
    if raw is None:
        return ()
    if data is not None:
        raise InputError("--stream-instances shapes the synthetic stream; it needs no --data")
    try:
        weights = tuple(float(w) for w in raw.split(","))
    except ValueError:
        raise InputError(f"--stream-instances {raw}: expected comma-separated numbers") from None
    if min(weights) < 0 or sum(weights) <= 0 or not all(map(math.isfinite, weights)):
        raise InputError(f"--stream-instances {raw}: weights must be finite, >= 0, not all 0")
    return weights


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch (only the CLI seeds globally)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def run_training(model_cfg: EfficientVISConfig, train_cfg: TrainConfig, *, data: Path | None,
                 out: Path, resume: bool, threads: int | None = None,
                 probe_data: Path | None = None) -> tuple[Path, float]:
    """Seed, set CPU threads, train (``data`` None: fresh synthetic stream); returns
    (checkpoint path, seconds). The probe's dataset is generated when missing.

    An existing run in ``out`` is continued only with ``resume`` (without, ``InputError``).
    Ctrl-C and SIGTERM stop training with a checkpoint of the last completed iteration: one
    arriving inside an iteration waits for its end (a second one stops at once, keeping the
    last checkpoint); ``KeyboardInterrupt`` (or ``Terminated``) is then raised.
    """
    if data is not None and not (Path(data) / "train.json").is_file():
        raise InputError("no train.json in the dataset directory", path=data)
    found = [n for n in RUN_FILES if (Path(out) / n).exists()]
    if found and not resume:
        raise InputError(f"holds a training run ({found[0]}): pass --resume to continue it, "
                         "or choose another --out", path=out)
    if train_cfg.probe_every and probe_data is not None:
        probe_data = ensure_dataset(probe_data)
    set_threads(threads)
    seed_everything(train_cfg.seed)
    start = time.perf_counter()
    with held_interrupts() as interrupts:
        ckpt = train(model_cfg, train_cfg, data_root=None if data is None else Path(data),
                     out_dir=Path(out), resume=resume, probe_root=probe_data,
                     interrupts=interrupts)
    return ckpt, time.perf_counter() - start


def run_inference(ckpt: Path, *, data: Path, split: str, out: Path, ann: Path | None,
                  device: str, clips: bool = False, stride: int | None = None,
                  threads: int | None = None, settings: Mapping[str, Any] | None = None
                  ) -> tuple[Path, float]:
    """``infer_dataset`` (or ``infer_clips``) of a checkpoint; returns (output, seconds).

    ``settings``: ``InferenceSettings`` fields that replace the checkpoint's (its stored config
    gives the rest).
    """
    from efficientvis.engine.checkpoint import load_checkpoint
    from efficientvis.engine.inference import infer_clips, infer_dataset

    if device == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda but CUDA is not available")
    set_threads(threads)
    loaded = load_checkpoint(ckpt, map_location=device)
    chosen = loaded.settings.replace(**(settings or {}))
    start = time.perf_counter()
    kwargs = {"data_root": data, "split": split, "out_path": out, "ann_file": ann,
              "device": device, "category_ids": loaded.category_ids}
    if clips:
        path = infer_clips(loaded.model, chosen, stride=stride, **kwargs)
    else:
        path = infer_dataset(loaded.model, chosen, **kwargs)
    return path, time.perf_counter() - start
