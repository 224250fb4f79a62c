"""Engine and sessions: one transaction per user action or batch command.

``--db`` takes a file path or any SQLAlchemy URL. SQLite gets WAL, foreign keys
and a busy timeout; writing transactions start with ``BEGIN IMMEDIATE`` so that
concurrent writers queue instead of failing half-way. The same code runs on
PostgreSQL (``postgresql+psycopg://…``): there a writing transaction first takes a
transaction-scoped advisory lock, so writers queue exactly as on SQLite (no lost
updates, no serialization failures half-way through a command) while readers never
wait. How long a writer waits for another one is ``QUALCODE_BUSY_TIMEOUT`` seconds
(default 30); then it gives up with a clear message and nothing changed.

The schema is versioned (``Meta.schema_version`` and Alembic's ``alembic_version``);
an older project is refused with a pointer to ``qualcode db upgrade``
(:mod:`qualcode.migrations`), a newer one with a pointer to upgrade qualcode.
"""

from __future__ import annotations

import os
import shlex
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, OperationalError, ProgrammingError
from sqlmodel import Session, SQLModel, create_engine, select

from qualcode import audit
from qualcode.config import database_url, sqlite_path
from qualcode.errors import InvalidInput, NotFound, QualcodeError
from qualcode.models import SCHEMA_VERSION, Meta

_WRITE = "qualcode_write"
ENV_BUSY_TIMEOUT = "QUALCODE_BUSY_TIMEOUT"
# Key of the PostgreSQL advisory lock that serialises writing transactions ("qualcode").
PG_WRITE_LOCK = 0x7175616C636F6465


