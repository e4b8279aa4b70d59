"""Precision-recall curves of an evaluation (official interpolated precision), as PNG files."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from vistoolkit.atomic import write_bytes_atomic


def _curves(precision: np.ndarray, k: int | None) -> dict[str, np.ndarray]:
    """(R,) curves at IoU .50, .75 and the mean over thresholds; area all, largest maxDets.

    ``precision``: (T, R, K, A, M), NaN without GT. ``k`` None averages over categories with GT.
    """
    p = precision[:, :, :, 0, -1] if k is None else precision[:, :, k:k + 1, 0, -1]  # (T, R, K')
    with np.errstate(invalid="ignore"):
        by_t = np.nanmean(p, axis=2) if np.isfinite(p).any() else np.full(p.shape[:2], np.nan)
    return {"IoU=0.50": by_t[0], "IoU=0.75": by_t[5] if len(by_t) > 5 else by_t[-1],
            "IoU=0.50:0.95": np.nanmean(by_t, axis=0) if np.isfinite(by_t).any() else by_t[0]}


def _save(curves: dict[str, np.ndarray], rec_thrs: np.ndarray, title: str, path: Path) -> None:
    fig = Figure(figsize=(5, 4), dpi=100)
    ax = fig.add_subplot()
    for label, y in curves.items():
        ax.plot(rec_thrs, y, label=label)
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02), title=title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    write_bytes_atomic(path, buf.getvalue())


def plot_pr_curves(result, out_dir: Path | str) -> list[Path]:
    """Write ``pr_all.png`` and one ``pr_<id>_<name>.png`` per category with GT.

    Args:
        result: an ``EvalResult``. out_dir: created if missing.

    Returns:
        The written paths, overall first.
    """
    out_dir = Path(out_dir)
    rec = result.params.rec_thrs
    paths = [out_dir / "pr_all.png"]
    _save(_curves(result.precision, None), rec, "all categories", paths[0])
    for k, (cid, name) in enumerate(zip(result.params.category_ids, result.category_names)):
        if np.isnan(result.precision[:, :, k, 0, -1]).all():
            continue
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
        path = out_dir / f"pr_{cid}_{safe}.png"
        _save(_curves(result.precision, k), rec, f"{name} (id {cid})", path)
        paths.append(path)
    return paths
