"""vistoolkit.viz."""
