"""vistoolkit.eval."""
