"""Plots of the reproduction studies: Table 1 bars, AP-vs-epoch curves, AP-vs-FPS lines.

Figures are built with ``matplotlib.figure.Figure`` (no pyplot state) and saved as PNG by Agg.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

from matplotlib.figure import Figure

from vistoolkit.atomic import atomic_open
from vistoolkit.studies.records import TableResult


def _save(fig: Figure, path: Path) -> Path:
    with atomic_open(path, "wb") as fh:
        fig.savefig(fh, format="png", dpi=120, bbox_inches="tight")
    return Path(path)


def plot_table(res: TableResult, path: Path) -> Path:
    """Grouped bars of AP per row: ours (mean ± std) beside the paper's."""
    fig = Figure(figsize=(1.6 + 1.3 * len(res.rows), 3.6))
    ax = fig.add_subplot()
    xs = range(len(res.rows))
    ours = [100 * r.mean["AP"] if r.cells else math.nan for r in res.rows]
    err = [100 * r.std["AP"] if r.cells else 0.0 for r in res.rows]
    paper = [r.row.paper["AP"] for r in res.rows]
    ax.bar([x - 0.2 for x in xs], ours, width=0.4, yerr=err, capsize=3, label="ours")
    ax.bar([x + 0.2 for x in xs], paper, width=0.4, label="paper", alpha=0.6)
    ax.set_xticks(list(xs), [r.row.label for r in res.rows], rotation=20, ha="right",
                  fontsize=8)
    ax.set_ylabel("AP (%)")
    ax.set_title(f"Table 1{res.table.name[-1]}: {res.table.title}", fontsize=9)
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_curves(curves: Mapping[str, Sequence[tuple[int, float]]], path: Path, *,
                title: str = "", xlabel: str = "epoch") -> Path:
    """AP (%) against epoch (or ``xlabel``), one line per model."""
    fig = Figure(figsize=(5, 3.4))
    ax = fig.add_subplot()
    for label, pts in curves.items():
        ax.plot([e for e, _ in pts], [v for _, v in pts], marker="o", label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("AP (%)")
    ax.set_title(title, fontsize=9)
    if curves:
        ax.legend(fontsize=8)
    return _save(fig, path)


def plot_ap_vs_fps(series: Mapping[str, Sequence[tuple[float, float]]], path: Path) -> Path:
    """AP (%) against test frame rate (log x axis), one line per method."""
    fig = Figure(figsize=(5, 3.4))
    ax = fig.add_subplot()
    for label, pts in series.items():
        pts = sorted(pts)
        ax.plot([f for f, _ in pts], [v for _, v in pts], marker="o", label=label)
    ax.set_xscale("log")
    rates = sorted({f for pts in series.values() for f, _ in pts})
    ax.set_xticks(rates, [f"{f:g}" for f in rates])
    ax.minorticks_off()
    ax.set_xlabel("test frame rate (FPS)")
    ax.set_ylabel("AP (%)")
    ax.set_title("AP against frame rate")
    if series:
        ax.legend(fontsize=8)
    return _save(fig, path)
