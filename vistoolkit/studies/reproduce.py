"""``vistool reproduce``: train and evaluate every row of Table 1, cache each cell, aggregate.

A *cell* is one row trained and evaluated with one seed. Its result is cached as an atomic JSON
file ``<out>/cells/<cell_key>.json``; the key depends only on what is computed (model preset and
overrides, training budget, seed, linking, test frame rate), so rows that are the same experiment
in several tables (e.g. FTSA in 1a = temporal TDC in 1b) are computed once, and rows that share a
model (1d, 1h) share one checkpoint ``<out>/train/<train_key>``. The runner that computes a cell is
injectable (``run_cell``); the default trains with ``efficientvis.engine.train``
(``studies.cells``).

The ``cpu`` budget is the fine-tune protocol of ``docs/results/table1``: every cell continues one
shared start file (default: the bundled checkpoint) 500 iterations on a fresh synthetic stream
with only its row's switch changed, and its weight average is scored on ten synthetic valid
splits. Rows of the dense baseline read ``not run`` there (a start holds no dense model).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tqdm import tqdm

from vistoolkit.atomic import write_json_atomic
from vistoolkit.data.json_io import read_json
from vistoolkit.data.synth import ensure_dataset
from vistoolkit.errors import InputError
from vistoolkit.studies.cells import read_start, run_cell_efficientvis
from vistoolkit.studies.evidence import table_verdicts
from vistoolkit.studies.records import (
    Budget,
    CellResult,
    CellRunner,
    CellSpec,
    RowResult,
    Start,
    TableResult,
)
from vistoolkit.studies.report import write_table_reports
from vistoolkit.studies.table1 import (
    METRICS,
    TABLE1,
    Row,
    Table,
    finetune_clip_length,
    model_overrides,
)

log = logging.getLogger(__name__)

BUDGETS: Mapping[str, Budget] = MappingProxyType({
    "smoke": Budget("smoke", epochs=1, max_iters=2, data_preset="small", seeds=1),
    "quick": Budget("quick", epochs=4, max_iters=None, data_preset="default", seeds=3),
    "full": Budget("full", epochs=24, max_iters=None, data_preset="default", seeds=3),
    # the fine-tune protocol: a shared start (--start, default the bundled file) continued 500
    # iterations with the bundled recipe, its weight average scored on ten valid splits
    "cpu": Budget("cpu", epochs=10**9, max_iters=500, data_preset="default", seeds=3,
                  stream=True, batch_size=4, lr=2e-4, augment=True, start=True,
                  freeze_backbone=True, chain_clips=3, ema_decay=0.995, stream_seed=10,
                  valid_seeds=(0, *range(99, 108))),
})


def cell_specs(table: Table, row: Row, *, seeds: Sequence[int], preset: str, budget: Budget,
               data_root: Path, device: str, start: Start | None = None) -> list[CellSpec]:
    """One spec per seed for a row. With a ``start`` the row continues it: the start's own
    switches and clip length are the defaults, and a dense-baseline row has no cells."""
    if start is None:
        model, curve = model_overrides(row, preset), table.curve
    elif row.model.get("architecture") == "dense":
        return []
    else:
        model = model_overrides(row, start.preset, defaults=start.switches,
                                clip_length=finetune_clip_length(table, row, start.clip_length))
        preset, curve = start.preset, False
    return [CellSpec(table=table.name, row=row.key, seed=s, preset=preset,
                     model=MappingProxyType(model), linking=row.linking,
                     test_fps=row.test_fps, curve=curve, budget=budget,
                     data_root=data_root, device=device, start=start) for s in seeds]


def resolve_start(budget: Budget, start: Path | None, preset: str) -> Start | None:
    """The shared start of a ``start`` budget (``start`` or the bundled checkpoint), checked
    against ``preset``; None for other budgets (where a ``start`` is an error)."""
    if not budget.start:
        if start is not None:
            raise InputError(f"--start: the {budget.name} budget trains from the beginning; "
                             "only the cpu budget continues a start")
        return None
    if start is None:
        from efficientvis.engine.bundled import require_bundled

        start = require_bundled()                                     # torch: on use only
    info = read_start(Path(start))
    if info.preset != preset:
        raise InputError(f"--preset {preset}: the start is a {info.preset!r} model", path=start)
    return info


def cell_plan(names: Sequence[str], *, seeds: Sequence[int], preset: str, budget: Budget,
              data_root: Path, device: str = "cpu", start: Start | None = None
              ) -> dict[str, Any]:
    """What ``reproduce`` would compute: cells, distinct trainings (rows that share a model
    share a checkpoint), and training iterations in all."""
    specs = [s for name in names for row in TABLE1[name].rows
             for s in cell_specs(TABLE1[name], row, seeds=seeds, preset=preset, budget=budget,
                                 data_root=data_root, device=device, start=start)]
    trainings = sorted({s.train_key for s in specs})
    iters = budget.max_iters if budget.max_iters is not None else math.nan
    return {"tables": list(names), "cells": len(specs), "distinct_cells": len({s.cell_key
            for s in specs}), "trainings": len(trainings), "iterations": len(trainings) * iters,
            "batch_size": budget.batch_size}


def load_cell(path: Path) -> CellResult | None:
    """A cached cell, or None if absent."""
    if not path.is_file():
        return None
    raw = read_json(path)
    return CellResult(stats=raw["stats"], extra=raw.get("extra", {}), wall_s=raw.get("wall_s", 0))


def run_cached(spec: CellSpec, out_dir: Path, *, run_cell: CellRunner, resume: bool) -> CellResult:
    """The cell's cached result, computing and caching it first if missing."""
    path = out_dir / "cells" / f"{spec.cell_key}.json"
    cached = load_cell(path)
    if cached is not None:
        log.info("cached %s/%s seed %d", spec.table, spec.row, spec.seed)
        return cached
    t0 = time.perf_counter()
    res = run_cell(spec, out_dir, resume)
    res = CellResult(res.stats, res.extra, res.wall_s or time.perf_counter() - t0)
    missing = [m for m in METRICS if m not in res.stats]
    if missing:
        raise ValueError(f"cell {spec.cell_key} returned no {', '.join(missing)}")
    write_json_atomic(path, {"spec": _spec_json(spec), **asdict(res)}, indent=1)
    return res


