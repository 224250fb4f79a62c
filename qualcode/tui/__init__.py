"""The coding workbench (Textual). ``qualcode`` and ``qualcode tui`` call :func:`run`."""

from __future__ import annotations


def run(db: str | None, coder: str) -> None:
    """Open the project ``db`` in the workbench as ``coder`` (blocks until quit)."""
    from qualcode.tui.app import make_app

    make_app(db, coder).run()
