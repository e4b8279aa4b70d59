"""``vistool train``: train EfficientVIS on a YouTube-VIS-format directory."""

from __future__ import annotations

import os
from pathlib import Path

import click

from vistoolkit.cli.paths import ToolCommand
from vistoolkit.cli.threads import threads_option


@click.command("train", cls=ToolCommand)
@click.option("--data", "data", default=None,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Dataset directory with train.json and train/JPEGImages [default: freshly "
              "generated synthetic videos, never the benchmark's own].")
@click.option("--probe-every", type=int, default=0, show_default=True,
              help="Every N iterations score a fixed valid subset (class accuracy of matched "
              "slots, box IoU, AP) into the metrics log; 0 = off.")
@click.option("--probe-data", type=click.Path(file_okay=False, path_type=Path),
              default=Path("vistool_data/synth"), show_default=True,
              help="Dataset whose valid.json the probe scores (the synthetic benchmark is "
              "generated there if missing).")
@click.option("--preset", type=click.Choice(["paper", "tiny", "micro"]), default="tiny",
              show_default=True, help="Model preset.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Run directory (checkpoint.pt, metrics.jsonl/.csv, loss_curve.png).")
@click.option("--epochs", type=int, default=None, help="Epochs (passes over the videos) [33].")
@click.option("--iters", type=int, default=None, help="Iterations (caps the schedule).")
@click.option("--batch-size", type=int, default=1, show_default=True, help="Videos per process.")
@click.option("--lr", type=float, default=None,
              help="Base lr [2.5e-5 for paper, 1e-4 for tiny/micro]; with --resume it "
              "replaces the stored one from then on.")
@click.option("--ckpt-every", type=int, default=500, show_default=True,
              help="Checkpoint every N iterations.")
@click.option("--resume", is_flag=True, help="Continue from OUT/checkpoint.pt.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Model config override, e.g. --set tdc=still (repeatable).")
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@threads_option
@click.option("--workers", type=int, default=0, show_default=True, help="DataLoader workers.")
@click.option("--augment", multiple=True, type=click.Choice(["flip", "color", "instance-color"]),
              help="Training augmentation (repeatable): left-right flip, colour jitter, "
              "per-instance colour (channel order, inversion, gains inside each GT mask). Off by "
              "default, as in the paper; --set multi_scale=true for multi-scale.")
@click.option("--init-backbone", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Checkpoint whose backbone + FPN start the model (e.g. the "
              "backbone.pt of `vistool pretrain`).")
@click.option("--init-weights", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Checkpoint whose whole model (backbone, FPN, tracklet stages) "
              "starts the run, with a fresh optimiser and schedule: fine-tuning, e.g. from the "
              "bundled model.")
@click.option("--grow-stages", is_flag=True,
              help="--init-weights may have fewer stages than the model (--set num_stages=M): "
              "each stage it lacks starts as a copy of its last stage.")
@click.option("--drop-unused-weights", is_flag=True,
              help="Leave out the --init-weights tensors this model has no place for (a Table 1 "
              "switch that removes a module, e.g. --set attention=spatial from an FTSA model).")
@click.option("--rename-weights", "rename_weights", multiple=True, metavar="OLD=NEW",
              help="Replace OLD by NEW in the --init-weights tensor names before loading "
              "(repeatable), e.g. .attn_s.=.attn_j. to start --set attention=joint from an FTSA "
              "model's spatial attention.")
@click.option("--pairs", "pairs", type=click.Choice(["random", "adjacent"]), default="random",
              show_default=True, help="Correspondence pairs: two random windows in random "
              "order (the paper), or a window and the next one (inference's hand-over order).")
@click.option("--chain", "chain_clips", type=int, default=2, show_default=True,
              help="Clips per training item: 2 is the paper's pair; K > 2 trains a chain of "
              "K - 1 query hand-overs, each clip starting from the previous one's queries.")
@click.option("--stream-seed", type=int, default=None,
              help="Generator seed of the fresh synthetic stream (without --data) [1]: a "
              "fine-tuning run given another seed draws videos the first run never saw.")
@click.option("--stream-instances", default=None, metavar="W1,W2,...",
              help="Relative frequency of stream videos with 1, 2, ... instances (without "
              "--data) [the generator's 0.2,0.3,0.3,0.2]; the valid split never changes.")
@click.option("--ema", "ema_decay", type=float, default=0.0, show_default=True,
              help="Keep a moving average of the trained weights with this decay (e.g. 0.995; "
              "0 = off, the paper): saved in the checkpoint, probed beside the weights, "
              "exported with export_bundled(..., ema=True).")
@click.option("--backbone-lr-mult", type=float, default=1.0, show_default=True,
              help="lr of the backbone + FPN relative to the rest (1.0 = the paper).")
@click.option("--freeze-backbone", is_flag=True,
              help="Keep the backbone + FPN of --init-backbone / --init-weights fixed; train only "
              "the tracklet stages.")
def train_command(data: Path, preset: str, out: Path, epochs: int | None, iters: int | None,
                  batch_size: int, lr: float | None, ckpt_every: int, resume: bool,
                  overrides: tuple[str, ...], device: str, seed: int, threads: int | None,
                  workers: int, augment: tuple[str, ...], probe_every: int,
                  probe_data: Path, init_backbone: Path | None, freeze_backbone: bool,
                  init_weights: Path | None, pairs: str, chain_clips: int,
                  stream_seed: int | None, stream_instances: str | None,
                  grow_stages: bool, drop_unused_weights: bool, ema_decay: float,
                  backbone_lr_mult: float, rename_weights: tuple[str, ...]) -> None:
    """Train EfficientVIS (one process, or every process under torchrun with DDP)."""
    from vistoolkit.cli.model_support import build_configs, run_training

    model_cfg, train_cfg = build_configs(
        preset, overrides, epochs=epochs, iters=iters, batch_size=batch_size, lr=lr,
        ckpt_every=ckpt_every, device=device, seed=seed, workers=workers, augment=augment,
        probe_every=probe_every, init_backbone=init_backbone, freeze_backbone=freeze_backbone,
        init_weights=init_weights, adjacent_pairs=pairs == "adjacent", chain_clips=chain_clips,
        stream_seed=stream_seed, grow_stages=grow_stages, data=data,
        stream_instances=stream_instances, ema_decay=ema_decay,
        backbone_lr_mult=backbone_lr_mult, drop_unused_weights=drop_unused_weights,
        rename_weights=rename_weights)
    ckpt, seconds = run_training(model_cfg, train_cfg, data=data, out=out, resume=resume,
                                 threads=threads, probe_data=probe_data)
    if os.environ.get("RANK", "0") == "0":                  # torchrun: rank 0 reports
        click.echo(f"checkpoint: {ckpt} ({seconds / 60:.1f} min)")
