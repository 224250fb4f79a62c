"""The Textual application: one engine, one coder, every action one audited transaction.

Start-up on a SQLite project (:func:`make_app`): the first screen is read with plain
:mod:`sqlite3` and painted before SQLAlchemy/SQLModel are imported (about half a second);
the engine is opened in a worker thread right after the first frame. Reads of the panels
(:mod:`qualcode.tui.data`) run on that connection until the engine is open, then through
sessions — the same SQL either way. Anything that needs the engine before it is open (a
coding action in the first half second, say) waits for it, on the main thread: the
screen pauses for at most that moment, and every key is still handled, in order.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from qualcode.config import ENV_CODER_LOCKED
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy.engine import Engine

T = TypeVar("T")

ENGINE_DELAY = 0.1  # seconds after the first frame before the engine is opened in a worker
EMBEDDER_DELAY = 1.0  # seconds after the first frame before the background embedder is started
CODER_LOCKED_ENV = ENV_CODER_LOCKED  # (qualcode.config: `serve --users` sets it)


class QualcodeApp(App):
    """The coding workbench. ``engine`` and ``coder`` come from outside (see :func:`make_app`).

    ``engine`` is an open engine, or None with ``opener`` (makes one; called once, in a
    worker after the first frame) and ``fast`` (a read-only :mod:`sqlite3` connection to
    the same project for the reads until then).
    """

    CSS_PATH = "app.tcss"
    TITLE = "qualcode"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("f1,question_mark", "help", "Help", key_display="F1"),
        Binding("ctrl+z,u", "undo", "Undo", key_display="u"),
        Binding("ctrl+y,U", "redo", "Redo", show=False),
        Binding("q,ctrl+q", "quit", "Quit", show=False, priority=False),
        Binding("ctrl+f", "search_document", "Search the open document", show=False),
        Binding("ctrl+shift+f", "search_project", "Search all documents", show=False),
        Binding("f9", "matrix", "Code matrix (documents × codes)", key_display="F9", show=False),
        Binding("ctrl+e", "restrict_to_set", "Show only the documents of a set", show=False),
    ]

    def __init__(
        self,
        engine: Engine | None,
        coder: str,
        *,
        db_label: str = "",
        open_document: int | None = None,
        suggestions: bool = True,
        opener: Callable[[], Engine] | None = None,
        fast: sqlite3.Connection | None = None,
        sample: str | None = None,
        project_url: str | None = None,
        coder_source: str = "given",
        read_only: bool = False,
        coder_locked: bool | None = None,
    ) -> None:
        super().__init__()
        self.project_url = project_url  # set by make_app: start the background embedder
        self.sample = sample  # a check sample to open in blind mode at start
        if engine is None and opener is None:
            raise ValueError("QualcodeApp needs an engine or an opener")
        self.suggestions = suggestions
        self._engine = engine
        self._opener = opener
        self._engine_lock = threading.Lock()
        self._fast = fast if engine is None else None
        self.startup_error: QualcodeError | None = None
        self.coder = coder
        # where the name came from (qualcode.coder): "login" may ask who is coding at start
        self.coder_source = coder_source
        # the coder may not be changed (a login of `qualcode serve --users`); default: the env
        self.coder_locked = (
            os.environ.get(CODER_LOCKED_ENV) == "1" if coder_locked is None else coder_locked
        )
        self._read_only = read_only  # known before the engine is open (see make_app)
        self.db_label = db_label
        self.open_document = open_document
        self._set_sub_title()
        # the screen each typed key was sent to (see on_event)
        self._key_screens: weakref.WeakKeyDictionary[events.Key, Screen] = (
            weakref.WeakKeyDictionary()
        )

    async def on_event(self, event: events.Event) -> None:
        """Type-ahead: keys typed faster than a screen opens belong to the new screen.

        Textual sends each key to the widget focused when it arrives; `c` followed at once
        by a code name (a fast typist, a paste) would send the name to the text view,
        where it comes back unused after the picker opened — and Enter would pick the
        first code of the unfiltered list. Such a key is sent again, to the screen on top.
        """
        if isinstance(event, events.Key):
            if not event.is_forwarded:
                self._key_screens[event] = self.screen
            else:
                sent_to = self._key_screens.pop(event, None)
                if sent_to is not None and sent_to is not self.screen:
                    self.post_message(events.Key(event.key, event.character))
                    return
        await super().on_event(event)

    def get_default_screen(self) -> Screen:
        from qualcode.tui.screens.mayring_coding import MayringCodingScreen

        return MayringCodingScreen()

    # --- database -------------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The engine; opened here (any thread) if the start-up worker has not finished yet."""
        engine = self._engine
        return engine if engine is not None else self._open_engine()

    @property
    def engine_ready(self) -> bool:
        return self._engine is not None

    def _open_engine(self) -> Engine:
        with self._engine_lock:  # the worker and a waiting caller never open it twice
            if self._engine is None:
                assert self._opener is not None
                self._engine = self._opener()
            return self._engine

    def _set_sub_title(self) -> None:
        parts = [self.db_label] if self.db_label else []
        parts.append(f"coder {self.coder}")
        if self.read_only:
            parts.append("read-only")
        self.sub_title = " · ".join(parts)

    @property
    def read_only(self) -> bool:
        """The project is open read-only (a read-only medium): reading works, writes are refused."""
        if self._read_only:
            return True
        if self._engine is None:
            return False
        from qualcode.database import is_read_only

        return is_read_only(self._engine)

    def on_ready(self) -> None:
        if self.read_only:
            self.notify(
                "This project is open read-only (its file or folder cannot be written): "
                "you can read, search and compare; codings and changes cannot be saved. "
                "Copy the project to a writable folder to work on it.",
                title="read-only project",
                severity="warning",
                timeout=15,
            )
        if self.coder_source == "login" and not self.coder_locked:
            self.call_after_refresh(self.ask_coder, True)
        if self._engine is None:
            # The first frame is on screen; let it settle (text wrapped, footer built) before
            # the import competes for the interpreter, then open the engine in a worker.
            self.set_timer(ENGINE_DELAY, self.open_engine)
        if self.project_url is not None:
            self.set_timer(EMBEDDER_DELAY, self.start_embedder)

    @work(thread=True, group="embedder", exit_on_error=False)
    def start_embedder(self) -> None:
        """Sentence embeddings for the suggestions: a detached process computes the missing
        ones (:func:`qualcode.suggest.semantic.start_background`); nothing here waits for it."""
        try:
            from qualcode.suggest import semantic

            semantic.start_background(self.project_url)
        except Exception:  # never into the UI: the suggestions only lack the semantic block
            logging.getLogger(__name__).exception("could not start the background embedder")

    @work(thread=True, group="engine", exit_on_error=False)
    def open_engine(self) -> None:
        try:
            self._open_engine()
        except Exception as exc:
            self.call_from_thread(self._engine_failed, exc)
            return
        self.call_from_thread(self._engine_opened)

    def _engine_opened(self) -> None:
        if self._fast is not None:
            self._fast.close()
            self._fast = None

    def _engine_failed(self, exc: Exception) -> None:
        """The project opened read-only for the first frame, but not for work: leave with the
        reason (the CLI prints it as one line)."""
        if not isinstance(exc, QualcodeError):
            exc = QualcodeError(
                f"cannot open the project: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
                "check --db and the file's permissions; `qualcode check` tells more",
            )
        self.startup_error = exc
        self.exit(return_code=exc.exit_code)

    # --- who is coding (qualcode.coder; the dialog in tui/screens/coder.py) -----------------------

    def ask_coder(self, first: bool = False) -> None:
        """Ask who is coding. ``first``: at start, and only when the name is the login
        name and no coder of the project yet; else (the command palette) always."""
        from qualcode.coder import CoderChoice, human_coders, login_name, should_ask
        from qualcode.tui.data import coders
        from qualcode.tui.screens.coder import CoderScreen

        if self.coder_locked:
            self._coder_is_locked()
            return
        known = self.query_data(coders)
        names = [n for n, _ in known]
        if first and not should_ask(CoderChoice(self.coder, "login"), names):
            return
        listed = [(n, c) for n, c in known if n in human_coders(names)]
        login = self.coder if first else login_name()
        self.push_screen(
            CoderScreen(listed, login, first=first, current=None if first else self.coder),
            partial(self._coder_chosen, first),
        )

    def _coder_is_locked(self) -> None:
        self.notify(
            f"you code as {self.coder!r}, the name you logged in with: "
            "log out and log in as another coder to code under another name",
            title="the coder is the login",
            severity="warning",
            timeout=8,
        )

    def _coder_chosen(self, first: bool, name: str | None) -> None:
        if name is not None and self.coder_locked:  # nothing changed, nothing remembered
            self._coder_is_locked()
            return
        if name is None:
            if first:
                self.notify(
                    f"coding as {self.coder!r} (your login name) this time; "
                    "Ctrl+P → 'Who is coding' chooses another name",
                    timeout=8,
                )
            return
        from qualcode.coder import remember_coder

        where = self.project_url or (
            self._engine.url.render_as_string(hide_password=False) if self._engine else None
        )
        stored = where is not None and remember_coder(where, name)
        self.coder, self.coder_source = name, "remembered"
        self._set_sub_title()
        for screen in self.screen_stack:
            changed = getattr(screen, "coder_changed", None)
            if changed is not None:
                changed()
        self.notify(
            f"coding as {name!r}"
            + (
                " (remembered for this project and this login)"
                if stored
                else " (this time: the choice could not be saved in your settings)"
            )
        )

    def query_data(self, fn: Callable[[Any], T]) -> T:
        """``fn(source)`` with one of the read functions of :mod:`qualcode.tui.data`: on the
        read-only sqlite3 connection until the engine is open, then in a session."""
        if self._engine is None and self._fast is not None:
            return fn(self._fast)
        return self.read(fn)

    def act(
        self, command: str, fn: Callable[[Any], T], *, quiet: bool = False
    ) -> tuple[bool, T | None]:
        """Run ``fn(session)`` as one audited transaction; expected errors become a notification."""
        from sqlalchemy.exc import SQLAlchemyError

        from qualcode.database import transaction

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
        from qualcode.database import reading

        with reading(self.engine) as session:
            return fn(session)

    def _step(self, undo: bool, force: bool = False) -> None:
        from sqlalchemy.exc import SQLAlchemyError

        from qualcode import audit
        from qualcode.database import transaction
        from qualcode.errors import NeedsForce

        def run(session):
            if undo and not force:  # a big action (an import, a recode) asks first
                audit.check_undo(session, 1, self.coder, self.coder)
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
        except NeedsForce as exc:
            from qualcode.tui.screens.confirm import ConfirmScreen

            question = exc.message.replace("undo would revert", "Undo") + "?"
            self.push_screen(
                ConfirmScreen(question), lambda yes: self._step(undo, force=True) if yes else None
            )
            return
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

    # --- find and compare (screens in tui/screens/search.py, matrix.py) ----------------------------

    def _coding_screen(self) -> Any:
        from qualcode.tui.screens.coding import CodingScreen

        return next((s for s in self.screen_stack if isinstance(s, CodingScreen)), None)

    def _search(self, whole: bool) -> None:
        from qualcode.tui.screens.search import SearchScreen

        coding = self._coding_screen()
        doc = getattr(coding, "doc", None)
        if isinstance(self.screen, SearchScreen) or coding is None or (doc is None and not whole):
            return

        def done(hit: tuple[int, int, int] | None) -> None:
            if hit:
                coding.open_document(hit[0], select=(hit[1], hit[2]))
                coding.view.focus()

        if whole:
            self.push_screen(SearchScreen(), done)
        else:
            self.push_screen(SearchScreen(doc.id, doc.name), done)

    def action_search_document(self) -> None:
        self._search(False)

    def action_search_project(self) -> None:
        self._search(True)

    def action_restrict_to_set(self) -> None:
        from qualcode.docsets import list_sets, session_execute, set_ids
        from qualcode.tui.screens.prompt import ChooseScreen

        coding = self._coding_screen()
        if coding is None or self.screen is not coding:
            return
        sets = self.read(lambda s: list_sets(session_execute(s)))
        items = ["(all documents)"] + [f"{x['set']}  ({x['documents']} documents)" for x in sets]

        def done(i: int | None) -> None:
            if i is None:
                return
            name = sets[i - 1]["set"] if i else None
            coding.doclist.only = (
                None
                if name is None
                else set(self.read(lambda s: set_ids(session_execute(s), name)))
            )
            coding.reload_docs()
            self.notify(f"documents of the set {name}" if name else "all documents")

        self.push_screen(ChooseScreen("Show the documents of a set", items), done)

    def action_matrix(self) -> None:
        from qualcode.tui.screens.matrix import MatrixScreen

        if not isinstance(self.screen, MatrixScreen):
            self.push_screen(MatrixScreen())

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
        if self.coder_locked:
            yield SystemCommand(
                "Who is coding? (the login)",
                f"codings are saved under {self.coder!r}, the name you logged in with",
                self._coder_is_locked,
            )
        else:
            yield SystemCommand(
                "Who is coding? (change the coder)",
                f"codings are saved under {self.coder!r}",
                partial(self.ask_coder, False),
            )
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
    """The real app on the project ``db``.

    A current-schema SQLite file is painted from a read-only :mod:`sqlite3` connection and
    the engine opened after the first frame; anything else (PostgreSQL, another schema
    version, an unreadable file) opens the engine here, as before, with its checks and
    error messages; a missing file is an error, not a new empty project.
    """
    from qualcode.config import database_url, sqlite_path
    from qualcode.fastread import open_project
    from qualcode.readonly import read_only_uri

    url = database_url(db)
    label = _label(url)
    path = sqlite_path(url)
    kw.setdefault("read_only", path is not None and read_only_uri(path) is not None)
    fast = open_project(db)
    if fast is None:  # a missing SQLite file is an error (a typo in --db), as in `status`
        from qualcode.database import make_engine

        return QualcodeApp(
            make_engine(db, create=False), coder, db_label=label, project_url=url, **kw
        )
    return QualcodeApp(
        None,
        coder,
        db_label=label,
        opener=partial(_engine_for, db),
        fast=fast,
        project_url=url,
        **kw,
    )


def _engine_for(db: str | None) -> Engine:
    from qualcode.database import make_engine

    return make_engine(db)


def _label(url: str) -> str:
    from pathlib import Path

    from qualcode.config import sqlite_path

    path = sqlite_path(url)
    return Path(path).name if path is not None else url.split("@")[-1]
