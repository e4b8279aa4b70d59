"""A found problem of an input file (``Problem``), the kinds evaluation tolerates or only warns
about, and ``raise_first``, which turns a list of problems into one ``InputError``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vistoolkit.errors import InputError

# Kinds that ``vistool eval --lenient`` tolerates (official behaviour: truncate / zero IoU / drop).
LENIENT_KINDS = frozenset({"length", "size", "unknown_category"})
# Problems that `vistool validate` reports but evaluation only warns about: the official evaluator
# gives them a defined meaning (an exact copy of a prediction is one more false positive).
WARNING_KINDS = frozenset({"duplicate"})


@dataclass(frozen=True, slots=True)
class Problem:
    """One invalid record: ``kind`` (e.g. ``"size"``), a one-line ``message`` and ``where``."""

    kind: str
    message: str
    where: str

    def line(self, path: Path | str | None = None) -> str:
        """``FILE: where: message [kind]`` on one line."""
        head = ": ".join(str(p) for p in (path, self.where) if p)
        return f"{head}: {self.message} [{self.kind}]"


def raise_first(problems: Sequence[Problem], *, path: Path | str | None) -> None:
    """Raise ``InputError`` for ``problems[0]`` (counting the others); do nothing if empty."""
    if not problems:
        return
    first = problems[0]
    more = f" (+{len(problems) - 1} more problem(s); run `vistool validate`)" if len(problems) > 1 else ""
    raise InputError(first.message + more, path=path, where=first.where)
