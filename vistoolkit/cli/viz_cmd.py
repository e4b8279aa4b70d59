"""``vistool viz``: draw ground truth beside predictions on one video's frames (PNG or GIF)."""

from __future__ import annotations

from pathlib import Path

import click

from vistoolkit.cli.paths import ToolCommand
from vistoolkit.data.checked import load_checked_dataset
from vistoolkit.data.ytvis_io import load_preds
from vistoolkit.viz.overlay import (
    drawn_tracks,
    image_format,
    predictions_of,
    render_panels,
    save_image,
    video_by_id,
)

SHEET_FRAMES = 8   # frames of a PNG contact sheet when --frames is not given


def parse_frames(spec: str | None, length: int, *, sheet: bool) -> list[int]:
    """``START:STOP[:STEP]`` (Python slice) or ``A,B,C`` -> frame indices of a video of
    ``length`` frames. None: every frame (GIF) or ``SHEET_FRAMES`` evenly spaced (PNG)."""
    if spec is None:
        if not sheet or length <= SHEET_FRAMES:
            return list(range(length))
        return sorted({round(i * (length - 1) / (SHEET_FRAMES - 1)) for i in range(SHEET_FRAMES)})
    try:
        if ":" in spec:
            parts = [int(x) if x.strip() else None for x in spec.split(":")]
            if len(parts) > 3:
                raise ValueError
            frames = list(range(length))[slice(*parts)]
        else:
            frames = [int(x) for x in spec.split(",")]
    except ValueError:
        raise click.BadParameter(f"{spec!r} is not START:STOP[:STEP] or a comma list",
                                 param_hint="--frames") from None
    bad = [f for f in frames if not 0 <= f < length]
    if bad or not frames:
        raise click.BadParameter(f"{spec!r} selects {'frame ' + str(bad[0]) if bad else 'no frame'}"
                                 f"; the video has frames 0..{length - 1}", param_hint="--frames")
    return frames


@click.command("viz", cls=ToolCommand)
@click.argument("gt", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--pred", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Result file; without it only the ground truth is drawn.")
@click.option("--images", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Frame directory [GT's folder/<GT stem>/JPEGImages].")
@click.option("--video", "video_id", type=int, help="Video id [the file's first video].")
@click.option("--frames", help="START:STOP[:STEP] or A,B,C [every frame for a GIF, "
              f"{SHEET_FRAMES} evenly spaced for a PNG].")
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=1),
              help="Predictions drawn at most (highest scores, one entry per mask sequence).")
@click.option("--min-score", default=0.0, show_default=True, help="Skip lower-scoring predictions.")
@click.option("--match-iou", default=0.5, show_default=True,
              help="Video IoU at which a prediction takes its ground-truth track's colour.")
@click.option("--fps", default=2.0, show_default=True, help="GIF frame rate (> 0).",
              type=click.FloatRange(min=0, min_open=True))
@click.option("--scale", default=1, show_default=True, type=click.IntRange(1, 8),
              help="Enlarge frames by this integer factor (small videos).")
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output: .gif (animation) or .png / .jpg (contact sheet).")
def viz_command(gt: Path, pred: Path | None, images: Path | None, video_id: int | None,
                frames: str | None, top: int, min_score: float, match_iou: float, fps: float,
                scale: int, out: Path) -> None:
    """Draw GT tracks (left) beside predictions (right) on one video's frames.

    A prediction takes the colour of the GT track it matches (video IoU, any category), so
    identity switches and duplicates stand out.
    """
    fmt = image_format(out)                           # an unknown suffix: refused before work
    data = load_checked_dataset(gt)
    video = video_by_id(data, video_id, gt)
    preds = predictions_of(load_preds(pred)[0], data, video, pred) if pred is not None else []
    image_dir = images if images is not None else gt.parent / gt.stem / "JPEGImages"
    picked = parse_frames(frames, video.length, sheet=fmt != "GIF")
    gt_side, pred_side = drawn_tracks(data, video, preds, top=top, min_score=min_score,
                                      match_iou=match_iou)
    panels = render_panels(image_dir, video, gt_side, pred_side, picked, scale=scale)
    save_image(panels, picked, out, fps=fps)
    click.echo(f"wrote {out} (video {video.id}, {len(picked)} frames, {len(gt_side)} GT tracks, "
               f"{len(pred_side)} predictions)")
