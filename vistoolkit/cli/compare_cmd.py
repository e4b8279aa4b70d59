"""``vistool compare``: ΔAP (and every stat) of result file B over A on one ground truth, with
a paired per-video bootstrap interval; several files per side give mean ± std over seeds."""

from __future__ import annotations

from pathlib import Path

import click

from vistoolkit.cli.paths import ToolCommand

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("compare", cls=ToolCommand)
@click.argument("files", nargs=-1, type=_FILE)
@click.option("--gt", type=_FILE, required=True, help="Ground-truth annotation file.")
@click.option("-a", "a_files", type=_FILE, multiple=True,
              help="Result file of A (repeat: one per seed; paired with -b by position).")
@click.option("-b", "b_files", type=_FILE, multiple=True, help="Result file of B (repeat).")
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@click.option("--resamples", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Bootstrap resamples of the videos.")
@click.option("--videos", "n_videos", type=click.IntRange(min=0), default=10, show_default=True,
              help="How many of the videos whose AP changed most to list.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a, b, delta, interval (and the rest) as JSON.")
@click.option("--workers", type=click.IntRange(min=0), default=1, show_default=True,
              help="Processes for the video IoU phase of each evaluation (0: one per core).")
@click.option("--lenient", is_flag=True, help="Evaluate broken files as the official code does.")
@click.option("--allow-empty", is_flag=True, help="Accept an empty result file (AP 0).")
def compare_command(files: tuple[Path, ...], gt: Path, a_files: tuple[Path, ...],
                    b_files: tuple[Path, ...], seed: int, resamples: int, n_videos: int,
                    json_out: Path | None, workers: int, lenient: bool, allow_empty: bool) -> None:
    """Compare result files: B over A (`compare A.json B.json --gt GT.json`, or
    `-a a1.json -a a2.json -b b1.json -b b2.json` for several seeds per side)."""
    from vistoolkit.atomic import write_json_atomic
    from vistoolkit.eval.compare import compare, format_comparison

    if files and (a_files or b_files) or (files and len(files) != 2):
        raise click.UsageError("give either two files A B, or -a/-b files, not both")
    a, b = (files[:1], files[1:]) if files else (a_files, b_files)
    if not a or len(a) != len(b):
        raise click.UsageError(f"need as many -a as -b files (got {len(a)} and {len(b)})")
    comp = compare(gt, list(a), list(b), seed=seed, resamples=resamples, lenient=lenient,
                   allow_empty=allow_empty, workers=workers)
    click.echo(format_comparison(comp, videos=n_videos))
    if json_out is not None:
        write_json_atomic(json_out, comp.to_dict(videos=n_videos), indent=1)
