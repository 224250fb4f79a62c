"""The Textual application: one engine, one coder, every action one audited transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from qualcode import audit
from qualcode.database import reading, transaction
from qualcode.errors import QualcodeError

T = TypeVar("T")


class QualcodeApp(App):
    """The coding workbench. ``engine`` and ``coder`` come from outside (see :func:`make_app`)."""

    CSS_PATH = "app.tcss"
    TITLE = "qualcode"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("f1,question_mark", "help", "Help", key_display="F1"),
        Binding("ctrl+z,u", "undo", "Undo", key_display="u"),
        Binding("ctrl+y,U", "redo", "Redo", show=False),
        Binding("q,ctrl+q", "quit", "Quit", show=False, priority=False),
    ]

    def __init__(
        self,
        engine: Engine,
        coder: str,
        *,
        db_label: str = "",
        open_document: int | None = None,
        suggestions: bool = True,
    ) -> None:
        super().__init__()
        self.suggestions = suggestions
        self.engine = engine
        self.coder = coder
        self.db_label = db_label
        self.open_document = open_document
        self.sub_title = f"{db_label} · coder {coder}" if db_label else f"coder {coder}"

    def get_default_screen(self) -> Screen:
        from qualcode.tui.screens.coding import CodingScreen

        return CodingScreen()

    # --- database -------------------------------------------------------------------------------

    def act(
        self, command: str, fn: Callable[[Any], T], *, quiet: bool = False
    ) -> tuple[bool, T | None]:
        """Run ``fn(session)`` as one audited transaction; expected errors become a notification."""
        try:
            with transaction(self.engine, command=command, coder=self.coder) as session:
                result = fn(session)
        except QualcodeError as exc:
            if not quiet:
                self.notify(str(exc), severity="error", timeout=6)
            return False, None
        except SQLAlchemyError as exc:  # locked, read-only, disk full: nothing was changed
            orig = getattr(exc, "orig", exc)
            self.notify(
                f"database error, nothing was changed: {orig}", severity="error", timeout=10
            )
            return False, None
        return True, result

    def read(self, fn: Callable[[Any], T]) -> T:
        with reading(self.engine) as session:
            return fn(session)

    def _step(self, undo: bool) -> None:
        def run(session):
            entries = (
                audit.undo(session, 1, self.coder) if undo else audit.redo(session, 1, self.coder)
            )
            return [e.command for e in entries]

        try:
            with transaction(
                self.engine,
                command="tui: undo" if undo else "tui: redo",
                coder=self.coder,
                record=False,
            ) as session:
                commands = run(session)
        except QualcodeError as exc:
            self.notify(str(exc), severity="warning")
            return
        except SQLAlchemyError as exc:
            self.notify(f"database error: {getattr(exc, 'orig', exc)}", severity="error")
            return
        self.notify(("undone: " if undo else "redone: ") + ", ".join(commands))
        self.refresh_data()

    def action_undo(self) -> None:
        self._step(True)

    def action_redo(self) -> None:
        self._step(False)

    def refresh_data(self) -> None:
        """Reload what the screens show after a change (undo/redo, merge…)."""
        for screen in self.screen_stack:
            reload = getattr(screen, "reload_all", None)
            if reload is not None:
                reload()

    # --- discoverability ------------------------------------------------------------------------

    def action_help(self) -> None:
        from qualcode.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def _palette(self, action: str, target: str) -> None:
        screen = self.screen
        if target == "app":
            node = self
        elif target == "screen":
            node = screen
        else:
            found = screen.query(target)
            if not found:
                self.notify("not available on this screen", severity="warning")
                return
            node = found.first()
        self.call_later(self.run_action, action, node)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        from qualcode.tui.screens.help import binding_sections

        seen: set[str] = set()
        for section, target, bindings in binding_sections():
            if target is None:
                continue
            for b in bindings:
                if b.action in seen or b.action == "quit":
                    continue
                seen.add(b.action)
                keys = b.key_display or " / ".join(k.strip() for k in b.key.split(","))
                yield SystemCommand(
                    b.description,
                    f"{section} · key {keys}",
                    partial(self._palette, b.action, target),
                )


def make_app(db: str | None, coder: str, **kw) -> QualcodeApp:
    """The real app: opens (does not create) the project database."""
    from qualcode.config import database_url
    from qualcode.database import make_engine

    engine = make_engine(db)
    return QualcodeApp(engine, coder, db_label=_label(database_url(db)), **kw)


def _label(url: str) -> str:
    from pathlib import Path

    from qualcode.config import sqlite_path

    path = sqlite_path(url)
    return Path(path).name if path is not None else url.split("@")[-1]
