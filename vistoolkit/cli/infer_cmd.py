"""``vistool infer``: EfficientVIS inference into a YouTube-VIS result file."""

from __future__ import annotations

from pathlib import Path

import click

_PATH = click.Path(path_type=Path)


@click.command("infer")
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
@click.option("--threads", type=int, help="torch CPU threads.")
def infer_command(ckpt: Path, data: Path, split: str, out: Path, ann: Path | None, clips: bool,
                  stride: int | None, device: str, threads: int | None) -> None:
    """Segment and track every video of a split clip by clip (query hand-over)."""
    from vistoolkit.cli.model_support import run_inference

    path, seconds = run_inference(ckpt, data=data, split=split, out=out, ann=ann, device=device,
                                  clips=clips, stride=stride, threads=threads)
    click.echo(f"wrote {path} ({seconds:.1f} s)")
