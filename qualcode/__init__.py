"""qualcode — qualitative coding and category building for session protocols."""

__version__ = "0.2.0"  # the one place of the version (pyproject.toml reads it)
