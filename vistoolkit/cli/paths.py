"""Checks of a command's output paths before any work is done (run by ``ToolCommand``).

A command's outputs are its ``click.Path`` parameters that name a file which need not exist
(``dir_okay=False, exists=False``: ``-o``, ``--json``, ``--csv``); its other path parameters are
inputs. An output must not be an input of the same command (``vistool eval GT p.json --json
p.json``), must not be a directory, and its directory must be writable; otherwise the command
stops with one line and exit 2 before it computes anything.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import click

from vistoolkit.cli.arguments import refuse_empty_values
from vistoolkit.errors import InputError


def _nearest_existing(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_writable(path: Path, *, where: str = "", is_dir: bool = False) -> None:
    """Refuse a file output that is a directory, a directory output that is a file, and a
    target that does not exist yet in a directory that cannot be written. (An existing
    directory output is not checked further: it may be a read-only cache.)"""
    if path.exists():
        if path.is_dir() != is_dir:
            raise InputError("is a directory" if path.is_dir() else "is a file, not a directory",
                             path=path, where=where)
        if is_dir:
            return
    anchor = _nearest_existing(path if is_dir else path.parent)
    if not anchor.is_dir():
        raise InputError(f"{anchor} is not a directory", path=path, where=where)
    if not os.access(anchor, os.W_OK | os.X_OK):
        raise InputError(f"cannot write in {anchor} (permission denied or read-only)",
                         path=path, where=where)


def refuse_overwrite(inputs: Iterable[tuple[str, Path]],
                     outputs: Iterable[tuple[str, Path]]) -> None:
    """``InputError`` if an output is the same file as an input (names as given by the user)."""
    inputs = list(inputs)
    for out_name, out in outputs:
        for in_name, inp in inputs:
            if _same_file(out, inp):
                raise InputError(f"would overwrite the input {in_name} {inp}; choose another "
                                 "output path", path=out, where=out_name)


def _option_name(param: click.Parameter) -> str:
    return param.opts[-1] if param.opts and param.opts[-1].startswith("-") else \
        (param.name or "").upper()


def _values(value: object) -> Sequence[Path]:
    items = value if isinstance(value, (tuple, list)) else (value,)
    return [Path(v) for v in items if isinstance(v, (str, os.PathLike))]


def check_command_paths(command: click.Command, params: dict[str, object]) -> None:
    """The checks of the module docstring for one invocation (``params``: ``ctx.params``)."""
    inputs, outputs = [], []
    for param in command.params:
        kind = param.type
        if not isinstance(kind, click.Path) or params.get(param.name or "") is None:
            continue
        name = _option_name(param)
        for path in _values(params[param.name or ""]):
            if not kind.exists and not kind.dir_okay:
                outputs.append((name, path))
            elif not kind.exists and not kind.file_okay:      # a directory it may create
                check_writable(path, where=name, is_dir=True)
            else:
                inputs.append((name, path))
    for name, path in outputs:
        check_writable(path, where=name)
    refuse_overwrite(inputs, outputs)



class ToolCommand(click.Command):
    """The command class of every ``vistool`` command: its output paths (module docstring)
    and its text options (``vistoolkit.cli.arguments``) are checked before it runs."""

    def invoke(self, ctx: click.Context) -> object:
        refuse_empty_values(ctx)
        check_command_paths(self, ctx.params)
        return super().invoke(ctx)
