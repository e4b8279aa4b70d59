"""Ctrl-C and SIGTERM for ``vistool``: both become exceptions, so that partial outputs are
removed and training checkpoints; exit codes 130 (SIGINT) and 143 (SIGTERM, what schedulers
such as SLURM send)."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

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


def _exception(signum: int) -> KeyboardInterrupt:
    return (Terminated if signum == signal.SIGTERM else KeyboardInterrupt)(f"signal {signum}")


class HeldInterrupts:
    """Ctrl-C / SIGTERM during a training run (installed by ``held_interrupts``): a signal
    raises at once, except inside ``hold()`` (one iteration: weights, BatchNorm buffers and
    optimiser change together), where it waits for ``check()``; a second one raises at once.
    The first signal stays pending either way, so ``check()`` raises it even when the exception
    raised at once was swallowed (a signal landing in a finaliser, such as a DataLoader's)."""

    def __init__(self) -> None:
        self.pending: int | None = None
        self._depth = 0

    def handler(self, signum: int, frame: object) -> None:
        first = self.pending is None
        if first:
            self.pending = signum
        if self._depth and first:
            return
        raise _exception(signum)

    def unraisable(self, previous: Callable[[Any], None]) -> Callable[[Any], None]:
        """A ``sys.unraisablehook`` that silences the interrupt a finaliser swallowed (``check()``
        raises it again) and passes everything else to ``previous``."""
        def hook(info: Any) -> None:
            if not (self.pending is not None and isinstance(info.exc_value, KeyboardInterrupt)):
                previous(info)
        return hook

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Signals arriving inside wait for the next ``check()``."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1

    def check(self) -> None:
        """Raise ``KeyboardInterrupt`` (``Terminated`` for SIGTERM) for a held signal."""
        if self.pending is not None:
            raise _exception(self.pending)


@contextlib.contextmanager
def held_interrupts() -> Iterator[HeldInterrupts]:
    """SIGINT and SIGTERM go to a ``HeldInterrupts`` while inside (main thread only)."""
    held = HeldInterrupts()
    if not _in_main_thread():
        yield held
        return
    previous = {s: signal.signal(s, held.handler) for s in (signal.SIGINT, signal.SIGTERM)}
    previous_hook, sys.unraisablehook = sys.unraisablehook, held.unraisable(sys.unraisablehook)
    try:
        yield held
    finally:
        sys.unraisablehook = previous_hook
        for s, h in previous.items():
            signal.signal(s, h)
