"""Ctrl-C and SIGTERM for ``vistool``: both become exceptions, so that partial outputs are
removed and training checkpoints; exit codes 130 (SIGINT) and 143 (SIGTERM, what schedulers
such as SLURM send)."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass

EXIT_SIGINT = 128 + signal.SIGINT     # 130
EXIT_SIGTERM = 128 + signal.SIGTERM   # 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C's ``KeyboardInterrupt`` (and caught where it is)."""


def exit_code(err: KeyboardInterrupt) -> int:
    """130 for Ctrl-C, 143 for SIGTERM."""
    return EXIT_SIGTERM if isinstance(err, Terminated) else EXIT_SIGINT


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated(f"signal {signum}")


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def sigterm_as_exception() -> Iterator[None]:
    """While inside, SIGTERM raises ``Terminated`` in the main thread (no-op elsewhere)."""
    if not _in_main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@dataclass
class StopRequest:
    """Set by the first SIGINT/SIGTERM inside ``deferred_interrupts``; ``signum`` says which."""

    signum: int | None = None

    def __bool__(self) -> bool:
        return self.signum is not None

    def exception(self) -> KeyboardInterrupt:
        """The exception the deferred signal stands for."""
        if self.signum == signal.SIGTERM:
            return Terminated(f"signal {self.signum}")
        return KeyboardInterrupt(f"signal {self.signum}")


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[StopRequest]:
    """SIGINT/SIGTERM only set the yielded ``StopRequest`` (the training loop stops after the
    iteration in progress, so the state it saves is that of a completed iteration); a second
    signal interrupts at once."""
    request = StopRequest()
    if not _in_main_thread():
        yield request
        return

    def handler(signum: int, frame: object) -> None:
        if request:
            raise (Terminated if signum == signal.SIGTERM else KeyboardInterrupt)(
                f"signal {signum}")
        request.signum = signum

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield request
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
