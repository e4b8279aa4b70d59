"""``vistool curves``: learning curves of training runs side by side (probe metrics against
iteration), as a PNG and a Markdown table."""

from __future__ import annotations

from pathlib import Path

import click

from vistoolkit.cli.paths import ToolCommand
from vistoolkit.errors import InputError


def _label_and_path(spec: str) -> tuple[str, Path]:
    """``LABEL=RUN`` or ``RUN`` (label = the directory name); RUN is a run directory (its
    metrics.jsonl, else its metrics.csv) or one of those files."""
    label, _, where = spec.rpartition("=")
    path = Path(where)
    if path.is_dir():
        path = next((p for p in (path / "metrics.jsonl", path / "metrics.csv") if p.is_file()),
                    path / "metrics.jsonl")
    if not path.is_file():
        raise InputError("no metrics.jsonl or metrics.csv here", path=path)
    return (label or path.parent.name), path


@click.command("curves", cls=ToolCommand)
@click.argument("runs", nargs=-1, required=True, metavar="[LABEL=]RUN...")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="PNG to write (one panel per key).")
@click.option("--key", "keys", multiple=True,
              help="Logged metric to compare (repeatable) [probe_class_acc, probe_box_iou, "
              "probe_AP].")
def curves_command(runs: tuple[str, ...], out: Path | None, keys: tuple[str, ...]) -> None:
    """Compare the logged probe metrics of training runs (same seed, same iterations)."""
    from vistoolkit.viz.training_curves import (
        PROBE_KEYS,
        compare_table,
        plot_run_comparison,
        read_metrics,
    )

    chosen = tuple(keys) or PROBE_KEYS
    loaded = {}
    for spec in runs:
        label, path = _label_and_path(spec)
        loaded[label] = read_metrics(path)
    click.echo(compare_table(loaded, chosen), nl=False)
    if out is not None:
        plot_run_comparison(loaded, out, keys=chosen)
        click.echo(f"plot: {out}")
