"""``vistool data synth``: write the deterministic synthetic YouTube-VIS benchmark."""

from __future__ import annotations

from pathlib import Path

import click

from vistoolkit.cli.paths import ToolCommand
from vistoolkit.data.synth import generate
from vistoolkit.data.synth_config import PRESETS, SynthConfig


@click.command("synth", cls=ToolCommand)
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--preset", type=click.Choice(list(PRESETS)), default="default", show_default=True,
              help="Dataset size and frame resolution.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same bytes.")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on stderr.")
def synth_command(out_dir: Path, preset: str, seed: int, progress: bool) -> None:
    """Write a synthetic YouTube-VIS dataset (train and valid, both annotated) to OUT_DIR."""
    summary = generate(out_dir, SynthConfig.preset(preset, seed=seed), progress=progress)
    click.echo(summary.format())
