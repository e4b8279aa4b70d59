"""Reports of reproduced Table 1 sub-tables: Markdown in the paper's layout, CSV, JSON, PNG.

Each cell reads ``ours mean ± std (paper)`` in percent. The ``verdict`` column (JSON field
``direction``) compares each row with the row the paper compares it against, seeds paired, by the
rule of ``vistoolkit.studies.verdict``: ``reproduced``, ``opposite``, ``within noise`` or
``undertrained`` (reference row below 10 AP); ``ref`` for the compared-with row; ``not run``
without numbers. The ΔAP column gives our mean paired ΔAP with its 95 % interval.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

from vistoolkit.atomic import write_text_atomic
from vistoolkit.studies.evidence import per_seed_ap
from vistoolkit.studies.records import Budget, RowResult, TableResult
from vistoolkit.studies.table1 import METRICS
from vistoolkit.studies.verdict import Verdict, bootstrap_text, delta_text, verdict
from vistoolkit.viz.study_plots import plot_curves, plot_table


def _pct(v: float) -> float:
    return 100.0 * v


def row_verdict(res: TableResult, rr: RowResult) -> Verdict | None:
    """The row's ``Verdict`` against its reference row, None for a reference row."""
    if rr.row.reference is None:
        return None
    if rr.row.key in res.verdicts:
        return res.verdicts[rr.row.key]
    ref = res.result(rr.row.reference)
    return verdict(per_seed_ap(rr), per_seed_ap(ref), rr.row.paper["AP"] - ref.row.paper["AP"])


def direction(res: TableResult, rr: RowResult) -> tuple[str, float, float]:
    """(verdict label, our mean paired ΔAP, paper ΔAP) in points; ``ref`` for a reference."""
    v = row_verdict(res, rr)
    if v is None:
        return "ref", math.nan, math.nan
    return v.label, v.delta, v.paper_delta


def _cell(rr: RowResult, m: str) -> str:
    paper = f"({rr.row.paper[m]:.1f})"
    if not rr.cells or math.isnan(rr.mean[m]):
        return f"– {paper}"
    return f"{_pct(rr.mean[m]):.1f} ± {_pct(rr.std[m]):.1f} {paper}"


def _delta(v: Verdict | None) -> str:
    if v is None:
        return ""
    return f"{delta_text(v)} / {v.paper_delta:+.1f}"


def _compute_s(res: TableResult) -> float:
    """Seconds the table's cells took when computed (training included), cached or not."""
    return sum(c.wall_s for r in res.rows for c in r.cells)


