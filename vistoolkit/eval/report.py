"""Text tables and JSON/CSV files for ``vistool eval``."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vistoolkit.atomic import write_json_atomic, write_text_atomic
from vistoolkit.data.records import Dataset
from vistoolkit.errors import InputError
from vistoolkit.eval.analyses import analysis_text
from vistoolkit.eval.result import EvalResult, records_json

if TYPE_CHECKING:
    import pandas as pd


def _pct(x: float) -> str:
    return "-" if math.isnan(x) else f"{100 * x:.1f}"


def _csv_number(x: float) -> str:
    return "" if math.isnan(x) else repr(x)


def format_per_category(df: pd.DataFrame) -> str:
    """``category | AP | AP50 | #gt | #pred``, AP in percent ("-" where undefined)."""
    width = max([len("category"), *(len(f"{n} ({c})") for n, c in zip(df.name, df.category_id))])
    lines = [f"{'category':<{width}} | {'AP':>5} | {'AP50':>5} | {'#gt':>5} | {'#pred':>6}"]
    for r in df.itertuples():
        label = f"{r.name} ({r.category_id})"
        lines.append(f"{label:<{width}} | {_pct(r.AP):>5} | {_pct(r.AP50):>5} | {r.n_gt:>5} | "
                     f"{r.n_pred:>6}")
    return "\n".join(lines)


def format_per_video(df: pd.DataFrame, *, limit: int = 20) -> str:
    """Worst videos first: mean and min best-match IoU of their GT tracks."""
    head = (f"{'video_id':>8} | {'#gt':>4} | {'#pred':>5} | {'mean IoU':>8} | {'min IoU':>7} | "
            f"{'missed':>6}")
    lines = [head]
    for r in df.head(limit).itertuples():
        mean = "-" if math.isnan(r.mean_best_iou) else f"{r.mean_best_iou:.3f}"
        low = "-" if math.isnan(r.min_best_iou) else f"{r.min_best_iou:.3f}"
        lines.append(f"{r.video_id:>8} | {r.n_gt:>4} | {r.n_pred:>5} | {mean:>8} | {low:>7} | "
                     f"{r.n_missed:>6}")
    if len(df) > limit:
        lines.append(f"... {len(df) - limit} more videos (all of them in --json output)")
    return "\n".join(lines)


def format_breakdown(name: str, df: pd.DataFrame) -> str:
    """One breakdown table: ``bucket | #gt | AP | AP50 | AP75 | AR100``."""
    width = max(len(name), *(len(b) for b in df.bucket))
    lines = [f"{name:<{width}} | {'#gt':>5} | {'AP':>5} | {'AP50':>5} | {'AP75':>5} | {'AR100':>5}"]
    for r in df.itertuples():
        lines.append(f"{r.bucket:<{width}} | {r.n_gt:>5} | {_pct(r.AP):>5} | {_pct(r.AP50):>5} | "
                     f"{_pct(r.AP75):>5} | {_pct(r.AR100):>5}")
    return "\n".join(lines)


def format_long_videos(stats: dict[str, float]) -> str:
    """YouTube-VIS 2022: ``mAP = (AP_S + AP_L) / 2``, then AP/AP50/AP75/AR1/AR10 per subset."""
    keys = ("AP", "AP50", "AP75", "AR1", "AR10")
    lines = [f"YouTube-VIS 2022: mAP = (AP_S + AP_L) / 2 = {_pct(stats['mAP'])}",
             f"{'subset':<6} | " + " | ".join(f"{k:>5}" for k in keys)]
    for label, s in (("short", "S"), ("long", "L")):
        lines.append(f"{label:<6} | " + " | ".join(f"{_pct(stats[f'{k}_{s}']):>5}" for k in keys))
    return "\n".join(lines)


def write_json(result: EvalResult, path: Path | str, *,
               provenance: dict[str, Any] | None = None) -> None:
    """Stats (short keys), per-category AP, per-video rows and breakdowns, atomically;
    ``provenance`` (``vistoolkit.provenance.provenance()``) under that key when given."""
    out = result.to_dict()
    out["per_video"] = records_json(result.video_table)
    if provenance is not None:
        out["provenance"] = provenance
    write_json_atomic(path, out, indent=1)


def write_csv(result: EvalResult, path: Path | str) -> None:
    """One row per scope: ``overall`` with the 12 stats (OVIS: its 18), then
    ``category:<id>`` rows (AP, AP50); an undefined number is an empty cell."""
    keys = list(result.stats)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["scope", "name", *keys])
    writer.writerow(["overall", "", *(_csv_number(result.stats[k]) for k in keys)])
    for r in result.per_category.itertuples():
        writer.writerow([f"category:{r.category_id}", r.name, _csv_number(r.AP),
                         _csv_number(r.AP50), *([""] * (len(keys) - 2))])
    write_text_atomic(path, buf.getvalue())


def resolve_categories(gt: Dataset, tokens: list[str]) -> tuple[int, ...]:
    """Category ids from ids or names (as given on the command line)."""
    by_name = {c.name: c.id for c in gt.categories}
    ids = {c.id for c in gt.categories}
    out = []
    for tok in tokens:
        tok = tok.strip()
        if tok in by_name:
            out.append(by_name[tok])
        elif tok.lstrip("-").isdigit() and int(tok) in ids:
            out.append(int(tok))
        else:
            raise InputError(f"unknown category {tok!r} (not an id or name in the ground truth)",
                             where="--categories")
    return tuple(sorted(set(out)))


def render(result: EvalResult, *, per_category: bool = False, per_video: bool = False,
           video_limit: int = 20) -> str:
    """Everything ``vistool eval`` prints to stdout for ``result``."""
    parts = [result.summary(), "", result.table()]
    if per_category:
        parts += ["", format_per_category(result.per_category)]
    if per_video:
        parts += ["", format_per_video(result.per_video, limit=video_limit)]
    for name, df in result.breakdowns.items():
        text = analysis_text(name, df)  # hota, errors, video-ap: their own blocks
        if text != "":
            parts += ["", format_breakdown(name, df) if text is None else text]
    if result.long_videos:
        parts += ["", format_long_videos(result.long_videos)]
    return "\n".join(parts)


def stderr_lines(result: EvalResult) -> list[str]:
    """Warning lines: what ``--lenient`` tolerated, then the result's warnings."""
    lines = []
    if result.tolerated:
        counts = ", ".join(f"{n} with {k} problems" for k, n in sorted(result.tolerated.items()))
        lines.append(f"warning: --lenient: {sum(result.tolerated.values())} record(s) evaluated "
                     f"as the official evaluator does ({counts})")
    lines += [f"warning: {w}" for w in result.warnings]
    return lines


def write_outputs(result: EvalResult, *, json_path: Path | None = None,
                  csv_path: Path | None = None, plot_dir: Path | None = None,
                  provenance: dict[str, Any] | None = None) -> list[Path]:
    """Write the requested files (``provenance`` goes into the JSON); returns the plot paths."""
    if json_path is not None:
        write_json(result, json_path, provenance=provenance)
    if csv_path is not None:
        write_csv(result, csv_path)
    if plot_dir is None:
        return []
    from vistoolkit.viz.pr_curves import plot_pr_curves

    paths = plot_pr_curves(result, plot_dir)
    if "errors" in result.breakdowns:
        from vistoolkit.viz.error_plot import plot_error_summary

        paths.append(plot_error_summary(result.breakdowns["errors"],
                                        Path(plot_dir) / "errors.png"))
    return paths