def _spec_json(spec: CellSpec) -> dict[str, Any]:
    return {"table": spec.table, "row": spec.row, "seed": spec.seed, "preset": spec.preset,
            "model": dict(spec.model), "linking": spec.linking, "test_fps": spec.test_fps,
            "curve": spec.curve, "budget": asdict(spec.budget), "data_root": str(spec.data_root),
            "train_key": spec.train_key,
            **({} if spec.start is None else {"start": str(spec.start.path),
                                              "start_digest": spec.start.digest})}


def cell_line(spec: CellSpec, res: CellResult) -> str:
    """One line for a finished cell: which, its AP and AP50 (percent), the time it took."""
    return (f"{spec.table} {spec.row} seed {spec.seed}: AP {100 * float(res.stats['AP']):.1f}, "
            f"AP50 {100 * float(res.stats['AP50']):.1f} ({res.wall_s:.0f} s)")


def aggregate(row: Row, seeds: Sequence[int], cells: Sequence[CellResult]) -> RowResult:
    """Mean and sample standard deviation (ddof=1; 0 for one seed) of each metric."""
    mean, std = {}, {}
    for m in METRICS:
        vals = [float(c.stats[m]) for c in cells if not math.isnan(float(c.stats[m]))]
        mean[m] = sum(vals) / len(vals) if vals else math.nan
        var = (sum((v - mean[m]) ** 2 for v in vals) / (len(vals) - 1)) if len(vals) > 1 else 0.0
        std[m] = math.sqrt(var) if vals else math.nan
    return RowResult(row, tuple(seeds), mean, std, tuple(cells))


