"""Engine and sessions: one transaction per user action or batch command.

``--db`` takes a file path or any SQLAlchemy URL. SQLite gets WAL, foreign keys
and a busy timeout; writing transactions start with ``BEGIN IMMEDIATE`` so that
concurrent writers queue instead of failing half-way. The same code runs on
PostgreSQL (``postgresql+psycopg://…``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlmodel import Session, SQLModel, create_engine, select

from qualcode import audit
from qualcode.config import database_url, sqlite_path
from qualcode.errors import QualcodeError
from qualcode.models import SCHEMA_VERSION, Meta

_WRITE = "qualcode_write"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own handling is lazy).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    try:
        cur.execute("PRAGMA journal_mode=WAL")
    except Exception:  # read-only file or directory: WAL cannot be switched on, reading still works
        pass
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn) -> None:
    write = conn.get_execution_options().get(_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(db: str | None = None, *, create: bool = True) -> Engine:
    """Open (and on first use create) the project database behind ``--db``."""
    url = database_url(db)
    path = sqlite_path(url)
    if path is not None:
        if not path.exists() and not create:
            raise QualcodeError(
                f"no project database at {path}",
                "check --db / QUALCODE_DB, or import documents to create one",
            )
        if not path.parent.exists():
            if not create:
                raise QualcodeError(f"folder {path.parent} does not exist", "check --db")
            path.parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    try:
        engine = create_engine(url, **kwargs)
    except Exception as exc:  # bad URL, missing driver
        raise QualcodeError(f"cannot use database {url!r}: {exc}", "give a file path or an SQLAlchemy URL") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    init_schema(engine)
    return engine


def init_schema(engine: Engine) -> None:
    """Create the tables of a new project; refuse a database from another schema version."""
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
    except OperationalError as exc:
        raise QualcodeError(f"cannot open database: {exc.orig}", "check --db and file permissions") from exc
    if "meta" not in tables:
        if tables - {"alembic_version"}:
            raise QualcodeError(
                "this database is not a qualcode project (it has other tables)",
                "point --db at a new file or a qualcode project",
            )
        try:
            with Session(engine.execution_options(**{_WRITE: True})) as session:
                SQLModel.metadata.create_all(session.connection())
                session.add(Meta(key="schema_version", value=str(SCHEMA_VERSION)))
                session.commit()
        except (OperationalError, ProgrammingError) as exc:
            raise QualcodeError(f"cannot create the project database: {exc.orig}", "check that the file is writable") from exc
        return
    with Session(engine) as session:
        meta = session.get(Meta, "schema_version")
    version = int(meta.value) if meta else 0
    if version > SCHEMA_VERSION:
        raise QualcodeError(
            f"this project has schema version {version}, newer than this qualcode supports ({SCHEMA_VERSION})",
            "upgrade qualcode (pip install -U qualcode)",
        )
    if version < SCHEMA_VERSION:
        raise QualcodeError(
            f"this project has the older schema version {version} (current {SCHEMA_VERSION})",
            "run `qualcode db upgrade` (it makes a backup first)",
        )


@contextmanager
def transaction(engine: Engine, command: str, coder: str, *, record: bool = True) -> Iterator[Session]:
    """One writing unit of work: commits at the end, rolls back on any error.

    Changes made through the session are written to the audit log as one entry
    (``command``, ``coder``) unless ``record`` is false.
    """
    session = Session(engine.execution_options(**{_WRITE: True}), expire_on_commit=False)
    if record:
        audit.attach(session, command=command, coder=coder)
    try:
        yield session
        session.commit()
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
