"""gridwalker: offline terminal app for urban grid members (网格员)."""

__version__ = "0.1.0"
