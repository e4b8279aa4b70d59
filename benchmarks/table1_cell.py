"""One cell of Table 1's fine-tune protocol: train, export the weight average, score on the splits.

Usage:
  python benchmarks/table1_cell.py ROW --seed K --start FILE --stream-seed S --runs DIR
         [--name NAME] [--splits DIR] [--docs DIR] [--print]

A cell is the shared start (a bundled-format file) continued 500 iterations on a fresh synthetic
stream with the reference recipe (tiny, three stages, ten queries, still-image dynamic conv, flip
+ colour, frozen backbone + FPN, chains of three clips, EMA 0.995, batch 4, --threads 1) and only
the row's switch (``ROWS``) changed; ``reference`` changes nothing. The recipe and the switches
are those of ``vistool reproduce --budget cpu`` (``BUDGETS["cpu"]``, Table 1's rows), which
computes the same cells in one process; this script runs one cell as its own commands, so that
cells can be queued across cores and each keeps its log. The run is resumable: rerun
the same command after an interruption. Its weight average is exported as the bundled file is
(int8 layer4) and scored by ``benchmarks/split_spread.py`` on the ten valid splits (seeds 0,
99-107) at the row's clip length. ``--docs DIR`` copies the score table, the metrics log and the
commands under DIR (training seed k > 0 in DIR/seed<k>/), as ``benchmarks/table1_manifest.py``
reads them. A cell whose score exists (``RUNS/NAME/split_spread.md``) is not run again, so a
queue of cells can be rerun as a whole. ``--print`` prints the commands and exits.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from vistoolkit.atomic import write_text_atomic
from vistoolkit.studies.cells import start_weight_mapping
from vistoolkit.studies.reproduce import BUDGETS
from vistoolkit.studies.table1 import (
    ABLATION_DEFAULTS,
    TABLE1,
    finetune_clip_length,
    model_overrides,
)

HERE = Path(__file__).resolve().parent
CPU = BUDGETS["cpu"]                       # the protocol: iterations, recipe, stream, splits
ITERS = CPU.max_iters
SPLIT_SEEDS = ",".join(map(str, CPU.valid_seeds))
LR = "2e-4"                                # CPU.lr as the cells' commands spell it
START_CLIP_LENGTH = 4                      # the shared start's T (the bundled lineage's)
# the start's model settings beyond the tiny preset; a row's --set entries replace these
BASE_SET = {"input_short": "128", "input_max_long": "224", "num_queries": "10",
            "num_stages": "3", "tdc": "still"}
# queue row -> the Table 1 row it runs (vistoolkit.studies.table1)
TABLE_ROWS = {"reference": ("table1a", "ftsa"), "spatial": ("table1a", "spatial"),
              "temporal": ("table1a", "temporal"), "joint": ("table1a", "joint"),
              "tdc_temporal": ("table1b", "temporal"), "T8": ("table1c", "T18"),
              "T16": ("table1c", "T36"), "no_cl": ("table1e", "no_cl"),
              "shared_query": ("table1f", "shared"), "multiscale": ("table1g", "efficientvis_ms")}


def _set_value(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def row_plan(row: str) -> tuple[dict[str, str], list[str], int]:
    """(model settings that differ from the start's, other train flags, clip length) of a
    queue row, as ``vistool reproduce --budget cpu`` runs its Table 1 row."""
    table, key = TABLE_ROWS[row]
    switches = {**ABLATION_DEFAULTS, "tdc": BASE_SET["tdc"]}
    t = TABLE1[table]
    model = model_overrides(t.row(key), "tiny", defaults=switches,
                            clip_length=finetune_clip_length(t, t.row(key), START_CLIP_LENGTH))
    sets = {k: _set_value(v) for k, v in model.items()
            if (switches | {"clip_length": START_CLIP_LENGTH}).get(k) != v}
    renames, drop = start_weight_mapping(model["attention"], switches["attention"])
    flags = [a for old, new in renames for a in ("--rename-weights", f"{old}={new}")]
    flags += ["--drop-unused-weights"] if drop else []
    return sets, flags, model["clip_length"]


# row -> (model settings, other train flags, clip length at test)
ROWS: dict[str, tuple[dict[str, str], list[str], int]] = {r: row_plan(r) for r in TABLE_ROWS}


class CellError(Exception):
    """Bad arguments or a missing input: one line, exit 2."""


def train_argv(row: str, *, name: str, seed: int, start: Path, stream_seed: int,
               runs: Path) -> list[str]:
    """The `vistool train` command of one cell."""
    if row not in ROWS:
        raise CellError(f"unknown row {row!r}; rows: {', '.join(ROWS)}")
    sets, flags, _ = ROWS[row]
    argv = ["vistool", "train", "--preset", "tiny", "--out", str(runs / name),
            "--iters", str(ITERS), "--lr", LR, "--batch-size", str(CPU.batch_size),
            *(["--augment", "flip", "--augment", "color"] if CPU.augment else [])]
    for key, value in {**BASE_SET, **sets}.items():
        argv += ["--set", f"{key}={value}"]
    return argv + [*flags, "--probe-every", "250", "--threads", "1", "--seed", str(seed),
                   "--init-weights", str(start), "--freeze-backbone", "--chain",
                   str(CPU.chain_clips), "--stream-seed", str(stream_seed), "--ckpt-every",
                   str(ITERS // 10), "--ema", f"{CPU.ema_decay:g}", "--resume"]


def export_argv(name: str, runs: Path) -> list[str]:
    """Export the run's weight average as the bundled file is (int8 layer4)."""
    code = ("import sys; from efficientvis.engine.bundled import BUNDLED_INT8, export_bundled; "
            "export_bundled(sys.argv[1], sys.argv[2], int8=BUNDLED_INT8, ema=True)")
    return [sys.executable, "-c", code, str(runs / name / "checkpoint.pt"), str(exported(name, runs))]


def exported(name: str, runs: Path) -> Path:
    return runs / name / f"{name}_ema_int8.pt"


def score_argv(row: str, name: str, runs: Path, splits: Path) -> list[str]:
    """Score the export on the ten splits at the row's clip length, keeping the predictions."""
    return [sys.executable, str(HERE / "split_spread.py"), str(exported(name, runs)),
            "--seeds", SPLIT_SEEDS, "--root", str(splits), "--threads", "1",
            "--clip-length", str(ROWS[row][2]), "--keep", str(runs / "preds")]


def score_table(out: str, name: str, export: Path) -> str:
    """The part of split_spread.py's output the docs keep, the export named by its run."""
    lines = out.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("AP over splits")), None)
    if start is None:
        raise CellError(f"{name}: no 'AP over splits' table in the scorer's output")
    text = "\n".join(lines[start:]) + "\n"
    return text.replace(str(export), f"{name} (average, int8 layer4)")


