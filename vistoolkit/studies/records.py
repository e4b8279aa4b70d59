"""The records of a Table 1 reproduction, shared by the runner, the cell runner, the reports
and the plots: the training budget, a cell's spec and result, a row's and a table's results."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vistoolkit.studies.table1 import Row, Table
from vistoolkit.studies.verdict import Verdict


@dataclass(frozen=True, slots=True)
class Budget:
    """How long each cell trains, on which synthetic preset, with how many seeds by default.

    ``stream``: train on the fresh synthetic stream (``data_preset`` is then only the valid
    split). ``batch_size``, ``lr``, ``augment`` (flip + colour): the bundled model's recipe.
    ``start``: every cell continues one shared start file (all its weights and model settings;
    ``CellSpec.start``) with only its row's switch changed, ``freeze_backbone`` keeping its
    backbone + FPN fixed, on clip chains of ``chain_clips``, with a weight average of decay
    ``ema_decay`` (the average is what is scored), on the stream of ``stream_seed``.
    ``valid_seeds``: score each cell on these synthetic valid splits (the mean over them)
    instead of the data's valid split.
    """

    name: str
    epochs: int
    max_iters: int | None
    data_preset: str
    seeds: int
    stream: bool = False
    batch_size: int = 1
    lr: float | None = None
    augment: bool = False
    start: bool = False
    freeze_backbone: bool = False
    chain_clips: int = 2
    ema_decay: float = 0.0
    stream_seed: int | None = None
    valid_seeds: tuple[int, ...] = ()

    def recipe(self) -> dict[str, Any]:
        """The training fields beyond length (part of every checkpoint's key)."""
        return {"stream": self.stream, "batch_size": self.batch_size, "lr": self.lr,
                "augment": self.augment, "start": self.start,
                "freeze_backbone": self.freeze_backbone,
                "chain_clips": self.chain_clips, "ema_decay": self.ema_decay,
                "stream_seed": self.stream_seed, "valid_seeds": list(self.valid_seeds)}


@dataclass(frozen=True, slots=True)
class Start:
    """The shared start of a ``start`` budget: its file, content hash, model preset, ablation
    switches and clip length (``studies.cells.read_start``)."""

    path: Path
    digest: str
    preset: str
    switches: Mapping[str, Any]
    clip_length: int


@dataclass(frozen=True, slots=True)
class CellSpec:
    """Everything that determines one cell's numbers."""

    table: str
    row: str
    seed: int
    preset: str
    model: Mapping[str, Any]
    linking: str
    test_fps: float | None
    curve: bool
    budget: Budget
    data_root: Path
    device: str = "cpu"
    start: Start | None = None         # the shared start of a ``start`` budget

    @property
    def train_key(self) -> str:
        """Names the checkpoint: same model, data, budget and seed => same key."""
        what = {"preset": self.preset, "model": dict(sorted(self.model.items())),
                "epochs": self.budget.epochs, "max_iters": self.budget.max_iters,
                "data": str(self.data_root), "curve": self.curve}
        recipe = self.budget.recipe()
        if recipe != Budget("", 0, None, "", 0).recipe():      # keys of older caches unchanged
            what["recipe"] = recipe
        if self.start is not None:
            what["start"] = self.start.digest
        return f"{self.preset}-{_digest(what)}-s{self.seed}"

    @property
    def cell_key(self) -> str:
        """Names the cached result: the checkpoint plus how it is tested."""
        fps = "orig" if self.test_fps is None else f"fps{self.test_fps:g}"
        return f"{self.train_key}-{self.linking}-{fps}"


@dataclass(frozen=True, slots=True)
class CellResult:
    """Metrics of one cell (fractions in [0, 1]) plus method details (sweep, curve, timings)."""

    stats: Mapping[str, float]
    extra: Mapping[str, Any] = field(default_factory=dict)
    wall_s: float = 0.0


CellRunner = Callable[[CellSpec, Path, bool], CellResult]   # (spec, out_dir, resume)


@dataclass(frozen=True, slots=True)
class RowResult:
    """One row aggregated over seeds: mean and sample std per metric (NaN without runs)."""

    row: Row
    seeds: tuple[int, ...]
    mean: Mapping[str, float]
    std: Mapping[str, float]
    cells: tuple[CellResult, ...]


@dataclass(frozen=True, slots=True)
class TableResult:
    """A Table 1 sub-table as reproduced."""

    table: Table
    rows: tuple[RowResult, ...]
    wall_s: float
    verdicts: Mapping[str, Verdict] = field(default_factory=dict)   # row key -> verdict

    def result(self, key: str) -> RowResult:
        """The row with this key."""
        return next(r for r in self.rows if r.row.key == key)


def _digest(obj: Any) -> str:
    return hashlib.sha1(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:10]