def reproduce_table(name: str, *, out_dir: Path, budget: Budget, seeds: Sequence[int],
                    preset: str, data_root: Path, device: str = "cpu", resume: bool = False,
                    run_cell: CellRunner | None = None, bar: tqdm | None = None,
                    start: Start | None = None) -> TableResult:
    """Compute (or load) every row of one table and aggregate it (``bar``: advanced by one
    per cell, showing the cell in progress, with the default runner's training bar under it)."""
    if run_cell is None:
        run_cell = partial(run_cell_efficientvis, progress=bar is not None and not bar.disable)
    table = TABLE1[name]
    t0 = time.perf_counter()
    rows = []
    for row in table.rows:
        specs = cell_specs(table, row, seeds=seeds, preset=preset, budget=budget,
                           data_root=data_root, device=device, start=start)
        cells = []
        for s in specs:
            if bar is not None:
                bar.set_postfix_str(f"{s.table} {s.row} seed {s.seed}")
            cells.append(run_cached(s, out_dir, run_cell=run_cell, resume=resume))
            if bar is not None and not bar.disable:
                bar.write(cell_line(s, cells[-1]), file=bar.fp)
            if bar is not None:
                bar.update(1)
        rows.append(aggregate(row, [s.seed for s in specs], cells))
    return TableResult(table, tuple(rows), time.perf_counter() - t0, table_verdicts(rows))


def reproduce(names: Sequence[str], *, out_dir: Path, budget: str | Budget = "quick",
              seeds: int | None = None, preset: str = "tiny", data_root: Path | None = None,
              device: str = "cpu", resume: bool = False, run_cell: CellRunner | None = None,
              write: bool = True, progress: bool = False,
              start: Path | None = None) -> list[TableResult]:
    """Reproduce Table 1 sub-tables (``"all"`` = every one) and write their reports.

    Args:
        names: ``table1a`` .. ``table1h`` or ``all``.
        out_dir: cache, checkpoints and reports go here.
        budget: ``smoke`` | ``quick`` | ``full`` | ``cpu`` (see ``BUDGETS``), or a ``Budget``.
        seeds: seeds per row (default: the budget's); seeds are 0 .. seeds-1.
        preset: model preset (``micro`` | ``tiny`` | ``paper``).
        data_root: YouTube-VIS directory; default the budget's synthetic preset under out_dir.
        device: ``cpu`` or ``cuda``.
        resume: continue interrupted trainings.
        run_cell: computes one cell (default: train and evaluate EfficientVIS).
        write: write Markdown, CSV, JSON and PNG reports per table.
        progress: a bar on stderr (cell k of n, the cell in progress, elapsed and ETA).
        start: the shared start file of the ``cpu`` budget (default: the bundled checkpoint).

    Returns:
        One ``TableResult`` per table, in the order asked.
    """
    if isinstance(budget, str) and budget not in BUDGETS:
        raise InputError(f"unknown budget {budget!r} (choose from {', '.join(BUDGETS)})")
    b = BUDGETS[budget] if isinstance(budget, str) else budget
    wanted = list(TABLE1) if "all" in names else list(names)
    unknown = [n for n in wanted if n not in TABLE1]
    if unknown:
        raise InputError(f"unknown table {unknown[0]!r} (choose from {', '.join(TABLE1)}, all)")
    if b.valid_seeds and data_root is not None:
        raise InputError(f"--data: the {b.name} budget trains on the synthetic stream and "
                         f"scores on {len(b.valid_seeds)} synthetic valid splits")
    if data_root is None:
        data_root = ensure_dataset(out_dir / "data" / f"synth-{b.data_preset}", b.data_preset,
                                   progress=False)
    data_root = Path(data_root).resolve()
    seed_list = list(range(b.seeds if seeds is None else seeds))
    shared = resolve_start(b, start, preset)
    n_cells = sum(len(cell_specs(TABLE1[n], row, seeds=seed_list, preset=preset, budget=b,
                                 data_root=data_root, device=device, start=shared))
                  for n in wanted for row in TABLE1[n].rows)
    results = []
    bar = tqdm(total=n_cells,
               desc="reproduce", unit="cell", disable=not progress, dynamic_ncols=True)
    with bar:                                  # cell k of n, the cell in progress, ETA
        for name in wanted:
            res = reproduce_table(name, out_dir=out_dir, budget=b, seeds=seed_list,
                                  preset=preset, data_root=data_root, device=device,
                                  resume=resume, run_cell=run_cell, bar=bar, start=shared)
            if write:
                write_table_reports(res, out_dir, budget=b, preset=preset)
            results.append(res)
    return results
