"""``vistool validate``: list every problem of a result file (or an annotation file)."""

from __future__ import annotations

from pathlib import Path

import click

from vistoolkit.cli.paths import ToolCommand
from vistoolkit.data.validate import format_report, validate_file


@click.command("validate", cls=ToolCommand)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--gt", "gt", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Ground-truth annotation file to check a result file against.")
@click.option("--max-lines", default=50, show_default=True, help="Problems printed at most.")
@click.option("--allow-empty", is_flag=True, help="Accept an empty result list.")
@click.option("--no-rle-check", is_flag=True, help="Skip decoding compressed RLE counts (faster).")
def validate_command(file: Path, gt: Path | None, max_lines: int, allow_empty: bool,
                     no_rle_check: bool) -> None:
    """Check FILE (a result list with --gt, or an annotation file) and print every problem.

    Exit code 0 and a one-line summary when valid; one line per problem and exit code 2 otherwise.
    """
    report = validate_file(file, gt_path=gt, allow_empty=allow_empty, check_rle=not no_rle_check)
    click.echo(format_report(report, max_lines=max_lines))
    if report.problems:
        raise SystemExit(2)
