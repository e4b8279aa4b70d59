"""``vistool pretrain``: pre-train the backbone on synthetic object crops (the CPU stand-in for
ImageNet weights); ``vistool train --init-backbone OUT/backbone.pt`` starts from it."""

from __future__ import annotations

import time
from pathlib import Path

import click

from vistoolkit.cli.paths import ToolCommand
from vistoolkit.cli.threads import threads_option


@click.command("pretrain", cls=ToolCommand)
@click.option("--preset", type=click.Choice(["paper", "tiny", "micro"]), default="tiny",
              show_default=True, help="Model preset whose backbone + FPN is trained.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Run directory (checkpoint.pt, metrics.jsonl/.csv, backbone.pt when done).")
@click.option("--iters", type=click.IntRange(min=1), default=1500, show_default=True,
              help="Steps (each: crops from --videos new synthetic videos).")
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=1e-3,
              show_default=True, help="Peak AdamW lr (linear warmup, cosine decay).")
@click.option("--videos", type=click.IntRange(min=1), default=8, show_default=True,
              help="Videos per step.")
@click.option("--crops-per-video", type=click.IntRange(min=1), default=8, show_default=True)
@click.option("--probe-every", type=click.IntRange(min=0), default=100, show_default=True,
              help="Every N steps log the class accuracy on held-out valid crops; 0 = off.")
@click.option("--ckpt-every", type=click.IntRange(min=1), default=250, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--resume", is_flag=True, help="Continue from OUT/checkpoint.pt.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Model config override, e.g. --set fpn_channels=32 (repeatable).")
@threads_option
def pretrain_command(preset: str, out: Path, iters: int, lr: float, videos: int,
                     crops_per_video: int, probe_every: int, ckpt_every: int, seed: int,
                     resume: bool, overrides: tuple[str, ...], threads: int | None) -> None:
    """Pre-train the backbone + FPN on object crops of fresh synthetic videos."""
    from efficientvis.engine.pretrain import PretrainConfig, pretrain
    from vistoolkit.cli.model_support import model_config, seed_everything
    from vistoolkit.cli.signals import held_interrupts
    from vistoolkit.cli.threads import set_threads

    model_cfg = model_config(preset, overrides)
    cfg = PretrainConfig(iters=iters, lr=lr, videos_per_batch=videos,
                         crops_per_video=crops_per_video, probe_every=probe_every,
                         ckpt_every=ckpt_every, seed=seed)
    set_threads(threads)
    seed_everything(seed)
    start = time.perf_counter()
    with held_interrupts() as interrupts:
        path = pretrain(model_cfg, cfg, out, resume=resume, interrupts=interrupts)
    click.echo(f"backbone: {path} ({(time.perf_counter() - start) / 60:.1f} min)")
