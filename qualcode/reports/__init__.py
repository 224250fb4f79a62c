"""Reports over a project: frequency tables, co-occurrence, coded segments, code matrix.

Core modules (no UI imports): the CLI (`qualcode report …`) and the TUI's
frequency view call the same functions and get plain dicts back; the writers in
:mod:`qualcode.reports.export` turn them into CSV, XLSX, Markdown, JSON and DOCX.
Imports are lazy so that the light modules (``freqcore``, ``export``) load
without SQLAlchemy.
"""

from __future__ import annotations

from typing import Any

__all__ = ["frequency_table"]


def __getattr__(name: str) -> Any:
    if name == "frequency_table":
        from qualcode.reports.frequency import frequency_table

        return frequency_table
    raise AttributeError(name)
