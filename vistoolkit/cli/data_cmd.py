"""``vistool data``: stats, split and resample of annotation / result files."""

from __future__ import annotations

import json
from pathlib import Path

import click

from vistoolkit.cli.main import LazyGroup
from vistoolkit.cli.paths import ToolCommand

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_OUT = click.Path(dir_okay=False, path_type=Path)

DATA_COMMANDS: dict[str, str] = {
    "stats": "vistoolkit.cli.data_cmd:stats_command",
    "split": "vistoolkit.cli.data_cmd:split_command",
    "resample": "vistoolkit.cli.data_cmd:resample_command",
    "synth": "vistoolkit.cli.synth_cmd:synth_command",
}


@click.group("data", cls=LazyGroup, lazy=DATA_COMMANDS)
def data_group() -> None:
    """Dataset operations: stats, deterministic splits, frame-rate resampling, synthetic data."""


@click.command("stats", cls=ToolCommand)
@click.argument("file", type=_FILE)
@click.option("--gt", type=_FILE, help="Ground truth for a result file (category names, sizes).")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option("-o", "--out", type=_OUT, help="Write the JSON here (atomic) instead of stdout.")
def stats_command(file: Path, gt: Path | None, as_json: bool, out: Path | None) -> None:
    """Videos, frames, tracks, track lengths, area buckets and per-category counts of FILE."""
    from vistoolkit.atomic import write_json_atomic
    from vistoolkit.data.stats import file_stats, format_stats
    from vistoolkit.provenance import provenance

    stats = file_stats(file, gt_path=gt)
    if out is not None:
        record = provenance(data=gt or file, inputs={"file": file, "gt": gt})
        write_json_atomic(out, {**stats, "provenance": record}, indent=2)
        click.echo(f"wrote {out}")
    else:
        click.echo(json.dumps(stats, indent=2) if as_json else format_stats(stats))


@click.command("split", cls=ToolCommand)
@click.argument("gt", type=_FILE)
@click.option("--val-fraction", default=0.1, show_default=True, help="Share of videos in val_sub.")
@click.option("--seed", default=0, show_default=True, help="numpy default_rng seed.")
@click.option("-o", "--out-dir", required=True, type=click.Path(file_okay=False, path_type=Path))
def split_command(gt: Path, val_fraction: float, seed: int, out_dir: Path) -> None:
    """Deterministic train_sub / val_sub split of GT by video, with sha256 of each id list."""
    from vistoolkit.cli.paths import refuse_overwrite
    from vistoolkit.data.checked import load_checked_dataset
    from vistoolkit.data.split import split_dataset, write_split

    refuse_overwrite([("GT", gt)], [("--out-dir", out_dir / n)
                                    for n in ("train_sub.json", "val_sub.json")])
    split = split_dataset(load_checked_dataset(gt), val_fraction=val_fraction, seed=seed,
                          path=gt)
    paths = write_split(split, out_dir)
    for path, ids, digest in zip(paths, (split.train_ids, split.val_ids),
                                 (split.train_hash, split.val_hash)):
        click.echo(f"{path}: {len(ids)} videos, sha256 {digest}")


@click.command("resample", cls=ToolCommand)
@click.argument("file", type=_FILE)
@click.option("--fps", type=float, required=True, help="Target frame rate.")
@click.option("--src-fps", type=float, default=6.0, show_default=True,
              help="Source frame rate (a video's own 'fps' field wins).")
@click.option("--pred", is_flag=True, help="FILE is a result file (needs --gt).")
@click.option("--gt", type=_FILE, help="Original ground truth that a result file belongs to.")
@click.option("-o", "--out", required=True, type=_OUT, help="Output JSON (atomic).")
def resample_command(file: Path, fps: float, src_fps: float, pred: bool, gt: Path | None,
                     out: Path) -> None:
    """Downsample FILE to --fps keeping frames aligned in time (annotations or results)."""
    from vistoolkit.data.resample import resample_file

    click.echo(resample_file(file, out, fps=fps, src_fps=src_fps, pred=pred, gt_path=gt))