def _run(argv: list[str], log: Path | None = None) -> str:
    if log is None:
        return subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    with log.open("a") as f:
        subprocess.run(argv, check=True, stdout=f, stderr=subprocess.STDOUT)
    return ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("row", help=f"one of: {', '.join(ROWS)}")
    ap.add_argument("--seed", type=int, required=True, help="training seed")
    ap.add_argument("--start", type=Path, required=True, help="the shared start (bundled format)")
    ap.add_argument("--stream-seed", type=int, required=True)
    ap.add_argument("--runs", type=Path, required=True, help="folder of the run directories")
    ap.add_argument("--name", help="run name [ROW_s<seed>]")
    ap.add_argument("--splits", type=Path, default=Path("vistool_data/splits"),
                    help="folder of the valid splits (generated there if missing)")
    ap.add_argument("--docs", type=Path, help="copy the results under this folder")
    ap.add_argument("--print", dest="dry", action="store_true", help="print the commands and exit")
    args = ap.parse_args(argv)
    try:
        name = args.name or f"{args.row}_s{args.seed}"
        runs = args.runs.resolve()
        commands = [train_argv(args.row, name=name, seed=args.seed, start=args.start.resolve(),
                               stream_seed=args.stream_seed, runs=runs),
                    export_argv(name, runs), score_argv(args.row, name, runs, args.splits.resolve())]
        text = "\n".join(shlex.join(c) for c in commands) + "\n"
        if args.dry:
            sys.stdout.write(text)
            return 0
        if not args.start.is_file():
            raise CellError(f"{args.start}: no such start file")
        scored = runs / name / "split_spread.md"
        if scored.is_file():                       # a finished cell: its score is reused
            table = scored.read_text()
        else:
            scored.parent.mkdir(parents=True, exist_ok=True)
            (runs / name / "command.sh").write_text(text)
            _run(commands[0], log=runs / f"{name}.log")
            _run(commands[1])
            table = score_table(_run(commands[2]), name, exported(name, runs))
            write_text_atomic(scored, table)
        if args.docs is not None:
            dest = args.docs if args.seed == 0 else args.docs / f"seed{args.seed}"
            dest.mkdir(parents=True, exist_ok=True)
            write_text_atomic(dest / "split_spread.md", table)
            shutil.copyfile(runs / name / "metrics.csv", dest / "metrics.csv")
            shutil.copyfile(runs / name / "command.sh", dest / "command.sh")
        print(table, end="")
    except CellError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as e:
        print(f"error: {shlex.join(e.cmd[:2])} ... exited {e.returncode} (see {args.runs}/)",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
