"""Training engine (spec §9): AdamW, linear warmup, step drop at 27/33 of the schedule, full-model
grad clipping, AMP on CUDA, DDP under ``torchrun``, per-step metrics, resumable checkpoints.

One iteration = one batch of ``batch_size`` videos per process, each giving one clip or one
correspondence pair (spec §7). One epoch = one pass over the training videos (spec §12.18).
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from tqdm import tqdm

from efficientvis.backbone import freeze_
from efficientvis.batch import PairBatch
from efficientvis.config import EfficientVISConfig
from efficientvis.correspondence import clip_pair_loss
from efficientvis.criterion import ClipCriterion
from efficientvis.engine import distributed as D
from efficientvis.engine.checkpoint import (
    capture_rng_state,
    load_weights,
    read_checkpoint,
    restore_rng_state,
    save_checkpoint,
    unwrap,
)
from efficientvis.engine.dataset import VideoEpochSampler, YTVISClipDataset, collate_pairs
from efficientvis.engine.evaluation import evaluate_checkpoint
from efficientvis.engine.inference import InferenceSettings
from efficientvis.engine.interrupts import (
    InterruptHold,
    interrupt_together,
    workers_leave_signals_to_main,
)
from efficientvis.engine.metrics_log import MetricsLog
from efficientvis.engine.probe import PROBE_KEYS, Probe
from efficientvis.engine.synth_stream import SynthStreamClipDataset
from efficientvis.engine.train_config import TrainConfig, lr_factor
from efficientvis.engine.weight_average import WeightAverage
from efficientvis.model import build_model
from vistoolkit.errors import InputError
from vistoolkit.provenance import provenance
from vistoolkit.viz.training_curves import plot_training_curves

logger = logging.getLogger(__name__)


class PairStep(nn.Module):
    """Model + criterion as one module, so DDP sees one forward per backward even though a
    correspondence pair (or chain) runs the model per clip (their gradients sum in one graph)."""

    def __init__(self, model: nn.Module, criterion: ClipCriterion, cfg: EfficientVISConfig):
        super().__init__()
        self.model, self.criterion, self.cfg = model, criterion, cfg

    def forward(self, batch: PairBatch) -> tuple[Tensor, dict[str, float]]:
        return clip_pair_loss(self.model, self.criterion, batch,
                              correspondence=self.cfg.correspondence_learning,
                              detach=self.cfg.cl_detach)


@dataclass
class _State:
    step: int = 0
    epoch: int = 0
    epoch_step: int = 0


def _training_state(state: _State, optimizer, scheduler, scaler, train_cfg) -> dict[str, Any]:
    return {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
            "scaler": scaler.state_dict(), "step": state.step, "epoch": state.epoch,
            "epoch_step": state.epoch_step, "train_config": train_cfg.to_dict(),
            "rng": capture_rng_state()}


def _resume(path: Path, model: nn.Module, optimizer, scheduler, scaler, device,
            average: WeightAverage | None) -> _State:
    ckpt = read_checkpoint(path, map_location=device)
    unwrap(model).load_state_dict(ckpt["model"])
    optimizer.load_state_dict(ckpt["optimizer"])
    scheduler.load_state_dict(ckpt["scheduler"])
    scaler.load_state_dict(ckpt["scaler"])
    restore_rng_state(ckpt["rng"])
    if average is not None:
        if "ema" in ckpt:
            average.load_state_dict(ckpt["ema"])
        else:
            logger.warning("%s holds no weight average; it starts at iteration %d", path,
                           ckpt["step"])
            average.restart(unwrap(model))
    logger.info("resumed from %s at iteration %d", path, ckpt["step"])
    return _State(ckpt["step"], ckpt["epoch"], ckpt["epoch_step"])


def param_groups(model: nn.Module, lr: float, backbone_lr_mult: float) -> list[dict]:
    """AdamW groups of the trained parameters: one at ``lr``, or the rest at ``lr`` first and
    backbone + FPN at ``lr * backbone_lr_mult`` when that multiplier is not 1."""
    trained = [p for p in model.parameters() if p.requires_grad]
    in_backbone = {id(p) for p in model.backbone.parameters()}
    backbone = [p for p in trained if id(p) in in_backbone]
    if backbone_lr_mult == 1.0 or not backbone:
        return [{"params": trained, "lr": lr, "lr_mult": 1.0}]
    rest = [p for p in trained if id(p) not in in_backbone]
    return [{"params": rest, "lr": lr, "lr_mult": 1.0},
            {"params": backbone, "lr": lr * backbone_lr_mult, "lr_mult": backbone_lr_mult}]


def _override_lr(optimizer, scheduler, lr: float, factor: float) -> None:
    """An explicit ``lr`` given to a resumed run replaces the stored base lr from now on (each
    group keeps its multiplier)."""
    logger.info("base lr %.2e -> %.2e from the resumed iteration on", scheduler.base_lrs[0], lr)
    mults = [group.get("lr_mult", 1.0) for group in optimizer.param_groups]
    scheduler.base_lrs = [lr * m for m in mults]
    for group, mult in zip(optimizer.param_groups, mults):
        group["initial_lr"], group["lr"] = lr * mult, lr * mult * factor


def _step(step_module: nn.Module, batch: PairBatch, optimizer, scheduler, scaler, *,
          params: list[Tensor], grad_clip: float, use_amp: bool) -> dict[str, float]:
    """One optimisation step; skips the update if the gradient norm is not finite."""
    with torch.autocast("cuda", dtype=torch.float16, enabled=use_amp):
        loss, logs = step_module(batch)
    optimizer.zero_grad(set_to_none=True)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(params, grad_clip)      # full-model L2 (spec §9)
    lr = optimizer.param_groups[0]["lr"]
    scale = {"loss_scale": scaler.get_scale()} if use_amp else {}        # this step's scale
    if torch.isfinite(grad_norm):
        scaler.step(optimizer)
    else:
        logger.warning("non-finite gradient norm; update skipped")
    scaler.update()
    scheduler.step()
    return {"lr": lr, "loss": float(loss.detach()), "grad_norm": float(grad_norm), **scale,
            **logs}


class _Trainer:
    """Objects of one training run (built once), the loop state, and checkpointing."""

    def __init__(self, model_cfg: EfficientVISConfig, cfg: TrainConfig, *, data_root: Path | None,
                 out_dir: Path, probe_root: Path | None) -> None:
        self.cfg, self.out_dir = cfg, Path(out_dir)
        self.data_root = None if data_root is None else Path(data_root)
        self.ckpt_path = self.out_dir / "checkpoint.pt"
        self.ctx = ctx = D.init_from_env(cfg.device)
        torch.manual_seed(cfg.seed)
        augment = {k: getattr(cfg, k) for k in ("flip", "color_jitter", "instance_color",
                                                 "adjacent_pairs", "chain_clips")}
        if self.data_root is None:
            self.dataset: YTVISClipDataset = SynthStreamClipDataset.from_config(
                cfg.stream_synth(), model_cfg, seed=cfg.seed,
                videos_per_epoch=cfg.videos_per_epoch, **augment)
        else:
            self.dataset = YTVISClipDataset.from_config(self.data_root, model_cfg, seed=cfg.seed,
                                                        **augment)
        if len(self.dataset) == 0:
            raise InputError("no training videos", path=getattr(self.dataset, "ann_file", None))
        if self.dataset.num_classes != model_cfg.num_classes:
            logger.info("num_classes %d -> %d (dataset categories)", model_cfg.num_classes,
                        self.dataset.num_classes)
            model_cfg = model_cfg.replace(num_classes=self.dataset.num_classes)
        self.model_cfg = model_cfg
        self.sampler = VideoEpochSampler(len(self.dataset), seed=cfg.seed, rank=ctx.rank,
                                         world_size=ctx.world_size)
        total = cfg.epochs * math.ceil(len(self.sampler) / cfg.batch_size)
        self.total = min(total, cfg.max_iters) if cfg.max_iters is not None else total
        model = build_model(model_cfg)
        for path, prefix in ((cfg.init_weights, ""), (cfg.init_backbone, "backbone.")):
            if path is not None:
                load_weights(model, path, prefix, grow_stages=cfg.grow_stages and not prefix,
                             drop_unused=cfg.drop_unused_weights and not prefix,
                             rename=cfg.rename_weights if not prefix else ())
        if cfg.freeze_backbone:
            freeze_(model.backbone)
        self.model = model.to(ctx.device).train()
        step: nn.Module = PairStep(self.model, ClipCriterion.from_config(model_cfg), model_cfg)
        if ctx.distributed:
            step = DistributedDataParallel(step, find_unused_parameters=True, device_ids=(
                [ctx.local_rank] if ctx.device.type == "cuda" else None))
        self.step_module = step
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(
            param_groups(self.model, cfg.resolved_lr(model_cfg.name), cfg.backbone_lr_mult),
            weight_decay=cfg.weight_decay)
        self.schedule = {"total_iters": self.total,
                         "warmup_iters": cfg.resolved_warmup(self.total),
                         "warmup_factor": cfg.warmup_factor, "lr_drop": cfg.lr_drop}
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, lambda s: lr_factor(s, **self.schedule))
        self.use_amp = cfg.amp and ctx.device.type == "cuda"
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.use_amp)
        self.state = _State()
        self.average = WeightAverage(self.model, cfg.ema_decay) if cfg.ema_decay > 0 else None
        start = cfg.init_weights or cfg.init_backbone
        self.provenance = provenance(data=self.data_root, checkpoint=start)
        self.in_step = False      # True while the model / optimiser hold a half-done iteration
        self.probe = None
        if cfg.probe_every > 0 and ctx.is_main and probe_root is not None:
            self.probe = Probe(probe_root, self.out_dir, num_videos=cfg.probe_videos,
                               settings=InferenceSettings.from_config(model_cfg),
                               category_ids=self.dataset.category_ids)

    def resume(self) -> None:
        """Load ``checkpoint.pt`` if there is one (an explicit ``lr`` then replaces its lr)."""
        if not self.ckpt_path.is_file():
            logger.warning("no checkpoint in %s; training from scratch", self.out_dir)
            return
        self.state = _resume(self.ckpt_path, self.model, self.optimizer, self.scheduler,
                             self.scaler, self.ctx.device, self.average)
        if self.cfg.lr is not None and self.scheduler.base_lrs[0] != self.cfg.lr:
            _override_lr(self.optimizer, self.scheduler, self.cfg.lr,
                         lr_factor(self.state.step, **self.schedule))

    def save(self) -> None:
        """Atomic checkpoint of the whole training state (rank 0), then a barrier."""
        if self.ctx.is_main:
            training = _training_state(self.state, self.optimizer, self.scheduler, self.scaler,
                                       self.cfg)
            if self.average is not None:
                training["ema"] = self.average.state_dict()
            save_checkpoint(self.ckpt_path, model=self.model, model_cfg=self.model_cfg,
                            category_ids=self.dataset.category_ids, training=training,
                            meta={"data_root": None if self.data_root is None
                                  else str(self.data_root),
                                  "synth_stream": self.data_root is None,
                                  "world_size": self.ctx.world_size,
                                  "provenance": self.provenance})
        D.barrier(self.ctx)

    def run_epoch(self, log: MetricsLog | None, bar: tqdm,
                  on_step: Callable[[int], None] | None,
                  interrupts: InterruptHold | None = None) -> bool:
        """Iterate over the rest of the current epoch; True if it was completed. ``interrupts``
        holds a signal inside an iteration (under DDP: the epoch; ranks stop together)."""
        cfg, state, ctx = self.cfg, self.state, self.ctx
        self.sampler.set_epoch(state.epoch)
        loader = DataLoader(self.dataset, batch_size=cfg.batch_size,
                            sampler=D.SkipSampler(self.sampler, state.epoch_step * cfg.batch_size),
                            collate_fn=collate_pairs, num_workers=cfg.num_workers,
                            worker_init_fn=workers_leave_signals_to_main)
        hold = interrupts.hold if interrupts is not None else contextlib.nullcontext
        with hold() if ctx.distributed else contextlib.nullcontext():
            for batch in loader:
                with hold():
                    row = self._iteration(batch, log)
                bar.set_postfix(loss=f"{row['loss']:.3f}", lr=f"{row['lr']:.1e}", refresh=False)
                bar.update(1)                              # tqdm adds elapsed < ETA
                if state.step % cfg.ckpt_every == 0 or state.step == self.total:
                    self.save()
                if on_step is not None:
                    on_step(state.step)
                if interrupts is not None:                # a held Ctrl-C / SIGTERM
                    interrupt_together(interrupts.check, ctx)
                if state.step >= self.total:
                    return False
        return True

    def _iteration(self, batch: PairBatch, log: MetricsLog | None) -> dict[str, float]:
        """One optimisation step, the probe if due, and its log row."""
        cfg, state, ctx, t0 = self.cfg, self.state, self.ctx, time.perf_counter()
        self.in_step = True       # BatchNorm buffers, weights and optimiser change in here
        row = _step(self.step_module, batch.to(ctx.device), self.optimizer, self.scheduler,
                    self.scaler, params=self.params, grad_clip=cfg.grad_clip,
                    use_amp=self.use_amp)
        if self.average is not None:
            self.average.update(self.model)
        state.step, state.epoch_step = state.step + 1, state.epoch_step + 1
        row = D.all_reduce_mean_logs(row, ctx)
        if self.probe is not None:                        # probe columns in every row
            row.update(self._probe(state.step % cfg.probe_every == 0))
        if log is not None:
            log.write({"step": state.step, "epoch": state.epoch,
                       "sec": time.perf_counter() - t0, **row})
        self.in_step = False      # the iteration and its log row are complete
        return row

    def _probe(self, due: bool) -> dict[str, float]:
        """Probe columns of a log row: the model's scores when ``due`` (NaN otherwise), and
        with a weight average the same scores of the averaged weights as ``ema_probe_*``."""
        keys = PROBE_KEYS + (tuple(f"ema_{k}" for k in PROBE_KEYS) if self.average else ())
        row = dict.fromkeys(keys, float("nan"))
        if due:
            model = unwrap(self.model)
            row.update(self.probe.run(model, self.ctx.device))
            if self.average is not None:
                with self.average.swapped_in(model):
                    row.update({f"ema_{k}": v
                                for k, v in self.probe.run(model, self.ctx.device).items()})
            logger.info("iteration %d probe %s", self.state.step, row)
        return row


def train(model_cfg: EfficientVISConfig, train_cfg: TrainConfig, *, data_root: Path | None,
          out_dir: Path, resume: bool = False, progress: bool = True,
          probe_root: Path | None = None, on_epoch_end: Callable[[int, Path], None] | None = None,
          on_step: Callable[[int], None] | None = None,
          interrupts: InterruptHold | None = None) -> Path:
    """Train on ``data_root/train.json`` (None: the fresh synthetic stream) and write
    ``out_dir/checkpoint.pt``. ``probe_root``: dataset whose ``valid.json`` the probe scores.

    Same command in one process or under ``torchrun`` (DDP; only rank 0 writes). Checkpoints
    every ``ckpt_every`` iterations, at each epoch end and at the end. A ``KeyboardInterrupt``
    between iterations saves one first; one inside an iteration does not (BatchNorm buffers,
    weights and optimiser would be half-updated), so the last checkpoint stays and a resumed
    run is bit-identical to an uninterrupted one. ``num_classes`` follows the dataset's
    categories.

    Args:
        resume: continue from ``out_dir/checkpoint.pt`` (parameters then match an
            uninterrupted run); starts afresh if there is none.
        on_epoch_end: ``(epochs done, checkpoint path)`` after each full epoch (rank 0).
        on_step: ``(iterations done)`` after each iteration (tests use it to interrupt).
        interrupts: holds a signal that arrives inside an iteration until its end
            (``hold()``) and raises it there (``check()``); ``vistool train`` passes one.
    Returns:
        ``out_dir/checkpoint.pt``.

    Raises:
        InputError: the dataset has no videos.
    """
    run = _Trainer(model_cfg, train_cfg, data_root=data_root, out_dir=out_dir,
                   probe_root=probe_root)
    if resume:
        run.resume()
    ctx, state = run.ctx, run.state
    log = MetricsLog(out_dir, keep_until=state.step if resume else None) if ctx.is_main else None
    bar = tqdm(total=run.total, initial=state.step, disable=not (progress and ctx.is_main),
               desc="train", dynamic_ncols=True)
    try:
        while state.step < run.total:
            if run.run_epoch(log, bar, on_step, interrupts):
                state.epoch, state.epoch_step = state.epoch + 1, 0
                run.save()
                _epoch_end(state.epoch, run.ckpt_path, train_cfg, on_epoch_end, ctx)
    except KeyboardInterrupt:
        if run.in_step:
            logger.warning("interrupted inside iteration %d; %s keeps the last saved state",
                           state.step + 1, run.ckpt_path)
        else:
            logger.warning("interrupted at iteration %d; saving %s", state.step, run.ckpt_path)
            run.save()
        raise
    finally:
        bar.close()
        if log is not None:
            log.close()
            if log.jsonl_path.stat().st_size > 0:
                plot_training_curves(log.jsonl_path, Path(out_dir) / "loss_curve.png")
        D.shutdown(ctx)
    return run.ckpt_path


def _epoch_end(epoch: int, ckpt_path: Path, train_cfg: TrainConfig,
               on_epoch_end: Callable[[int, Path], None] | None, ctx: D.DistContext) -> None:
    """Run the epoch-end callback and the periodic evaluation on rank 0."""
    if not ctx.is_main:
        return
    if on_epoch_end is not None:
        on_epoch_end(epoch, ckpt_path)
    if train_cfg.eval_every_epochs and epoch % train_cfg.eval_every_epochs == 0:
        evaluate_checkpoint(ckpt_path, out_dir=ckpt_path.parent / f"eval_epoch{epoch:03d}",
                            device=train_cfg.device)
