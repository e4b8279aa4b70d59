"""Loss curves of a training run from its ``metrics.jsonl`` (one JSON object per step) or
its ``metrics.csv``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from vistoolkit.atomic import write_bytes_atomic


def read_metrics(path: Path | str) -> list[dict]:
    """Rows of a metrics log; a torn last line (killed run) is skipped. A ``.csv`` file (the
    copy a finished run keeps, e.g. under docs/results) is read too, blank cells left out."""
    if Path(path).suffix == ".csv":
        return _read_csv(path)
    rows = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return rows


def _read_csv(path: Path | str) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return [{k: float(v) for k, v in row.items() if v not in ("", None)}
                for row in csv.DictReader(handle)]


def _smooth(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing moving average over ``window`` steps (same length as ``values``)."""
    if window <= 1 or len(values) == 0:
        return values
    csum = np.cumsum(np.insert(values, 0, 0.0))                       # (S+1,)
    idx = np.arange(1, len(values) + 1)                                # (S,)
    lo = np.maximum(idx - window, 0)
    return (csum[idx] - csum[lo]) / (idx - lo)


def plot_training_curves(metrics_path: Path | str, out_path: Path | str, *,
                         keys: tuple[str, ...] = ("loss",), smooth: int = 20) -> Path:
    """Write a PNG with ``keys`` per step (raw, faint, and smoothed) and the learning rate.

    Args:
        metrics_path: ``metrics.jsonl`` with ``step``, ``lr`` and the ``keys``.
        out_path: PNG file (written atomically).
        keys: logged scalars to plot on the loss axis.
        smooth: moving-average window in steps.
    Returns:
        ``out_path``.
    """
    rows = read_metrics(metrics_path)
    fig = Figure(figsize=(7, 4), dpi=100)
    ax = fig.add_subplot()
    steps = np.array([r["step"] for r in rows], dtype=float)             # (S,)
    for key in keys:
        vals = np.array([r.get(key, np.nan) for r in rows], dtype=float)  # (S,)
        ok = np.isfinite(vals)
        line = ax.plot(steps[ok], vals[ok], alpha=0.25, linewidth=0.8)[0]
        ax.plot(steps[ok], _smooth(vals[ok], smooth), color=line.get_color(), label=key)
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss")
    ax.grid(alpha=0.3)
    if rows and "lr" in rows[0]:
        ax2 = ax.twinx()
        ax2.plot(steps, [r.get("lr", np.nan) for r in rows], color="grey", linestyle="--",
                 linewidth=0.8, label="lr")
        ax2.set_ylabel("learning rate")
        ax2.ticklabel_format(axis="y", style="sci", scilimits=(0, 0))
    ax.legend(loc="upper right")
    ax.set_title(f"training loss ({len(rows)} steps)")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    write_bytes_atomic(out_path, buffer.getvalue())
    return Path(out_path)


PROBE_KEYS: tuple[str, ...] = ("probe_class_acc", "probe_box_iou", "probe_AP")


def probe_series(rows: list[dict], key: str) -> tuple[np.ndarray, np.ndarray]:
    """(steps, values) of the rows where ``key`` is a finite number."""
    pairs = [(r["step"], r[key]) for r in rows
             if isinstance(r.get(key), (int, float)) and np.isfinite(r[key])]
    steps = np.array([p[0] for p in pairs], dtype=float)
    return steps, np.array([p[1] for p in pairs], dtype=float)


def compare_table(runs: dict[str, list[dict]], keys: tuple[str, ...]) -> str:
    """Markdown table: one row per probed step, one column per (run, key); blank where a run
    has no value at that step."""
    series = {(name, k): dict(zip(*probe_series(rows, k))) for name, rows in runs.items()
              for k in keys}
    steps = sorted({s for values in series.values() for s in values})
    head = ["iteration"] + [f"{name} {k}" for name, k in series]
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
    for s in steps:
        cells = [f"{s:.0f}"] + ["" if s not in v else f"{v[s]:.3f}" for v in series.values()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot_run_comparison(runs: dict[str, list[dict]], out_path: Path | str, *,
                        keys: tuple[str, ...] = PROBE_KEYS) -> Path:
    """One panel per key (probe metric against iteration), one line per run; PNG written
    atomically. ``runs``: label -> metrics rows (``read_metrics``)."""
    fig = Figure(figsize=(4.2 * len(keys), 3.4), dpi=100)
    for i, key in enumerate(keys):
        ax = fig.add_subplot(1, len(keys), i + 1)
        for name, rows in runs.items():
            steps, values = probe_series(rows, key)
            ax.plot(steps, values, marker="o", markersize=3, label=name)
        ax.set_xlabel("iteration")
        ax.set_title(key)
        ax.grid(alpha=0.3)
        if i == 0:
            ax.legend(fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    write_bytes_atomic(out_path, buffer.getvalue())
    return Path(out_path)
