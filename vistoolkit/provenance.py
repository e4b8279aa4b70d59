"""Provenance of a report: what made it, from what, how (the ``provenance`` key of every
report or metrics JSON the toolkit writes; result files keep the official list format).

``provenance(...)`` gives the toolkit version, the git commit of a source checkout (read from
``.git`` without running git; None for an installed package), the command line, the data path,
every input path and, for a checkpoint, its sha256.
"""

from __future__ import annotations

import datetime
import hashlib
import platform
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from vistoolkit import __version__

_SOURCE_ROOT = Path(__file__).resolve().parents[1]


def file_sha256(path: Path | str) -> str:
    """Hex sha256 of a file's bytes (read in 1 MiB blocks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _git_dir(root: Path) -> Path | None:
    dot = root / ".git"
    if dot.is_dir():
        return dot
    if dot.is_file():                                  # a worktree: "gitdir: <path>"
        text = dot.read_text(encoding="utf-8").strip()
        if text.startswith("gitdir:"):
            return (root / text[len("gitdir:"):].strip()).resolve()
    return None


def git_commit(root: Path | None = None) -> str | None:
    """The commit checked out at ``root`` (default: this package's source tree), or None."""
    git = _git_dir(root or _SOURCE_ROOT)
    try:
        head = (git / "HEAD").read_text(encoding="utf-8").strip() if git else ""
        if not head.startswith("ref:"):
            return head or None
        ref = head[len("ref:"):].strip()
        common = git / "commondir"
        base = (git / common.read_text(encoding="utf-8").strip()).resolve() \
            if common.is_file() else git
        for where in (git, base):
            if (where / ref).is_file():
                return (where / ref).read_text(encoding="utf-8").strip()
        packed = base / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="utf-8").splitlines():
                sha, _, name = line.partition(" ")
                if name == ref:
                    return sha
    except OSError:
        return None
    return None


def provenance(*, data: Path | str | None = None, checkpoint: Path | str | None = None,
               inputs: Mapping[str, Path | str | None] | None = None,
               argv: Sequence[str] | None = None) -> dict[str, Any]:
    """The ``provenance`` record of a report.

    Args:
        data: the dataset directory or annotation file the numbers come from.
        checkpoint: the model checkpoint used (its sha256 is included).
        inputs: other input files by role (``{"gt": ..., "predictions": ...}``).
        argv: the command line (default: this process's ``sys.argv``).
    """
    out: dict[str, Any] = {
        "tool": "vistoolkit", "version": __version__, "git_commit": git_commit(),
        "python": platform.python_version(),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": list(sys.argv if argv is None else argv),
        "data": None if data is None else str(Path(data).absolute()),
    }
    if inputs:
        out["inputs"] = {k: None if v is None else str(Path(v).absolute())
                         for k, v in inputs.items()}
    if checkpoint is not None:
        out["checkpoint"] = {"path": str(Path(checkpoint).absolute()),
                             "sha256": file_sha256(checkpoint)}
    return out
