"""``vistool demo``: the synthetic benchmark end to end with the bundled tiny EfficientVIS."""

from __future__ import annotations

from pathlib import Path

import click

from vistoolkit.cli.paths import ToolCommand
from vistoolkit.cli.threads import set_threads, threads_option


@click.command("demo", cls=ToolCommand)
@click.option("--data", type=click.Path(file_okay=False, path_type=Path),
              default=Path("vistool_data/synth"), show_default=True,
              help="Synthetic dataset cache (generated if missing).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("vistool_data/demo"), show_default=True,
              help="Where results.json (and the --train run) go.")
@click.option("--train", "retrain", is_flag=True,
              help="Train tiny's tracklet stages anew with the CPU recipe (fresh synthetic "
              "videos, never the benchmark's; the bundled crop pre-trained backbone, fixed) "
              "instead of using the bundled ones.")
@click.option("--train-iters", type=click.IntRange(min=1), default=400, show_default=True,
              help="--train budget in iterations (batch 4; about 2 s each on one core).")
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True)
@threads_option
def demo_command(data: Path, out: Path, retrain: bool, train_iters: int, device: str,
                 threads: int | None) -> None:
    """Generate the synthetic benchmark, segment its valid split, print AP/AR."""
    from efficientvis.engine.demo import run_demo

    set_threads(threads)
    report = run_demo(data_dir=data, out_dir=out, retrain=retrain, train_iters=train_iters,
                      device=device)
    click.echo(report.format())
