"""vistoolkit.linking."""
