"""Table 1 from scored fine-tune runs: a manifest of runs (table, row, training seed, AP per
valid split) turned into the same ``TableResult`` and reports as ``vistool reproduce``.

A cell is one training seed of a row; its metrics are the mean over the valid splits it was
scored on. A row's verdict pairs the splits: for the training seeds both rows ran, the per-split
ΔAP of the seed-mean AP, with its Student-t 95 % interval over the splits
(``studies.verdict.paired_interval``). That interval covers the videos drawn, not the training
seed. From ``MIN_SEEDS`` paired training seeds on, the interval is the seed-paired one of
``studies.verdict`` instead (each seed's mean over the splits), which covers both. The
manifest's ``bootstrap`` (row -> the per-video paired bootstrap interval pooled over splits and
seeds, ``benchmarks/table1_bootstrap.py``) is reported beside it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import msgspec
import numpy as np

from vistoolkit.atomic import write_text_atomic
from vistoolkit.errors import InputError
from vistoolkit.studies.records import CellResult, TableResult
from vistoolkit.studies.reproduce import aggregate
from vistoolkit.studies.table1 import METRICS, TABLE1, Row, Table
from vistoolkit.studies.verdict import (Verdict, bootstrap_text, delta_text, paired_interval,
                                        verdict)


MIN_SEEDS = 3    # paired training seeds from which the interval is taken over seeds


class EvidenceRun(msgspec.Struct, forbid_unknown_fields=True):
    """One scored checkpoint standing for one (table, row, training seed); numbers in points."""

    table: str
    row: str
    seed: int
    run: str                                   # the run's name in the notes
    source: str                                # where the numbers were first written
    splits: dict[str, dict[str, float]]        # valid split -> metric -> points
    curve: list[tuple[int, float]] = []        # (iteration, AP points), Table 1g


class RowNote(msgspec.Struct, forbid_unknown_fields=True):
    """How our run of a row differs from the paper's (shown in the table); where the paper's
    reference row was not run, the row compared against instead (``reference``); where the
    reference row's own runs measure something else, the ``"table/row"`` whose runs stand for
    it in this row's verdict (``reference_runs``; the paper's ΔAP stays the reference row's)."""

    note: str = ""
    reference: str | None = None
    reference_runs: str | None = None


class Manifest(msgspec.Struct, forbid_unknown_fields=True):
    protocol: str
    runs: list[EvidenceRun]
    rows: dict[str, RowNote] = {}              # "table1c/T9" -> note
    tables: dict[str, str] = {}                # "table1c" -> intro paragraph
    bootstrap: dict[str, tuple[float, float]] = {}   # "table1a/spatial" -> per-video interval


def is_row(table: str, row: str) -> bool:
    """Whether Table 1 has sub-table ``table`` with a row ``row``."""
    return table in TABLE1 and row in {x.key for x in TABLE1[table].rows}


def load_manifest(path: Path) -> Manifest:
    """Decode and check a manifest; ``InputError`` names the file and the record."""
    try:
        man = msgspec.json.decode(Path(path).read_bytes(), type=Manifest)
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from None
    except msgspec.DecodeError as err:
        raise InputError(f"{path}: {err}") from None
    for i, r in enumerate(man.runs):
        where = f"{path}: runs[{i}] ({r.table}/{r.row} seed {r.seed})"
        if not is_row(r.table, r.row):
            raise InputError(f"{where}: no such Table 1 row")
        if not r.splits or any("AP" not in v for v in r.splits.values()):
            raise InputError(f"{where}: every split needs an AP")
    for key, n in man.rows.items():
        if n.reference_runs is not None and not is_row(*n.reference_runs.partition("/")[::2]):
            raise InputError(f"{path}: rows[{key!r}]: reference_runs {n.reference_runs!r} is "
                             "no Table 1 row")
    for key, (low, high) in man.bootstrap.items():
        table, _, row = key.partition("/")
        if not is_row(table, row):
            raise InputError(f"{path}: bootstrap[{key!r}]: no such Table 1 row")
        if not low <= high:
            raise InputError(f"{path}: bootstrap[{key!r}]: low {low} above high {high}")
    seen = [(r.table, r.row, r.seed) for r in man.runs]
    dup = next((k for k in seen if seen.count(k) > 1), None)
    if dup is not None:
        raise InputError(f"{path}: two runs for {dup[0]}/{dup[1]} seed {dup[2]}")
    return man


def cell_of(run: EvidenceRun) -> CellResult:
    """Mean over the run's splits of every metric (fractions; NaN where not scored)."""
    stats = {m: float(np.mean([s[m] for s in run.splits.values()])) / 100
             if all(m in s for s in run.splits.values()) else math.nan for m in METRICS}
    extra = {"run": run.run, "source": run.source, "splits": run.splits,
             "curve": [(it, ap / 100) for it, ap in run.curve]}
    return CellResult(stats, extra)


