"""``vistool eval``: official-exact YouTube-VIS AP/AR of a result file."""

from __future__ import annotations

import os
from pathlib import Path

import click

from vistoolkit.cli.paths import ToolCommand

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_OUT = click.Path(dir_okay=False, path_type=Path)


@click.command("eval", cls=ToolCommand)
@click.argument("gt", type=_FILE)
@click.argument("pred", type=_FILE)
@click.option("--per-category", is_flag=True, help="Table of AP, AP50, #gt, #pred per category.")
@click.option("--per-video", is_flag=True, help="Videos by best-match IoU of their GT, worst first.")
@click.option("--breakdown", type=click.Choice(["length", "short-long", "instances"]),
              multiple=True, help="AP by GT track length (1-16/17-32/>32 frames), by video "
              "length, or by GT instances per video (1/2/3/4-5/>5).")
@click.option("--metrics", type=click.Choice(["hota"]), multiple=True,
              help="Further metrics: hota (TrackEval's HOTA, DetA, AssA, LocA, DetRe, DetPr, "
              "AssRe, AssPr; class-averaged, detection-averaged and per class).")
@click.option("--errors", is_flag=True, help="TIVE error types: the AP50 gained by fixing "
              "each (dAP), per-video AP and the worst videos; with --plot also errors.png.")
@click.option("--long-threshold", type=int, default=36, show_default=True,
              help="short-long: videos with more frames than this are long.")
@click.option("--categories", help="Comma-separated category ids or names to evaluate.")
@click.option("--json", "json_out", type=_OUT, help="Write stats (short keys) and tables as JSON.")
@click.option("--csv", "csv_out", type=_OUT, help="Write stats and per-category AP as CSV.")
@click.option("--plot", type=click.Path(file_okay=False, path_type=Path),
              help="Write precision-recall curves (PNG) into this directory.")
@click.option("--workers", type=click.IntRange(min=0), default=2, show_default=True,
              help="Threads for the native mask pass (decode, check, IoU; 0: one per core).")
@click.option("--lenient", is_flag=True,
              help="Evaluate length/size/unknown-category problems as the official code does.")
@click.option("--allow-empty", is_flag=True, help="Accept an empty result file (AP 0).")
@click.option("--protocol", type=click.Choice(["ytvis", "ovis"]), default="ytvis",
              show_default=True, help="ovis: the OVIS evaluator's 18 stats (occlusion buckets; "
              "the GT needs per-frame 'occlusion' labels).")
@click.option("--class-agnostic", is_flag=True,
              help="Pool the categories of each video (the official useCats = 0).")
@click.option("--iou-type", type=click.Choice(["segm", "bbox"]), default="segm",
              show_default=True, help="bbox: tube-box IoU (sum over frames of box "
              "intersections / sum of box unions).")
@click.option("--long-videos", type=_FILE, help="YouTube-VIS 2022: file of the long videos' "
              "ids (one a line); short and long scored apart, mAP = (AP_S + AP_L) / 2.")
def eval_command(gt: Path, pred: Path, per_category: bool, per_video: bool,
                 breakdown: tuple[str, ...], long_threshold: int, categories: str | None,
                 json_out: Path | None, csv_out: Path | None, plot: Path | None, workers: int,
                 lenient: bool, allow_empty: bool, protocol: str, class_agnostic: bool,
                 iou_type: str, long_videos: Path | None, metrics: tuple[str, ...],
                 errors: bool) -> None:
    """Score PRED (a result file) against GT with the official YouTube-VIS protocol."""
    # No large float products here: one BLAS thread, unless asked otherwise (NumPy's OpenBLAS
    # starts a spinning thread per core at import, 60 ms of a 2-core machine's time).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from vistoolkit.eval import evaluate, report
    from vistoolkit.provenance import provenance

    cats = tuple(categories.split(",")) if categories else None
    analyses = ("errors", "video-ap") if errors else ()
    result = evaluate(gt, pred, category_ids=cats, lenient=lenient, allow_empty=allow_empty,
                      workers=workers, long_threshold=long_threshold,
                      breakdowns=(*breakdown, *metrics, *analyses),
                      protocol=protocol, use_cats=not class_agnostic, iou_type=iou_type,
                      long_videos=long_videos)
    for line in report.stderr_lines(result):
        click.echo(line, err=True)
    click.echo(report.render(result, per_category=per_category, per_video=per_video))
    record = provenance(data=gt, inputs={"gt": gt, "predictions": pred,
                                         "long_videos": long_videos})
    report.write_outputs(result, json_path=json_out, csv_path=csv_out, plot_dir=plot,
                         provenance=record)