def format_markdown(res: TableResult, *, budget: Budget | None = None, preset: str = "",
                    intro: str = "") -> str:
    """The sub-table in the paper's layout, ours beside the paper's numbers (``intro``: a
    paragraph under the title saying how the numbers were made)."""
    t = res.table
    n = max((len(r.seeds) for r in res.rows), default=0)
    head = [f"### Table 1{t.name[-1]}: {t.title}", ""]
    if budget is not None:
        tail = (f"compute {_compute_s(res):.0f} s (this call {res.wall_s:.0f} s). Cells: ours "
                "mean ± std (paper), percent.")
        if budget.start:
            what = (f"every cell continues one shared start {budget.max_iters} iterations with "
                    "only its row's switch changed; its weight average is scored on "
                    f"{len(budget.valid_seeds) or 1} valid split(s). The start's clip length "
                    "stands for T = 9 (twice it for 18, four times for 36) where a table "
                    "compares lengths; every other table runs at it. Preset")
            head += [f"Budget `{budget.name}`: {what} `{preset}`, {n} seed(s), {tail}", ""]
        else:
            iters = f", max {budget.max_iters} iters" if budget.max_iters else ""
            head += [(f"Budget `{budget.name}` ({budget.epochs} epochs{iters}, data "
                      f"`{budget.data_preset}`), preset `{preset}`, {n} seed(s), {tail}"), ""]
    if intro:
        head += [intro, ""]
    cols = ["Row", *METRICS, "ΔAP ours [95 % CI] / paper", "bootstrap [95 %]", "verdict"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for rr in res.rows:
        v = row_verdict(res, rr)
        label = rr.row.label + (f" [{rr.row.note}]" if rr.row.note else "")
        lines.append("| " + " | ".join([label, *(_cell(rr, m) for m in METRICS), _delta(v),
                                        "" if v is None else bootstrap_text(v),
                                        "ref" if v is None else v.label]) + " |")
    return "\n".join(head + lines) + "\n"


def rows_as_records(res: TableResult) -> list[dict[str, Any]]:
    """One flat record per row and metric (percent), for CSV and JSON."""
    out = []
    for rr in res.rows:
        verdict, ours_d, paper_d = direction(res, rr)
        for m in METRICS:
            out.append({"table": res.table.name, "row": rr.row.key, "label": rr.row.label,
                        "metric": m, "mean": _pct(rr.mean[m]), "std": _pct(rr.std[m]),
                        "n": len(rr.cells), "paper": rr.row.paper[m], "direction": verdict,
                        "delta_ap_ours": ours_d, "delta_ap_paper": paper_d})
    return out


def format_csv(res: TableResult) -> str:
    """CSV of ``rows_as_records``."""
    buf = io.StringIO()
    recs = rows_as_records(res)
    writer = csv.DictWriter(buf, fieldnames=list(recs[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(recs)
    return buf.getvalue()


def table_json(res: TableResult) -> dict[str, Any]:
    """Everything of a table: rows, per-seed cells (with sweeps and curves), wall time."""
    rows = []
    for rr in res.rows:
        rows.append({"row": rr.row.key, "label": rr.row.label, "paper": dict(rr.row.paper),
                     "seeds": list(rr.seeds), "mean": dict(rr.mean), "std": dict(rr.std),
                     "direction": direction(res, rr)[0],
                     "verdict": _verdict_json(row_verdict(res, rr)),
                     "cells": [{"stats": dict(c.stats), "extra": dict(c.extra),
                                "wall_s": c.wall_s} for c in rr.cells]})
    return {"table": res.table.name, "title": res.table.title, "wall_s": res.wall_s,
            "rows": rows}


def finite_or_null(obj: Any) -> Any:
    """``obj`` with every NaN / infinite float as None, so that it is strict JSON (null)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite_or_null(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite_or_null(v) for v in obj]
    return obj


def _verdict_json(v: Verdict | None) -> dict[str, Any] | None:
    if v is None:
        return None
    return {"label": v.label, "delta_ap": v.delta, "ci95": [v.low, v.high],
            "bootstrap_ci95": list(v.bootstrap), "paper_delta_ap": v.paper_delta,
            "paired_seeds": v.seeds}


def write_table_reports(res: TableResult, out_dir: Path, *, budget: Budget | None = None,
                        preset: str = "", intro: str = "", curve_x: str = "epoch") -> list[Path]:
    """Write ``<name>.md``, ``.csv``, ``.json`` and ``.png`` (and ``_curve.png`` for 1g, AP
    against ``curve_x``)."""
    base = Path(out_dir) / res.table.name
    write_text_atomic(base.with_suffix(".md"), format_markdown(res, budget=budget, preset=preset,
                                                               intro=intro))
    write_text_atomic(base.with_suffix(".csv"), format_csv(res))
    write_text_atomic(base.with_suffix(".json"), json.dumps(finite_or_null(table_json(res)),
                                                            indent=1, allow_nan=False))
    paths = [base.with_suffix(s) for s in (".md", ".csv", ".json", ".png")]
    plot_table(res, paths[-1])
    if res.table.curve:
        curve_path = base.parent / f"{res.table.name}_curve.png"
        plot_curves(curves_of(res), curve_path, title=res.table.title, xlabel=curve_x)
        paths.append(curve_path)
    return paths


def curves_of(res: TableResult) -> dict[str, list[tuple[int, float]]]:
    """Per row label: (epoch, mean AP in percent over seeds) for cells that logged a curve."""
    out: dict[str, list[tuple[int, float]]] = {}
    for rr in res.rows:
        per_epoch: dict[int, list[float]] = {}
        for c in rr.cells:
            for epoch, ap in c.extra.get("curve", []):
                per_epoch.setdefault(int(epoch), []).append(_pct(float(ap)))
        if per_epoch:
            out[rr.row.label] = [(e, sum(v) / len(v)) for e, v in sorted(per_epoch.items())]
    return out