def busy_timeout() -> float:
    """Seconds a writer waits for another writer (``QUALCODE_BUSY_TIMEOUT``, default 30)."""
    try:
        return max(0.0, float(os.environ.get(ENV_BUSY_TIMEOUT, "30")))
    except ValueError:
        return 30.0


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own handling is lazy).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={int(busy_timeout() * 1000)}")
    try:
        cur.execute("PRAGMA journal_mode=WAL")
    except Exception:  # read-only file or directory: WAL cannot be switched on, reading still works
        pass
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_read_only_pragmas(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA query_only=ON")  # nothing is written, whatever asks for it
    cur.close()


def _sqlite_begin(conn) -> None:
    write = conn.get_execution_options().get(_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _pg_begin(conn) -> None:
    if conn.get_execution_options().get(_WRITE, False):
        # One writer at a time, like SQLite's BEGIN IMMEDIATE; released at COMMIT/ROLLBACK.
        # (one round trip: the lock timeout for this transaction, then the lock)
        conn.exec_driver_sql(
            f"SELECT set_config('lock_timeout', '{int(busy_timeout() * 1000)}', true), pg_advisory_xact_lock({PG_WRITE_LOCK})"
        )


def _is_lock_error(exc: BaseException) -> bool:
    msg = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in msg or "lock timeout" in msg or "database table is locked" in msg


def _locked_error(exc: BaseException) -> QualcodeError:
    return QualcodeError(
        f"the project database is busy: another coder or program is writing (waited {busy_timeout():g} s)",
        f"try again in a moment; nothing was changed (the wait is set by {ENV_BUSY_TIMEOUT}, in seconds)",
    )


def _safe_url(url: str) -> str:
    """The URL without its password (for messages)."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1] if "@" in url else url


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def storage_error(exc: BaseException) -> QualcodeError | None:
    """A clear message for a database failure the user can act on (busy, disk full, read-only).

    Looks through the whole exception chain: SQLite rolls a transaction back by itself
    when the disk is full, and the error surfacing later (e.g. "no such savepoint") hides it.
    """
    for e in _chain(exc):
        msg = str(getattr(e, "orig", e)).lower()
        if _is_lock_error(e):
            return _locked_error(e)
        if "disk is full" in msg or "no space left" in msg or "could not extend file" in msg:
            return QualcodeError(
                "the disk is full: the change could not be written",
                "free disk space and try again; nothing was changed",
            )
        if "readonly database" in msg or "read-only transaction" in msg:
            return QualcodeError(
                "the project database is read-only: the change could not be written",
                "check the file's (or the database role's) permissions, or work on a copy; nothing was changed",
            )
    return None


def project_label(url: str) -> str:
    """How messages name a project: the file of a SQLite project, else the URL without its password."""
    path = sqlite_path(url)
    return str(path) if path is not None else _safe_url(url)


def no_project(url: str, why: str = "") -> QualcodeError:
    """The error of a command that needs a project where there is none (a typo in ``--db``)."""
    label = project_label(url)
    if sqlite_path(url) is not None:
        create = f"create one with `qualcode init {shlex.quote(label)}`"
    else:  # the URL may hold a password: do not repeat it
        create = "create its tables with `qualcode init` (with the same --db)"
    return NotFound(
        f"no qualcode project at {label}{why}", f"check --db / QUALCODE_DB, or {create}"
    )


@dataclass
class _NewProject:
    """A project this process created (see :func:`discard_new_project`)."""

    url: str
    path: Path | None = None  # the SQLite file
    folders: list[Path] = field(default_factory=list)  # folders made for it, innermost first
    was_empty_file: bool = False  # the file existed with 0 bytes (left by an older version)


# Projects created by this process and not yet kept: a creating command that fails removes them.
_NEW: weakref.WeakKeyDictionary[Engine, _NewProject] = weakref.WeakKeyDictionary()


def make_engine(
    db: str | None = None, *, create: bool = False, check_version: bool = True
) -> Engine:
    """Open the project database behind ``--db``.

    A missing project is an error (exit 2, pointing at ``qualcode init``): a typo in
    ``--db`` must never become a new, empty project. Only the commands that create a
    project on purpose (``init``, ``import``, ``demo build``, ``refi import``) pass
    ``create=True``: a missing SQLite file (and its folder), an empty file, or an empty
    PostgreSQL database then gets the tables of a new project, and
    :func:`new_project` tells that this engine created it.

    ``check_version=False`` opens a project of an older schema version (for ``db upgrade``).
    """
    url = database_url(db)
    path = sqlite_path(url)
    new = _NewProject(url)
    read_only: str | None = None  # the SQLite URI of a project opened read-only
    if path is not None:
        if path.is_dir():
            raise InvalidInput(
                f"{path} is a folder, not a project file",
                f"give --db a file, e.g. {path / 'project.sqlite'}",
            )
        if not path.exists() or path.stat().st_size == 0:
            if not create:
                raise no_project(url, "" if not path.exists() else " (an empty file)")
            new.path, new.was_empty_file = path, path.exists()
        folder = path.parent
        while create and not folder.exists():
            new.folders.append(folder)
            folder = folder.parent
        if new.folders:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise QualcodeError(
                    f"cannot create the folder {path.parent}: {exc.strerror or exc}",
                    "check --db and the permissions of its folder",
                ) from exc
        elif not path.parent.exists():
            raise QualcodeError(f"folder {path.parent} does not exist", "check --db")
        if new.path is None and "?" not in url:  # an existing project (not a URI of one's own)
            from qualcode.readonly import read_only_uri

            read_only = read_only_uri(path)
    kwargs: dict = {}
    if read_only is not None:
        # A read-only medium: SQLite opens the file through its URI (mode=ro, immutable
        # when nothing beside it can be written), so it creates no -wal/-shm file.
        import sqlite3

        uri, timeout = read_only, busy_timeout()
        kwargs["creator"] = lambda: sqlite3.connect(
            uri, uri=True, check_same_thread=False, timeout=timeout
        )
    elif url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": busy_timeout()}
    elif url.startswith("postgresql"):
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(url, **kwargs)
    except Exception as exc:  # bad URL, missing driver
        _remove_new(new)
        raise QualcodeError(
            f"cannot use database {_safe_url(url)!r}: {exc}",
            "give a file path or a URL such as postgresql+psycopg://user@host/db",
        ) from exc
    if read_only is not None:
        _READ_ONLY.add(engine)
        event.listen(engine, "connect", _sqlite_read_only_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    elif engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "begin", _pg_begin)
    try:
        created = init_schema(engine, check_version=check_version, create=create)
    except BaseException:
        engine.dispose()
        _remove_new(new)
        raise
    if created:
        _NEW[engine] = new
    _ENGINES.add(engine)
    return engine


def new_project(engine: Engine | None) -> str | None:
    """Where the project is (file or URL) if ``engine`` created it and it is not yet kept."""
    new = _NEW.get(engine) if engine is not None else None
    return None if new is None else project_label(new.url)


def keep_new_project(engine: Engine | None) -> str | None:
    """The creating command succeeded: the new project stays. Returns where it is
    (as :func:`new_project`), for the command's one line "created a new project at …"."""
    new = _NEW.pop(engine, None) if engine is not None else None
    return None if new is None else project_label(new.url)


def discard_new_project(engine: Engine | None) -> bool:
    """The creating command failed: remove the project it created (the SQLite file, its
    ``-wal``/``-shm``/``-journal`` files and the folders made for it; on PostgreSQL the
    tables), so that a failed command leaves nothing behind. False when there was none."""
    new = _NEW.pop(engine, None) if engine is not None else None
    if new is None or engine is None:
        return False
    if new.path is None and engine.dialect.name == "postgresql":
        try:
            with engine.execution_options(**{_WRITE: True}).begin() as conn:
                SQLModel.metadata.drop_all(conn)
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        except Exception:  # the server went away: the tables stay, `qualcode init` refuses them
            pass
    engine.dispose()
    _ENGINES.discard(engine)
    _remove_new(new)
    return True


def _remove_new(new: _NewProject) -> None:
    """Remove the files and folders of a new SQLite project (nothing for other backends)."""
    if new.path is None:
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            Path(str(new.path) + suffix).unlink(missing_ok=True)
        except OSError:
            pass
    if new.was_empty_file:
        with suppress(OSError):
            new.path.touch()  # as it was: an empty file
    for folder in new.folders:
        try:
            folder.rmdir()  # only if empty
        except OSError:
            break


_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()
# Engines of projects opened read-only (a read-only medium, or QUALCODE_READ_ONLY).
_READ_ONLY: weakref.WeakSet[Engine] = weakref.WeakSet()


def is_read_only(engine: Engine | None) -> bool:
    """The project was opened read-only: reading works, every writing transaction is refused."""
    return engine is not None and engine in _READ_ONLY


def refuse_if_read_only(engine: Engine, action: str = "the change") -> None:
    """Raise the one-line refusal when ``engine``'s project is open read-only."""
    if engine in _READ_ONLY:
        from qualcode.readonly import refusal

        raise refusal(project_label(engine.url.render_as_string(hide_password=False)), action)


def dispose_all() -> None:
    """Close the connections of every engine this process opened (SQLite then folds its
    write-ahead log back into the project file)."""
    for engine in list(_ENGINES):
        engine.dispose()


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", exc)).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _table_names(engine: Engine) -> set[str]:
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    except DatabaseError as exc:
        if _is_lock_error(exc):
            raise _locked_error(exc) from exc
        if "not a database" in _first_line(exc):
            raise QualcodeError(
                f"{engine.url.database} is not a qualcode project (not an SQLite database, or damaged)",
                "check --db; restore a backup if it was a project",
            ) from exc
        raise QualcodeError(
            f"cannot open database: {_first_line(exc)}",
            "check --db, the server and file permissions",
        ) from exc


def schema_version(engine: Engine) -> int:
    """The schema version stored in the project (0 when unknown)."""
    with Session(engine) as session:
        meta = session.get(Meta, "schema_version")
    try:
        return int(meta.value) if meta else 0
    except ValueError:
        return 0


def init_schema(engine: Engine, *, check_version: bool = True, create: bool = True) -> bool:
    """Create the tables of a new project (only with ``create``; without it an empty
    database is "no project"); refuse a database from another schema version.
    True when this call created the project."""
    tables = _table_names(engine)
    if "meta" not in tables:
        if tables - {"alembic_version"}:
            raise QualcodeError(
                f"{project_label(engine.url.render_as_string(hide_password=False))} is not a qualcode project (its database has other tables)",
                "point --db at a new file or a qualcode project",
            )
        if not create:
            raise no_project(
                engine.url.render_as_string(hide_password=False), " (the database is empty)"
            )
        from qualcode.migrations import stamp_head

        created = False
        try:
            # Under the write lock, and checked again: several coders may open a new
            # PostgreSQL database at the same moment.
            with engine.execution_options(**{_WRITE: True}).begin() as conn:
                if "meta" not in set(inspect(conn).get_table_names()):
                    created = True
                    SQLModel.metadata.create_all(conn)
                    conn.execute(
                        Meta.__table__.insert().values(
                            key="schema_version", value=str(SCHEMA_VERSION)
                        )
                    )  # type: ignore[attr-defined]
                    stamp_head(conn)
        except (OperationalError, ProgrammingError) as exc:
            if _is_lock_error(exc):
                raise _locked_error(exc) from exc
            raise QualcodeError(
                f"cannot create the project database: {_first_line(exc)}",
                "check that the file (or the server) is writable",
            ) from exc
        return created
    try:
        version = schema_version(engine)
    except OperationalError as exc:
        if _is_lock_error(exc):
            raise _locked_error(exc) from exc
        raise QualcodeError(
            f"cannot read the project database: {_first_line(exc)}",
            "run `qualcode check`, or restore a backup",
        ) from exc
    if version > SCHEMA_VERSION:
        raise QualcodeError(
            f"this project has schema version {version}, newer than this qualcode supports ({SCHEMA_VERSION})",
            "upgrade qualcode (pip install -U qualcode)",
        )
    if version < SCHEMA_VERSION and check_version:
        if is_read_only(engine):
            raise QualcodeError(
                f"this project has the older schema version {version} (current {SCHEMA_VERSION}) and is read-only",
                "copy it to a writable folder and run `qualcode db upgrade` there",
            )
        raise QualcodeError(
            f"this project has the older schema version {version} (current {SCHEMA_VERSION})",
            "run `qualcode db upgrade` (it makes a backup first)",
        )
    return False


@contextmanager
def transaction(
    engine: Engine, command: str, coder: str, *, record: bool = True
) -> Iterator[Session]:
    """One writing unit of work: commits at the end, rolls back on any error.

    Changes made through the session are written to the audit log as one entry
    (``command``, ``coder``) unless ``record`` is false.
    """
    refuse_if_read_only(engine)
    session = Session(engine.execution_options(**{_WRITE: True}), expire_on_commit=False)
    if record:
        audit.attach(session, command=command, coder=coder)
    try:
        yield session
        session.commit()
    except DatabaseError as exc:
        session.rollback()
        known = storage_error(exc)
        if known is not None:
            raise known from exc
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A read-only session (one consistent snapshot)."""
    with Session(engine) as session:
        yield session
        session.rollback()


def get_setting(session: Session, key: str, default: str | None = None) -> str | None:
    row = session.get(Meta, key)
    return row.value if row else default


def set_setting(session: Session, key: str, value: str) -> None:
    row = session.get(Meta, key)
    if row is None:
        session.add(Meta(key=key, value=value))
    else:
        row.value = value


def settings(session: Session) -> dict[str, str]:
    return {m.key: m.value for m in session.exec(select(Meta))}
