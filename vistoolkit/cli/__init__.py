"""The ``vistool`` command line."""

from vistoolkit.cli.main import main

__all__ = ["main"]
