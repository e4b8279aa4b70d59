"""Table 1 of the EfficientVIS paper (CVPR 2022): every ablation row, how to run it, and the
paper's numbers (YouTube-VIS 2019 val, AP/AR in percent).

A row says which model to train (config overrides of ``EfficientVISConfig``), how to link clips at
test time (``"e2e"`` query hand-over, ``"handcraft"`` spec §10.1, ``"overlap"`` spec §10.2) and at
which frame rate to test. Clip lengths are the paper's; ``clip_length_for`` maps them to the
shorter clips used with the small presets (9 -> 3, 18 -> 6, 36 -> 9 frames).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

METRICS: tuple[str, ...] = ("AP", "AP50", "AP75", "AR1", "AR10")

# The proposed setting; every row starts from it, so equal experiments get equal keys.
ABLATION_DEFAULTS: Mapping[str, Any] = MappingProxyType({
    "attention": "ftsa", "tdc": "temporal", "query": "disentangled",
    "correspondence_learning": True, "architecture": "efficientvis"})

# paper clip length -> clip length used with the tiny/micro presets (synthetic videos: 18-36 frames)
SMALL_CLIP_LENGTHS: Mapping[int, int] = MappingProxyType({9: 3, 18: 6, 36: 9})


@dataclass(frozen=True, slots=True)
class Row:
    """One row of a Table 1 sub-table.

    ``model`` holds ``EfficientVISConfig`` overrides except the clip length, which is
    ``paper_clip_length`` (mapped by ``clip_length_for``). ``reference`` names the row of the
    same table the paper compares this one against (None for the proposed setting).
    """

    key: str
    label: str
    paper: Mapping[str, float]
    paper_clip_length: int = 36
    model: Mapping[str, Any] = field(default_factory=dict)
    linking: str = "e2e"
    test_fps: float | None = None
    reference: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Table:
    """A Table 1 sub-table: its name (``table1a``), the paper's caption title and its rows."""

    name: str
    title: str
    rows: tuple[Row, ...]
    curve: bool = False

    def row(self, key: str) -> Row:
        """The row with this key."""
        for r in self.rows:
            if r.key == key:
                return r
        raise KeyError(key)


def _p(ap: float, ap50: float, ap75: float, ar1: float, ar10: float) -> Mapping[str, float]:
    return MappingProxyType(dict(zip(METRICS, (ap, ap50, ap75, ar1, ar10))))


# The proposed setting: FTSA, temporal dynamic conv, disentangled queries, CL, T=36.
_FULL = _p(37.0, 59.6, 40.0, 39.3, 46.3)
_T9 = _p(35.3, 57.6, 38.5, 37.7, 43.5)
_T18 = _p(36.4, 58.1, 39.5, 39.1, 46.8)

