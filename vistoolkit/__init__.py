"""vistoolkit: YouTube-VIS data tools, official-exact video AP evaluation, EfficientVIS experiments."""

__version__ = "0.1.0"
