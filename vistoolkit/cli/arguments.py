"""Checks of a command's non-path arguments before it runs (by ``ToolCommand``): an option
given an empty value, such as ``--categories ""``, which would otherwise mean "all"."""

from __future__ import annotations

import click
from click.core import ParameterSource

from vistoolkit.errors import InputError


def refuse_empty_values(ctx: click.Context) -> None:
    """``InputError`` for a text option typed on the command line with an empty value."""
    for param in ctx.command.params:
        if not isinstance(param, click.Option) or param.type is not click.STRING:
            continue
        if ctx.get_parameter_source(param.name or "") is not ParameterSource.COMMANDLINE:
            continue
        value = ctx.params.get(param.name or "")
        values = value if isinstance(value, (tuple, list)) else (value,)
        if any(isinstance(v, str) and not v.strip() for v in values):
            raise InputError(f"{param.opts[-1]} was given an empty value")