TABLE1: Mapping[str, Table] = MappingProxyType({
    "table1a": Table("table1a", "Self-attention schemes", (
        Row("spatial", "Spatial (S)", _p(32.8, 56.3, 34.9, 36.1, 42.2),
            model={"attention": "spatial"}, reference="ftsa"),
        Row("temporal", "Temporal (T)", _p(30.4, 49.0, 32.1, 34.2, 39.1),
            model={"attention": "temporal"}, reference="ftsa"),
        Row("joint", "Joint T-S", _p(33.7, 56.8, 36.1, 36.6, 44.6),
            model={"attention": "joint"}, reference="ftsa"),
        Row("ftsa", "Factorised T-S (FTSA)", _FULL, model={"attention": "ftsa"}),
    )),
    "table1b": Table("table1b", "Still-image vs. temporal dynamic convolution", (
        Row("still", "Still-image", _p(36.0, 59.5, 39.5, 38.4, 45.3), model={"tdc": "still"},
            reference="temporal"),
        Row("temporal", "Temporal", _FULL, model={"tdc": "temporal"}),
    )),
    "table1c": Table("table1c", "Video clip length T", (
        Row("T9", "T = 9", _T9, paper_clip_length=9, reference="T36"),
        Row("T18", "T = 18", _T18, paper_clip_length=18, reference="T36"),
        Row("T36", "T = 36", _FULL, paper_clip_length=36),
    )),
    "table1d": Table("table1d", "Fully end-to-end vs. partially end-to-end linking", (
        Row("T9_handcraft", "T = 9  Hand-craft", _p(33.7, 55.5, 36.4, 33.9, 40.3),
            paper_clip_length=9, linking="handcraft", reference="T9_e2e",
            note="best theta over 0.1..0.9"),
        Row("T9_e2e", "T = 9  Fully e2e (ours)", _T9, paper_clip_length=9),
        Row("T18_vistr", "T = 18 VisTR", _p(29.7, 50.4, 31.1, 29.5, 34.4),
            paper_clip_length=18, model={"architecture": "dense"}, linking="overlap",
            reference="T18_e2e", note="dense-attention baseline (spec §11), overlap linking"),
        Row("T18_handcraft", "T = 18 Hand-craft", _p(34.6, 55.3, 37.4, 36.6, 44.6),
            paper_clip_length=18, linking="handcraft", reference="T18_e2e",
            note="best theta over 0.1..0.9"),
        Row("T18_e2e", "T = 18 Fully e2e (ours)", _T18, paper_clip_length=18),
    )),
    "table1e": Table("table1e", "Correspondence learning (CL), T = 9", (
        Row("no_cl", "w/o CL", _p(7.4, 19.0, 5.9, 9.8, 13.5), paper_clip_length=9,
            model={"correspondence_learning": False}, reference="cl"),
        Row("cl", "w/ CL", _T9, paper_clip_length=9, model={"correspondence_learning": True}),
    )),
    "table1f": Table("table1f", "Time disentangled vs. time shared query", (
        Row("shared", "Time shared", _p(35.5, 57.1, 38.5, 38.7, 43.9),
            model={"query": "shared"}, reference="disentangled"),
        Row("disentangled", "Time disentangled", _FULL, model={"query": "disentangled"}),
    )),
    "table1g": Table("table1g", "Convergence speed (EfficientVIS vs. VIS transformer)", (
        Row("vistr", "VisTR (random crop, ~500 epochs)", _p(35.6, 56.8, 37.0, 35.2, 40.2),
            model={"architecture": "dense"}, reference="efficientvis",
            note="dense-attention baseline (spec §11) trained with the same epochs"),
        Row("efficientvis", "EfficientVIS (no aug., 33 epochs)", _FULL),
        Row("efficientvis_ms", "EfficientVIS (multi-scale, 33 epochs)",
            _p(37.9, 59.7, 43.0, 40.3, 46.6), model={"multi_scale": True},
            reference="efficientvis"),
    ), curve=True),
    "table1h": Table("table1h", "Tracking in low frame rate videos (T = 9)", (
        Row("original", "Original FPS", _T9, paper_clip_length=9),
        Row("fps1.5", "1.5 FPS", _p(35.3, 57.4, 39.1, 37.5, 42.8), paper_clip_length=9,
            test_fps=1.5, reference="original", note="trained at 6 FPS, valid resampled"),
    )),
})


# The Table 1 rows that the low-FPS evidence reads (benchmarks/lowfps_evidence.py, seed_evidence.py).
LOWFPS_ROWS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "1d": ("table1d", "T9_handcraft"), "1h": ("table1h", "fps1.5")})


def paper_delta(table: str, key: str) -> float:
    """The paper's AP of row ``key`` of ``table`` minus that of its reference row."""
    rows = {r.key: r for r in TABLE1[table].rows}
    return rows[key].paper["AP"] - rows[rows[key].reference].paper["AP"]


def clip_length_for(paper_clip_length: int, preset: str) -> int:
    """Clip length to train and test with: the paper's for ``paper``, else the small mapping."""
    if preset == "paper":
        return paper_clip_length
    return SMALL_CLIP_LENGTHS[paper_clip_length]


def model_overrides(row: Row, preset: str, *, defaults: Mapping[str, Any] = ABLATION_DEFAULTS,
                    clip_length: int | None = None) -> dict[str, Any]:
    """``EfficientVISConfig.preset(preset, **overrides)`` arguments for a row: the ablation
    switches (``defaults``: the proposed setting, or a shared start's own) and the clip length
    (``clip_length``, else the paper's mapped by ``clip_length_for``)."""
    if clip_length is None:
        clip_length = clip_length_for(row.paper_clip_length, preset)
    return {**defaults, **row.model, "clip_length": clip_length}


def compares_clip_lengths(table: Table) -> bool:
    """Whether the table's rows differ in clip length (1c, 1d)."""
    return len({r.paper_clip_length for r in table.rows}) > 1


def finetune_clip_length(table: Table, row: Row, start_clip_length: int) -> int:
    """Clip length of a row continued from a shared start trained at ``start_clip_length``:
    the start's T stands for the paper's T = 9, so a table that compares lengths runs
    9 / 18 / 36 at 1 / 2 / 4 times it; every other table runs at the start's own T."""
    if not compares_clip_lengths(table):
        return start_clip_length
    return start_clip_length * row.paper_clip_length // 9
