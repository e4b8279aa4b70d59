"""``python -m vistoolkit.cli`` (e.g. ``torchrun -m vistoolkit.cli train ...``)."""

from vistoolkit.cli.main import main

main(prog_name="vistool")
