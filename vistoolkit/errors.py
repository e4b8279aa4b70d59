"""The one expected-error type of the toolkit."""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """Invalid user file or record; the CLI prints it as one line and exits 2."""

    def __init__(self, message: str, *, path: Path | str | None = None, where: str = "") -> None:
        super().__init__(message)
        self.path, self.where = path, where

    def __str__(self) -> str:
        return ": ".join(str(p) for p in (self.path, self.where, self.args[0]) if p)
