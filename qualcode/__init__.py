"""qualcode — qualitative coding and category building for session protocols."""

__version__ = "0.1.0"
