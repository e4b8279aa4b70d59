"""``--threads`` for every command that runs the model, and its default.

Measured on 2 shared cores (``benchmarks/bench_threads.py``, docs/benchmarks.md): 2 torch threads
beside one other busy process ran 5-10x slower than 1 thread (OpenMP threads waiting for a
core), while on an idle machine they gained far less than 2x. The default is therefore half the
cores, at least 1: 1 thread on a 2-core machine.
"""

from __future__ import annotations

import os

import click

threads_option = click.option(
    "--threads", type=click.IntRange(min=1), default=None,
    help="torch CPU threads [half the cores, at least 1].")


def default_threads(cpus: int | None = None) -> int:
    """Half of ``cpus`` (default: this machine's), at least 1."""
    return max(1, (cpus if cpus is not None else os.cpu_count() or 1) // 2)


def set_threads(threads: int | None) -> int:
    """Set torch's intra-op threads to ``threads`` (None: ``default_threads()``); returns it."""
    import torch

    n = threads if threads is not None else default_threads()
    torch.set_num_threads(n)
    return n
