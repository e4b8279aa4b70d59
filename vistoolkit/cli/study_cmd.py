"""``vistool study``: studies beyond Table 1 (``lowfps``)."""

from __future__ import annotations

from pathlib import Path

import click

from vistoolkit.cli.paths import ToolCommand
from vistoolkit.cli.threads import set_threads, threads_option
from vistoolkit.errors import InputError


def _fps_list(value: str) -> list[float]:
    try:
        return [float(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise InputError(f"--fps must be comma-separated numbers, not {value!r}") from None


@click.group("study")
def study_group() -> None:
    """Robustness studies of EfficientVIS against linking baselines."""


@study_group.command("lowfps", cls=ToolCommand)
@click.option("--fps", "fps", default="6,3,1.5,0.5,0.2", show_default=True,
              help="Comma-separated test frame rates (source: 6 FPS).")
@click.option("--data", "data_root", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="YouTube-VIS directory (default: the synthetic benchmark, generated if missing).")
@click.option("--ckpt", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="EfficientVIS checkpoint (default: the bundled one).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("runs/lowfps"), show_default=True, help="Output directory.")
@click.option("--device", default="cpu", show_default=True, help="cpu or cuda.")
@click.option("--oracle", is_flag=True,
              help="Use ground-truth tracklets instead of a model (scores linking alone).")
@threads_option
def lowfps_command(fps: str, data_root: Path | None, ckpt: Path | None, out_dir: Path,
                   device: str, oracle: bool, threads: int | None) -> None:
    """AP against test frame rate: EfficientVIS end-to-end vs hand-crafted and motion linking."""
    from vistoolkit.atomic import write_json_atomic
    from vistoolkit.provenance import provenance
    from vistoolkit.studies.lowfps import bundled_checkpoint, format_lowfps_markdown, run_lowfps

    if not oracle:
        set_threads(threads)

    res, paths = run_lowfps(fps_list=_fps_list(fps), data_root=data_root, ckpt=ckpt,
                            out_dir=out_dir, device=device, oracle=oracle)
    record = provenance(data=data_root, checkpoint=None if oracle else
                        (ckpt or bundled_checkpoint()))
    paths.append(out_dir / "provenance.json")
    write_json_atomic(paths[-1], record)
    click.echo(format_lowfps_markdown(res))
    click.echo("wrote " + ", ".join(str(p) for p in paths))