def split_paired_verdict(row: Sequence[EvidenceRun], ref: Sequence[EvidenceRun],
                         paper_delta: float,
                         bootstrap: tuple[float, float] | None = None) -> Verdict:
    """Verdict of ``row`` against ``ref``: common training seeds; splits paired below
    ``MIN_SEEDS`` of them, seeds paired from there (module doc). ``bootstrap``: the per-video
    interval pooled over splits and seeds, reported beside it."""
    by_seed = {r.seed: r for r in row}
    ref_seed = {r.seed: r for r in ref}
    seeds = sorted(set(by_seed) & set(ref_seed))
    row_ap = {s: float(np.mean([v["AP"] for v in by_seed[s].splits.values()])) for s in seeds}
    ref_ap = {s: float(np.mean([v["AP"] for v in ref_seed[s].splits.values()])) for s in seeds}
    splits = sorted(set.intersection(*(set(by_seed[s].splits) & set(ref_seed[s].splits)
                                       for s in seeds))) if seeds else []
    deltas = np.array([np.mean([by_seed[s].splits[k]["AP"] - ref_seed[s].splits[k]["AP"]
                                for s in seeds]) for k in splits], dtype=np.float64)
    if len(seeds) >= MIN_SEEDS:
        return verdict(row_ap, ref_ap, paper_delta, bootstrap=bootstrap)
    return verdict(row_ap, ref_ap, paper_delta, interval=paired_interval(deltas),
                   bootstrap=bootstrap)


def noted_table(table: Table, man: Manifest) -> Table:
    """The table with the manifest's notes and reference changes applied to its rows."""
    rows = []
    for row in table.rows:
        n = man.rows.get(f"{table.name}/{row.key}")
        if n is not None:
            row = dataclasses.replace(row, note=n.note or row.note,
                                      reference=n.reference or row.reference)
        rows.append(row)
    return dataclasses.replace(table, rows=tuple(rows))


def reference_key(notes: Mapping[str, RowNote], table: str, row: Row) -> tuple[str, str] | None:
    """(table, row) whose runs ``row`` of ``table`` is compared against: the note's
    ``reference_runs``, else the note's ``reference``, else the paper's reference row."""
    n = notes.get(f"{table}/{row.key}")
    if n is not None and n.reference_runs:
        ref_table, _, ref_row = n.reference_runs.partition("/")
        return ref_table, ref_row
    ref = (n.reference if n is not None else None) or row.reference
    return None if ref is None else (table, ref)


def runs_for(man: Manifest, table: str, key: str) -> list[EvidenceRun]:
    """The manifest's runs of row ``key`` of ``table``, by training seed."""
    return sorted((r for r in man.runs if r.table == table and r.row == key),
                  key=lambda r: r.seed)


def table_from_evidence(name: str, man: Manifest) -> TableResult:
    """One sub-table: every row with its runs (none: ``not run``) and the verdicts."""
    table = noted_table(TABLE1[name], man)
    runs_of = {row.key: runs_for(man, name, row.key) for row in table.rows}
    results = [aggregate(row, [r.seed for r in runs_of[row.key]],
                         [cell_of(r) for r in runs_of[row.key]]) for row in table.rows]
    by_key: dict[str, Row] = {row.key: row for row in table.rows}
    verdicts = {}
    for row in table.rows:
        if row.reference is not None:
            paper = row.paper["AP"] - by_key[row.reference].paper["AP"]
            verdicts[row.key] = split_paired_verdict(
                runs_of[row.key], runs_for(man, *reference_key(man.rows, name, row)), paper,
                man.bootstrap.get(f"{name}/{row.key}"))
    return TableResult(table, tuple(results), 0.0, verdicts)


def intro_of(name: str, man: Manifest, source: str) -> str:
    """The paragraph under a table's title: protocol, the table's note, the runs of each row."""
    runs = [f"{r.row} seed {r.seed}: {r.run} ({r.source})" for r in man.runs if r.table == name]
    text = f"From the scored runs in `{source}`. {man.protocol}"
    if man.tables.get(name):
        text += f" {man.tables[name]}"
    return text + ("\n\nRuns: " + "; ".join(runs) + "." if runs else "\n\nNo run yet.")


def summary_markdown(results: Sequence[TableResult]) -> str:
    """One line per compared row of every table: ΔAP ours [interval] against the paper's, the
    training seeds and splits behind it, the verdict."""
    lines = ["| table | row (vs reference) | paper ΔAP | ours ΔAP [95 % interval] | bootstrap "
             "[95 %] | training seeds (splits each) | verdict |", "|---|---|---:|---|---|---|---|"]
    for res in results:
        for rr in res.rows:
            v = res.verdicts.get(rr.row.key)
            if v is None:
                continue
            ref = res.result(rr.row.reference)
            ours = delta_text(v)
            splits = sorted({len(c.extra["splits"]) for c in rr.cells})
            runs = f"{v.seeds} ({'/'.join(map(str, splits))})" if v.seeds else "–"
            note = f" [{rr.row.note}]" if rr.row.note else ""
            lines.append(f"| 1{res.table.name[-1]} | {rr.row.label}{note} (vs {ref.row.label}) | "
                         f"{v.paper_delta:+.1f} | {ours} | {bootstrap_text(v)} | {runs} | "
                         f"{v.label} |")
    return "\n".join(lines) + "\n"


def reproduce_from_evidence(path: Path, names: Sequence[str], out_dir: Path) -> list[TableResult]:
    """Tables ``names`` (or ``all``) from the manifest at ``path``, reports written to
    ``out_dir`` (``<table>.md``, ``.csv``, ``.json``, ``.png``; 1g also its AP curve; for
    ``all`` also ``summary.md``, every verdict on one page)."""
    from vistoolkit.studies.report import write_table_reports   # plots: matplotlib on demand

    man = load_manifest(path)
    wanted = list(TABLE1) if "all" in names else list(names)
    results = []
    for name in wanted:
        res = table_from_evidence(name, man)
        write_table_reports(res, out_dir, intro=intro_of(name, man, Path(path).name),
                            curve_x="iteration")
        results.append(res)
    if "all" in names:
        write_text_atomic(Path(out_dir) / "summary.md", summary_markdown(results))
    return results
