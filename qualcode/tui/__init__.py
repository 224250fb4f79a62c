"""The coding workbench (Textual). ``qualcode`` and ``qualcode tui`` call :func:`run`."""

from __future__ import annotations


def run(
    db: str | None, coder: str, sample: str | None = None, *, coder_source: str = "given"
) -> None:
    """Open the project ``db`` in the workbench as ``coder`` (blocks until quit); ``sample``:
    a check sample to re-code in blind mode; ``coder_source``: where the name came from
    (:class:`qualcode.coder.CoderChoice`; the login name may be asked about)."""
    from qualcode.tui.app import make_app

    app = make_app(db, coder, sample=sample, coder_source=coder_source)
    app.run()
    if app.startup_error is not None:  # the engine could not be opened after the first frame
        raise app.startup_error
