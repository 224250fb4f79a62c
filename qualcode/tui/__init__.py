"""The coding workbench (Textual). ``qualcode`` and ``qualcode tui`` call :func:`run`."""

from __future__ import annotations


def run(db: str | None, coder: str) -> None:
    """Open the project ``db`` in the workbench as ``coder`` (blocks until quit)."""
    from qualcode.tui.app import make_app

    app = make_app(db, coder)
    app.run()
    if app.startup_error is not None:  # the engine could not be opened after the first frame
        raise app.startup_error
