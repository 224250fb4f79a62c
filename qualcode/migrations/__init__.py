"""Schema migrations (Alembic), run by ``qualcode db upgrade``.

Revision ``NNNN`` is schema version ``NNNN`` (:data:`qualcode.models.SCHEMA_VERSION`);
``0001`` is the baseline — the tables of the first release. A new project is created
from the models and stamped at :data:`HEAD_REVISION`; a project of an older version is
refused until it is upgraded. Projects made before Alembic was used have no
``alembic_version`` table: they are stamped with the revision of their
``schema_version`` first, then upgraded.

This module must stay light (it is imported whenever a project is created): Alembic is
imported only by :func:`upgrade`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Column, MetaData, String, Table, inspect, select

if TYPE_CHECKING:
    from qualcode.schemas.project import DbUpgrade

HEAD_REVISION = "0005"
HERE = Path(__file__).resolve().parent

_version_table = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), primary_key=True, nullable=False),
)


def revision_of(schema_version: int) -> str:
    return f"{schema_version:04d}"


def stamp(conn, revision: str) -> None:
    """Record ``revision`` in ``alembic_version`` (created if missing)."""
    _version_table.create(conn, checkfirst=True)
    conn.execute(_version_table.delete())
    conn.execute(_version_table.insert().values(version_num=revision))


def stamp_head(conn) -> None:
    stamp(conn, HEAD_REVISION)


def current_revision(conn) -> str | None:
    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    return conn.execute(select(_version_table.c.version_num)).scalar_one_or_none()


def alembic_config(conn=None):
    """An Alembic ``Config`` built in code (no alembic.ini): scripts in this package."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("path_separator", "os")
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


def head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()  # type: ignore[return-value]


def upgrade(conn, schema_version: int) -> tuple[str | None, str]:
    """Upgrade the project behind ``conn`` (inside its transaction) to the head revision.

    Returns ``(revision before, revision after)``.
    """
    from alembic import command

    before = current_revision(conn)
    if before is None:
        stamp(conn, revision_of(max(schema_version, 1)))
    command.upgrade(alembic_config(conn), "head")
    return before, current_revision(conn)  # type: ignore[return-value]


def upgrade_project(db: str | None, *, backup: bool = True) -> DbUpgrade:
    """``qualcode db upgrade``: back up a SQLite project, then migrate it to the head revision.

    The migration runs in one transaction (SQLite and PostgreSQL both have transactional
    DDL): it is applied completely or not at all.
    """
    from qualcode.database import _WRITE, make_engine, schema_version
    from qualcode.errors import QualcodeError
    from qualcode.models import SCHEMA_VERSION

    engine = make_engine(db, create=False, check_version=False)
    try:
        version = schema_version(engine)
        with engine.connect() as conn:
            rev = current_revision(conn)
        result: DbUpgrade = {
            "database": engine.url.render_as_string(hide_password=True),
            "from_version": version,
            "to_version": SCHEMA_VERSION,
            "from_revision": rev,
            "to_revision": HEAD_REVISION,
            "backup": None,
            "upgraded": False,
        }
        if version == SCHEMA_VERSION and rev == HEAD_REVISION:
            return result
        from qualcode.database import refuse_if_read_only

        refuse_if_read_only(engine, "the upgrade")
        if version < 1:
            raise QualcodeError(
                "the project has no schema version",
                "it was not made by qualcode, or is damaged; restore a backup",
            )
        if backup and engine.dialect.name == "sqlite":
            from qualcode.backup import auto_backup_path, backup_sqlite, sqlite_source

            source = sqlite_source(engine)
            result["backup"] = backup_sqlite(source, auto_backup_path(source, version))["backup"]
        elif engine.dialect.name != "sqlite":
            result["hint"] = (
                "PostgreSQL: the upgrade ran in one transaction; keep regular pg_dump backups"
            )
        try:
            with engine.execution_options(**{_WRITE: True}).begin() as conn:
                before, after = upgrade(conn, version)
        except QualcodeError:
            raise
        except Exception as exc:
            raise QualcodeError(
                f"the upgrade failed and was rolled back: {str(getattr(exc, 'orig', exc)).splitlines()[0]}",
                "the project is unchanged"
                + (f"; a backup is at {result['backup']}" if result["backup"] else ""),
            ) from exc
        result["from_revision"] = before
        result["to_revision"] = after
        result["to_version"] = schema_version(engine)
        result["upgraded"] = True
        return result
    finally:
        engine.dispose()
