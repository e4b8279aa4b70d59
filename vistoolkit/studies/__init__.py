"""vistoolkit.studies."""
