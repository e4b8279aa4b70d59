"""``vistool pretrain``: train a ``CropPretrainer`` on synthetic object crops, resumably.

Writes ``OUT/checkpoint.pt`` (resumable state, every ``ckpt_every`` steps and at the end),
``OUT/metrics.jsonl`` / ``.csv`` (a row per step; every ``probe_every`` steps the class accuracy
on held-out crops of the valid split) and, when done, ``OUT/backbone.pt``: an EfficientVIS
checkpoint whose ``backbone.*`` weights ``vistool train --init-backbone`` loads.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor
from tqdm import tqdm

from efficientvis.backbone import PIXEL_MEAN, PIXEL_STD, normalize_images
from efficientvis.config import EfficientVISConfig
from efficientvis.crop_pretrain import CropPretrainer, crop_pretrain_loss
from efficientvis.engine.checkpoint import (
    capture_rng_state,
    read_checkpoint,
    restore_rng_state,
    save_checkpoint,
)
from efficientvis.engine.crop_stream import CropBatch, SynthCropStream, held_out_crops
from efficientvis.engine.interrupts import InterruptHold
from efficientvis.engine.metrics_log import MetricsLog
from efficientvis.engine.synth_stream import DEFAULT_SYNTH_SEED
from vistoolkit.data.synth import SynthConfig
from vistoolkit.errors import InputError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PretrainConfig:
    """Settings of the crop pre-training (AdamW, linear warmup, cosine decay to zero).

    ``mask_weight`` scales the centre-object mask loss against the class loss.
    """

    iters: int = 1500
    lr: float = 1e-3
    weight_decay: float = 1e-4
    warmup_iters: int = 50
    grad_clip: float = 1.0
    crop_size: int = 64
    videos_per_batch: int = 8
    crops_per_video: int = 8
    jitter: int = 6
    mask_weight: float = 1.0
    seed: int = 0
    synth_seed: int = DEFAULT_SYNTH_SEED
    ckpt_every: int = 250
    probe_every: int = 100
    probe_videos: int = 25
    probe_crops_per_video: int = 12

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def pretrain_lr_factor(step: int, *, total: int, warmup: int) -> float:
    """Multiplier of the base lr at step ``step`` (0-based): linear warmup, then cosine to 0."""
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


def _normalise(images: Tensor) -> Tensor:
    """(P, 3, S, S) uint8 crops, normalised like the model's frames."""
    return normalize_images(images[None], torch.tensor(PIXEL_MEAN), torch.tensor(PIXEL_STD))


@torch.no_grad()
def crop_accuracy(model: CropPretrainer, crops: CropBatch, *, chunk: int = 64) -> float:
    """Fraction of ``crops`` whose predicted class is right (model in eval mode meanwhile)."""
    was_training = model.training
    model.eval()
    right = 0
    for i in range(0, len(crops.labels), chunk):
        logits, _ = model(_normalise(crops.images[i:i + chunk]))
        right += int((logits.argmax(1) == crops.labels[i:i + chunk]).sum())
    model.train(was_training)
    return right / max(1, len(crops.labels))


def pretrain(model_cfg: EfficientVISConfig, cfg: PretrainConfig, out: Path | str, *,
             resume: bool = False, progress: bool = True,
             interrupts: InterruptHold | None = None) -> Path:
    """Run (or continue, with ``resume``) the crop pre-training into ``out``; returns the path
    of ``backbone.pt``. With ``interrupts``, Ctrl-C / SIGTERM wait for the end of the step, the
    last completed step is checkpointed and ``KeyboardInterrupt`` is raised."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_path = out / "checkpoint.pt"
    if ckpt_path.exists() and not resume:
        raise InputError("a pre-training run is already here; add --resume to continue it",
                         path=ckpt_path)
    synth = SynthConfig.preset("default", seed=cfg.synth_seed)
    stream = SynthCropStream(synth, size=cfg.crop_size, videos_per_batch=cfg.videos_per_batch,
                             crops_per_video=cfg.crops_per_video, jitter=cfg.jitter,
                             seed=cfg.seed)
    if len(stream.category_ids) != model_cfg.num_classes:
        raise InputError(f"the synthetic data has {len(stream.category_ids)} categories, the "
                         f"model {model_cfg.num_classes}")
    torch.manual_seed(cfg.seed)
    model = CropPretrainer(model_cfg.backbone, channels=model_cfg.fpn_channels,
                           num_classes=model_cfg.num_classes, pretrained=model_cfg.pretrained)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    step = 0
    if resume and ckpt_path.exists():
        state = read_checkpoint(ckpt_path)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step = int(state["step"])
        restore_rng_state(state["rng"])
    probe = held_out_crops(SynthConfig.preset("default"), videos=cfg.probe_videos,
                           crops_per_video=cfg.probe_crops_per_video, size=cfg.crop_size)

    def save(path: Path, *, resumable: bool) -> None:
        training = ({"optimizer": opt.state_dict(), "step": step, "rng": capture_rng_state(),
                     "pretrain_config": cfg.to_dict()} if resumable else None)
        save_checkpoint(path, model=model, model_cfg=model_cfg, category_ids=stream.category_ids,
                        training=training, meta={"kind": "crop-pretrain", "step": step,
                                                 "pretrain_config": cfg.to_dict()})

    model.train()
    last_acc = float("nan")
    with MetricsLog(out, keep_until=step if resume else None) as log, \
            tqdm(total=cfg.iters, initial=step, disable=not progress, unit="it",
                 desc="pretrain") as bar:
        try:
            while step < cfg.iters:
                t0 = time.perf_counter()
                crops = stream.batch(step)
                with interrupts.hold() if interrupts else contextlib.nullcontext():
                    row = _step(model, opt, crops, cfg, step)
                    step += 1
                row.update(step=step, sec=time.perf_counter() - t0)
                row["probe/crop_acc"] = float("nan")             # a fixed CSV column
                if cfg.probe_every and (step % cfg.probe_every == 0 or step == cfg.iters):
                    row["probe/crop_acc"] = last_acc = crop_accuracy(model, probe)
                log.write(row)
                bar.set_postfix(loss=f"{row['loss']:.3f}", held_out_acc=f"{last_acc:.2f}")
                bar.update(1)
                if step % cfg.ckpt_every == 0:
                    save(ckpt_path, resumable=True)
                if interrupts:
                    interrupts.check()
        except KeyboardInterrupt:
            save(ckpt_path, resumable=True)
            raise
    save(ckpt_path, resumable=True)
    save(out / "backbone.pt", resumable=False)
    return out / "backbone.pt"


def _step(model: CropPretrainer, opt: torch.optim.Optimizer, crops: CropBatch,
          cfg: PretrainConfig, step: int) -> dict[str, float]:
    lr = cfg.lr * pretrain_lr_factor(step, total=cfg.iters, warmup=cfg.warmup_iters)
    for group in opt.param_groups:
        group["lr"] = lr
    class_logits, mask_logits = model(_normalise(crops.images))
    losses = crop_pretrain_loss(class_logits, mask_logits, crops.labels, crops.masks)
    loss = losses["loss_class"] + cfg.mask_weight * losses["loss_mask"]
    opt.zero_grad(set_to_none=True)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
    opt.step()
    train_acc = float((class_logits.argmax(1) == crops.labels).float().mean())
    return {"lr": lr, "loss": loss.item(), "grad_norm": grad_norm.item(),
            "loss_class": losses["loss_class"].item(), "loss_mask": losses["loss_mask"].item(),
            "train_acc": train_acc}
