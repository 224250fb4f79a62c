"""Reports over a project: frequency tables, co-occurrence, coded segments, code matrix.

Core modules (no UI imports): the CLI (`qualcode report …`) and the TUI's
frequency view call the same functions and get plain dicts back; the writers in
:mod:`qualcode.reports.export` turn them into CSV, XLSX, Markdown, JSON and DOCX.
"""

from qualcode.reports.frequency import frequency_table

__all__ = ["frequency_table"]
