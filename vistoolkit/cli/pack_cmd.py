"""``vistool pack``: zip a result file as a server submission."""

from __future__ import annotations

from pathlib import Path

import click

from vistoolkit.cli.paths import ToolCommand
from vistoolkit.data.pack import pack_results


@click.command("pack", cls=ToolCommand)
@click.argument("pred", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("submission.zip"), show_default=True, help="Zip file to write.")
@click.option("--gt", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Validate fully against this ground truth first.")
@click.option("--allow-empty", is_flag=True, help="Accept an empty result list.")
def pack_command(pred: Path, out: Path, gt: Path | None, allow_empty: bool) -> None:
    """Write PRED as results.json at the root of a zip (checked first; atomic)."""
    result = pack_results(pred, out, gt_path=gt, allow_empty=allow_empty)
    click.echo(f"wrote {result.path} (results.json: {result.predictions} predictions, "
               f"{_size(result.json_bytes)} -> {_size(result.zip_bytes)} zipped)")


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB"
