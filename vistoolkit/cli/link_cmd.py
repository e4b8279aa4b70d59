"""``vistool link``: inter-clip linking baselines on a clip-level result file."""

from __future__ import annotations

from pathlib import Path

import click

from vistoolkit.cli.paths import ToolCommand


@click.command("link", cls=ToolCommand)
@click.argument("clip_results", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--method", type=click.Choice(["handcraft", "overlap", "motion", "gt",
                                            "gt-matched"]),
              default="handcraft", show_default=True,
              help="Linking baseline; gt links by the ground truth of --gt (upper bound), "
                   "gt-matched also drops the tracklets no ground truth claims.")
@click.option("--threshold", type=float, default=None,
              help="Theta (handcraft, default 0.5), IoU (overlap, 0.5), affinity (motion, 0.3) "
                   "or IoU to exceed (gt, gt-matched: 0.0).")
@click.option("--gt", "gt_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Annotation file: video sizes, and the ground truth of --sweep and --method gt.")
@click.option("--sweep", is_flag=True, help="Hand-craft only: evaluate theta 0.1..0.9, keep the best.")
@click.option("--label-mode", type=click.Choice(["topk", "argmax"]), default="topk",
              show_default=True, help="Top-10 (track, class) pairs per video, or argmax per track.")
@click.option("--track-nms-iou", type=click.FloatRange(0.0, 1.0),
              help="Drop a (track, class) pair whose track overlaps a better-scored track of the "
                   "same class above this video IoU [never].")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="YouTube-VIS result JSON to write.")
def link_command(clip_results: Path, method: str, threshold: float | None, gt_path: Path | None,
                 sweep: bool, label_mode: str, track_nms_iou: float | None, out: Path) -> None:
    """Link the tracklets of CLIP_RESULTS (from inference without query hand-over) into tracks."""
    from vistoolkit.linking.link import link_file

    res = link_file(clip_results, out, method=method, threshold=threshold, gt_path=gt_path,
                    sweep=sweep, label_mode=label_mode, track_nms_iou=track_nms_iou)
    if res is not None:
        click.echo("theta  " + "  ".join(f"{k:>6}" for k in ("AP", "AP50", "AP75", "AR1", "AR10")))
        for thr, stats in res.rows:
            cells = "  ".join(f"{100 * stats[k]:6.1f}" for k in ("AP", "AP50", "AP75", "AR1", "AR10"))
            click.echo(f"{thr:5.2f}  {cells}")
        click.echo(f"best theta {res.best_threshold:.2f}: AP {100 * res.best_stats['AP']:.1f}")
    click.echo(f"wrote {out}")
