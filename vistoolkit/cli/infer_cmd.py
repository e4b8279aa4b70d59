"""``vistool infer``: EfficientVIS inference into a YouTube-VIS result file."""

from __future__ import annotations

from pathlib import Path

import click

from vistoolkit.cli.paths import ToolCommand
from vistoolkit.cli.threads import threads_option

_PATH = click.Path(path_type=Path)


@click.command("infer", cls=ToolCommand)
@click.option("--ckpt", required=True, type=_PATH, help="Checkpoint (vistool train output).")
@click.option("--data", required=True, type=_PATH,
              help="Dataset directory with <split>.json and <split>/JPEGImages.")
@click.option("--split", default="valid", show_default=True, help="Split to run on.")
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Result file (YouTube-VIS JSON list; clip-level JSONL with --clips).")
@click.option("--ann", type=_PATH, help="Annotation file instead of <data>/<split>.json.")
@click.option("--clips", is_flag=True,
              help="Clip-level results (every clip from q*, no hand-over) for `vistool link`.")
@click.option("--stride", type=int, help="--clips: window start every N frames [T].")
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True)
@threads_option
@click.option("--clip-length", type=click.IntRange(min=1),
              help="T, frames per clip [the checkpoint's].")
@click.option("--tau-bg", type=float,
              help="A clip is background for a slot below this foreground probability.")
@click.option("--k-reinit", type=click.IntRange(min=1),
              help="Background clips in a row before a slot restarts as a new track.")
@click.option("--top-k", type=click.IntRange(min=1), help="(track, class) pairs kept per video.")
@click.option("--label-mode", type=click.Choice(["topk", "argmax"]),
              help="topk: best (track, class) pairs; argmax: one entry per track.")
@click.option("--gate-absent-frames/--no-gate-absent-frames", default=None,
              help="Empty a track's mask on frames where it is background.")
@click.option("--track-nms-iou", type=click.FloatRange(0.0, 1.0),
              help="Drop a (track, class) pair whose track overlaps a better-scored track of "
                   "the same class above this video IoU (1 = never).")
def infer_command(ckpt: Path, data: Path, split: str, out: Path, ann: Path | None, clips: bool,
                  stride: int | None, device: str, threads: int | None,
                  **settings: object) -> None:
    """Segment and track every video of a split clip by clip (query hand-over).

    Inference settings default to those stored in the checkpoint's model config.
    """
    from vistoolkit.cli.model_support import run_inference

    chosen = {k: v for k, v in settings.items() if v is not None}
    path, seconds = run_inference(ckpt, data=data, split=split, out=out, ann=ann, device=device,
                                  clips=clips, stride=stride, threads=threads, settings=chosen)
    click.echo(f"wrote {path} ({seconds:.1f} s)")
