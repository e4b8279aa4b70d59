"""``vistool``: a click group whose commands load lazily (``vistool eval`` never imports torch)."""

from __future__ import annotations

import importlib
import logging

import click

from vistoolkit import __version__
from vistoolkit.errors import InputError

# command name -> "module:attribute"; each command lives in its own module under vistoolkit.cli.
COMMANDS: dict[str, str] = {
    "validate": "vistoolkit.cli.validate_cmd:validate_command",
    "pack": "vistoolkit.cli.pack_cmd:pack_command",
    "data": "vistoolkit.cli.data_cmd:data_group",
    "eval": "vistoolkit.cli.eval_cmd:eval_command",
    "link": "vistoolkit.cli.link_cmd:link_command",
    "reproduce": "vistoolkit.cli.reproduce_cmd:reproduce_command",
    "study": "vistoolkit.cli.study_cmd:study_group",
    "train": "vistoolkit.cli.train_cmd:train_command",
    "infer": "vistoolkit.cli.infer_cmd:infer_command",
    "demo": "vistoolkit.cli.demo_cmd:demo_command",
    "viz": "vistoolkit.cli.viz_cmd:viz_command",
}

# packages of the `model` extra (pyproject.toml); commands that need them say so when missing
MODEL_EXTRA = ("torch", "torchvision")


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command is used or listed,
    and turns ``InputError`` into one line on stderr with exit code 2."""

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            module_name, attr = self.lazy[cmd_name].split(":")
            return getattr(importlib.import_module(module_name), attr)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except InputError as err:
            click.echo(f"error: {err}", err=True)
            ctx.exit(2)
        except ModuleNotFoundError as err:
            if (err.name or "").split(".")[0] not in MODEL_EXTRA:
                raise
            click.echo(f"error: `vistool {ctx.invoked_subcommand}` needs the model extra "
                       f"({err.name} is not installed): pip install 'vistoolkit[model]'",
                       err=True)
            ctx.exit(2)


@click.group(cls=LazyGroup, lazy=COMMANDS)
@click.version_option(__version__, prog_name="vistool")
@click.option("-v", "--verbose", is_flag=True, help="Log progress details to stderr.")
def main(verbose: bool) -> None:
    """YouTube-VIS data tools, official-exact evaluation and EfficientVIS experiments."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
