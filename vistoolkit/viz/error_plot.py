"""Summary plot of a TIVE error analysis (``vistool eval --errors --plot DIR``): the share of
each main error in the AP lost, and every error's dAP in AP points."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from vistoolkit.atomic import write_bytes_atomic

_COLOURS = {"Cls": "#4c72b0", "Dupe": "#dd8452", "Spat": "#55a868", "Temp": "#c44e52",
            "Both": "#8172b3", "Bkg": "#937860", "Miss": "#da8bc3", "FalsePos": "#8c8c8c",
            "FalseNeg": "#ccb974"}


def plot_error_summary(errors: pd.DataFrame, path: Path | str, *, title: str = "") -> Path:
    """Write a PNG: a pie of the main errors' dAP (their share of the AP gained) beside
    horizontal bars of every error's dAP (points).

    Args:
        errors: the ``errors`` table (``error, kind, count, AP, dAP``).
        path: the PNG to write.
        title: put above the figure (the base AP is added).
    """
    main = errors[errors.kind == "main"]
    special = errors[errors.kind == "special"]
    base = errors[errors.kind == "base"].AP
    fig = Figure(figsize=(9, 3.6), dpi=100)
    pie_ax, bar_ax = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.4]})
    gains = np.nan_to_num(main.dAP.to_numpy(dtype=float).clip(min=0))
    if gains.sum() > 0:
        shown = gains > 0.005 * gains.sum()          # slivers would only clutter the labels
        pie_ax.pie(gains[shown], labels=main.error[shown].tolist(),
                   colors=[_COLOURS[e] for e in main.error[shown]], autopct="%1.0f%%",
                   startangle=90, counterclock=False, textprops={"fontsize": 8})
    else:
        pie_ax.text(0.5, 0.5, "no AP to gain", ha="center", va="center")
        pie_ax.set_axis_off()
    pie_ax.set_title("share of the main dAP", fontsize=9)
    rows = pd.concat([main, special])
    y = np.arange(len(rows))[::-1]
    bar_ax.barh(y, 100 * np.nan_to_num(rows.dAP.to_numpy(dtype=float)),
                color=[_COLOURS[e] for e in rows.error])
    bar_ax.set_yticks(y, [f"{e} ({c})" for e, c in zip(rows.error, rows["count"])], fontsize=8)
    bar_ax.set_xlabel("dAP (AP points gained when fixed)", fontsize=8)
    bar_ax.axhline(y[len(main) - 1] - 0.5, color="0.6", lw=0.8)
    bar_ax.grid(axis="x", alpha=0.3)
    base_txt = "-" if base.empty or np.isnan(base.iloc[0]) else f"{100 * base.iloc[0]:.1f}"
    fig.suptitle(f"{title + ': ' if title else ''}TIVE errors on the official AP50 = {base_txt}",
                 fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    path = Path(path)
    write_bytes_atomic(path, buf.getvalue())
    return path
