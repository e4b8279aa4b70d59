"""``vistool``: a click group whose commands load lazily (``vistool eval`` never imports torch),
and the one place where errors become exit codes:

* ``InputError``, usage errors, and disk / permission errors (``USER_ERRNOS``): one line
  ``error: ...`` on stderr, exit 2;
* Ctrl-C: exit 130, SIGTERM: exit 143, quietly (both raise inside the command first, so partial
  outputs are removed and training checkpoints);
* a missing ``model`` extra: one line naming it, exit 2;
* anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno
import importlib
import logging
import sys

import click

from vistoolkit import __version__
from vistoolkit.cli.signals import exit_code, sigterm_as_exception
from vistoolkit.errors import InputError

# command name -> "module:attribute"; each command lives in its own module under vistoolkit.cli.
COMMANDS: dict[str, str] = {
    "validate": "vistoolkit.cli.validate_cmd:validate_command",
    "pack": "vistoolkit.cli.pack_cmd:pack_command",
    "data": "vistoolkit.cli.data_cmd:data_group",
    "eval": "vistoolkit.cli.eval_cmd:eval_command",
    "compare": "vistoolkit.cli.compare_cmd:compare_command",
    "link": "vistoolkit.cli.link_cmd:link_command",
    "reproduce": "vistoolkit.cli.reproduce_cmd:reproduce_command",
    "study": "vistoolkit.cli.study_cmd:study_group",
    "pretrain": "vistoolkit.cli.pretrain_cmd:pretrain_command",
    "train": "vistoolkit.cli.train_cmd:train_command",
    "infer": "vistoolkit.cli.infer_cmd:infer_command",
    "demo": "vistoolkit.cli.demo_cmd:demo_command",
    "viz": "vistoolkit.cli.viz_cmd:viz_command",
    "curves": "vistoolkit.cli.curves_cmd:curves_command",
}

# packages of the `model` extra (pyproject.toml); commands that need them say so when missing
MODEL_EXTRA = ("torch", "torchvision")

# OSErrors that are the user's environment, not a bug: disk full, quota, read-only file system,
# permissions, a path of the wrong kind, a name too long
USER_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM,
                         errno.EISDIR, errno.ENOTDIR, errno.EFBIG, errno.ENAMETOOLONG,
                         errno.EEXIST})
_INPUT_ERROR_PREFIX = "vistoolkit.errors.InputError: "


def one_line(message: str) -> str:
    """An error message on one line. An ``InputError`` re-raised from a DataLoader worker
    carries the worker's traceback; its last line is the original message."""
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    if len(lines) <= 1:
        return lines[0] if lines else ""
    last = lines[-1]
    return last[len(_INPUT_ERROR_PREFIX):] if last.startswith(_INPUT_ERROR_PREFIX) else \
        " ".join(lines)


def _fail(message: str) -> None:
    click.echo(f"error: {one_line(message)}", err=True)


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

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra) -> object:
        """click's ``main``, but a usage error is one line ``error: ...`` (exit 2) and SIGTERM
        raises ``Terminated`` while the command runs."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        with sigterm_as_exception():
            try:
                code = super().main(args, prog_name, complete_var, False, **extra)
            except click.exceptions.NoArgsIsHelpError as err:   # bare `vistool`: the help
                err.show()
                sys.exit(2)
            except click.ClickException as err:
                hint = f" (see {err.ctx.command_path} --help)" if getattr(err, "ctx", None) \
                    else ""
                _fail(err.format_message() + hint)
                sys.exit(2)
            except click.Abort as err:          # Ctrl-C while click parses (rare)
                sys.exit(exit_code(err.__context__) if isinstance(
                    err.__context__, KeyboardInterrupt) else 130)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except InputError as err:
            _fail(str(err))
            ctx.exit(2)
        except KeyboardInterrupt as err:        # Ctrl-C: 130, SIGTERM: 143, no "Aborted!"
            ctx.exit(exit_code(err))
        except OSError as err:
            if err.errno not in USER_ERRNOS:
                raise
            where = f"{err.filename}: " if err.filename else ""
            _fail(f"{where}{err.strerror or err}")
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
