"""Loss curves of a training run from its ``metrics.jsonl`` (one JSON object per step)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from vistoolkit.atomic import write_bytes_atomic


def read_metrics(path: Path | str) -> list[dict]:
    """Rows of a metrics log; a torn last line (killed run) is skipped."""
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
