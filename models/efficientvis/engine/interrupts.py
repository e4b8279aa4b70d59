"""How training meets Ctrl-C and SIGTERM (a scheduler such as SLURM sends SIGTERM to every
process of the job): the checkpoint is always that of a completed iteration.

* ``InterruptHold``: what ``train`` is given (``vistoolkit.cli.signals.HeldInterrupts``); a
  signal arriving inside ``hold()`` (one iteration) waits for ``check()`` after it.
* ``interrupt_together``: under DDP every process stops at the same iteration.
* ``workers_leave_signals_to_main``: DataLoader workers exit quietly on a signal; torch would
  report a worker killed by one as an error in the middle of the main process's iteration.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable
from typing import Protocol

import torch

from efficientvis.engine import distributed as D


class InterruptHold(Protocol):
    """Ctrl-C / SIGTERM handling given to ``train``."""

    def hold(self) -> contextlib.AbstractContextManager[None]:
        """A signal arriving inside waits for ``check``."""

    def check(self) -> None:
        """Raise ``KeyboardInterrupt`` for a held signal."""


def interrupt_together(check_interrupt: Callable[[], None], ctx: D.DistContext) -> None:
    """Run ``check_interrupt`` (which raises ``KeyboardInterrupt`` to stop); under DDP every
    process stops at the same iteration once any of them was interrupted (otherwise one would
    checkpoint while another waits in the next step's all-reduce)."""
    try:
        check_interrupt()
        raised: KeyboardInterrupt | None = None
    except KeyboardInterrupt as err:
        raised = err
    if ctx.distributed:
        flag = torch.tensor([float(raised is not None)], device=ctx.device)
        if D.all_reduce_sum(flag, ctx).item() > 0 and raised is None:
            raised = KeyboardInterrupt("another process was interrupted")
    if raised is not None:
        raise raised


def _exit_quietly(signum: int, frame: object) -> None:
    os._exit(0)


def workers_leave_signals_to_main(worker_id: int) -> None:
    """DataLoader ``worker_init_fn``: Ctrl-C / SIGTERM end a worker with exit status 0 (no
    traceback; torch's SIGCHLD check only objects to a failure or a death by signal). The main
    process finishes or abandons its iteration and checkpoints; a plain ``terminate()`` of the
    worker at shutdown still ends it."""
    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, _exit_quietly)
