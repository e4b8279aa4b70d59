"""``vistool reproduce``: Table 1 ablations of the EfficientVIS paper, ours beside the paper's."""

from __future__ import annotations

from pathlib import Path

import click

from vistoolkit.cli.paths import ToolCommand
from vistoolkit.cli.threads import set_threads, threads_option

TABLES = ("table1a", "table1b", "table1c", "table1d", "table1e", "table1f", "table1g", "table1h",
          "all")


@click.command("reproduce", cls=ToolCommand)
@click.argument("tables", nargs=-1, required=True, type=click.Choice(TABLES))
@click.option("--data", "data_root", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="YouTube-VIS directory (default: the synthetic benchmark, generated if missing).")
@click.option("--budget", type=click.Choice(["smoke", "quick", "full", "cpu"]), default="quick",
              show_default=True, help="Training length per cell (cpu: every cell continues "
              "a shared start 500 iterations, scored on ten valid splits).")
@click.option("--start", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The shared start of --budget cpu (default: the bundled checkpoint).")
@click.option("--plan", is_flag=True, help="Print what would be computed (cells, trainings, "
              "iterations) and exit.")
@click.option("--seeds", type=click.IntRange(min=1), help="Seeds per row (default 3; smoke 1).")
@click.option("--preset", type=click.Choice(["micro", "tiny", "paper"]), default="tiny",
              show_default=True, help="Model preset (clip lengths 9/18/36 -> 3/6/9 unless paper; --budget cpu "
              "takes the start's, docs/reproduction.md).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("runs/reproduce"), show_default=True, help="Cache and reports.")
@click.option("--device", default="cpu", show_default=True, help="cpu or cuda.")
@click.option("--resume", is_flag=True, help="Continue trainings that were interrupted.")
@click.option("--evidence", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Build the tables from the scored runs listed in this manifest (e.g. "
              "docs/results/table1/evidence.json) instead of training; reports go to --out.")
@threads_option
def reproduce_command(tables: tuple[str, ...], data_root: Path | None, budget: str,
                      seeds: int | None, preset: str, out_dir: Path, device: str,
                      resume: bool, threads: int | None, plan: bool,
                      evidence: Path | None, start: Path | None) -> None:
    """Train and evaluate every row of the Table 1 TABLES (table1a..table1h or all).

    Finished cells are cached in --out; rerunning computes only what is missing.
    """
    from vistoolkit.atomic import write_json_atomic
    from vistoolkit.provenance import provenance
    from vistoolkit.studies.report import format_markdown
    from vistoolkit.studies.reproduce import BUDGETS, TABLE1, cell_plan, reproduce, resolve_start

    if evidence is not None:
        from vistoolkit.studies.finetune_evidence import reproduce_from_evidence

        for res in reproduce_from_evidence(evidence, tables, out_dir):
            click.echo(format_markdown(res))
        click.echo(f"reports in {out_dir}")
        return
    if plan:
        names = list(TABLE1) if "all" in tables else list(tables)
        b = BUDGETS[budget]
        info = cell_plan(names, seeds=range(b.seeds if seeds is None else seeds), preset=preset,
                         budget=b, data_root=data_root or out_dir / "data",
                         start=resolve_start(b, start, preset))
        click.echo(", ".join(f"{k} {v}" for k, v in info.items()))
        return

    set_threads(threads)

    results = reproduce(list(tables), out_dir=out_dir, budget=budget, seeds=seeds, preset=preset,
                        data_root=data_root, device=device, resume=resume, progress=True,
                        start=start)
    write_json_atomic(out_dir / "provenance.json", provenance(data=data_root))
    for res in results:
        click.echo(format_markdown(res, budget=BUDGETS[budget], preset=preset))
    click.echo(f"reports in {out_dir}")
