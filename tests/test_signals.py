"""``HeldInterrupts``: a signal inside ``hold()`` waits for ``check()``; one raised at once but
swallowed by a finaliser is raised again by ``check()``, and the finaliser's report is silent."""

from __future__ import annotations

import signal
import sys
import types

import pytest

from vistoolkit.cli.signals import HeldInterrupts, Terminated, held_interrupts


def test_signal_inside_hold_waits_for_check() -> None:
    held = HeldInterrupts()
    with held.hold():
        held.handler(signal.SIGTERM, None)
    with pytest.raises(Terminated):
        held.check()


def test_second_signal_inside_hold_raises_at_once() -> None:
    held = HeldInterrupts()
    with held.hold():
        held.handler(signal.SIGINT, None)
        with pytest.raises(KeyboardInterrupt):
            held.handler(signal.SIGINT, None)


def test_swallowed_interrupt_is_raised_again_by_check() -> None:
    held = HeldInterrupts()
    try:                                  # what a finaliser does with the handler's exception
        held.handler(signal.SIGINT, None)
    except KeyboardInterrupt:
        pass
    with pytest.raises(KeyboardInterrupt):
        held.check()


def test_check_without_signal_does_nothing() -> None:
    HeldInterrupts().check()


def test_unraisable_hook_silences_only_the_pending_interrupt() -> None:
    seen: list[object] = []
    with held_interrupts() as held:
        report = types.SimpleNamespace(exc_value=KeyboardInterrupt("signal 2"))
        hook = held.unraisable(seen.append)
        hook(report)                      # nothing pending yet: passed on
        held.pending = signal.SIGINT
        hook(report)                      # the swallowed interrupt: silent
        other = types.SimpleNamespace(exc_value=ValueError("x"))
        hook(other)                       # anything else: passed on
    assert seen == [report, other]


def test_held_interrupts_restores_handlers_and_hook() -> None:
    before = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM), sys.unraisablehook)
    with held_interrupts():
        assert sys.unraisablehook is not before[2]
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM),
            sys.unraisablehook) == before
