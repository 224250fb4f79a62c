"""Backups of a SQLite project: a consistent copy while others keep working.

Uses SQLite's online backup API (it copies what is committed, including what is
still in the write-ahead log, and is safe while other processes write). The copy is
written next to the target under a temporary name, checked with ``quick_check``
and then renamed, so a crash never leaves a half-written backup under the real name.
PostgreSQL projects are backed up with the server's own tool, ``pg_dump``.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from qualcode.config import sqlite_path
from qualcode.errors import Conflict, InvalidInput, QualcodeError

if TYPE_CHECKING:
    from qualcode.schemas.project import Backup


def pg_dump_hint(engine: Engine) -> QualcodeError:
    url = engine.url
    parts = ["pg_dump", "--format=custom"]
    if url.host:
        parts.append(f"--host={url.host}")
    if url.port:
        parts.append(f"--port={url.port}")
    if url.username:
        parts.append(f"--username={url.username}")
    parts += [f"--file={url.database or 'qualcode'}.dump", url.database or "DBNAME"]
    return QualcodeError(
        "`qualcode backup` copies SQLite projects; this project is on a PostgreSQL server",
        f"back it up with the server's tool: {' '.join(parts)} (restore with pg_restore)",
    )


def sqlite_source(engine: Engine) -> Path:
    if engine.dialect.name != "sqlite":
        raise (
            pg_dump_hint(engine)
            if engine.dialect.name == "postgresql"
            else QualcodeError(
                f"`qualcode backup` copies SQLite projects, not {engine.dialect.name} databases",
                "use the database server's own backup tool",
            )
        )
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    if path is None:
        raise InvalidInput("an in-memory project cannot be backed up", "give --db a file")
    return path


def backup_sqlite(source: Path, target: Path, *, overwrite: bool = False) -> dict:
    """Copy the SQLite project ``source`` to ``target`` with the online backup API."""
    target = target.expanduser()
    if target.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        target = target / f"{source.stem}-{stamp}{source.suffix or '.sqlite'}"
    if target.exists() and not overwrite:
        raise Conflict(
            f"{target} already exists", "choose another file name, or add --force to replace it"
        )
    if not target.parent.is_dir():
        raise InvalidInput(
            f"the folder {target.parent} does not exist", "create it first or choose another place"
        )
    if target.resolve() == source.resolve():
        raise InvalidInput(
            "the backup would overwrite the project itself", "choose another file name"
        )
    tmp = target.with_name(f".{target.name}.part-{os.getpid()}")
    try:
        from qualcode.readonly import read_only_uri

        ro = read_only_uri(source)  # a read-only medium: copied without writing beside it
        src = (
            sqlite3.connect(ro, uri=True, timeout=30) if ro else sqlite3.connect(source, timeout=30)
        )
        try:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")
                status = dst.execute("PRAGMA quick_check").fetchone()[0]
                if status != "ok":
                    raise QualcodeError(
                        f"the backup copy failed its check ({status})",
                        "run `qualcode check` on the project",
                    )
            finally:
                dst.close()
        finally:
            src.close()
        os.replace(tmp, target)
    except sqlite3.Error as exc:
        msg = str(exc)
        if "full" in msg.lower():
            raise QualcodeError(
                f"the disk is full ({msg})",
                "free space or choose another place; the project is unchanged",
            ) from exc
        raise QualcodeError(
            f"backup failed: {msg}",
            "check the target folder and free space; the project is unchanged",
        ) from exc
    except OSError as exc:
        raise QualcodeError(
            f"backup failed: {exc.strerror or exc}",
            "check the target folder and free space; the project is unchanged",
        ) from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    return {"backup": str(target), "bytes": target.stat().st_size}


def backup(
    engine: Engine, target: str | Path, *, overwrite: bool = False, with_cache: bool = False
) -> Backup:
    """Back the project up to ``target``: a file, or a folder (a name ending in ``/``,
    which must exist — it is never taken for a file name). The derived data beside the
    project (model, passage index, sentence embeddings: ``PROJECT.cache/``) is left out
    unless ``with_cache``: then it is copied beside the backup, where the backup finds it."""
    if isinstance(target, str) and target.endswith(("/", os.sep)):
        folder = Path(target).expanduser()
        if not folder.is_dir():
            raise InvalidInput(
                f"the folder {target} does not exist",
                f"create it first (mkdir {target.rstrip('/' + os.sep)}) or give a file name",
            )
    source = sqlite_source(engine)
    result: Backup = backup_sqlite(source, Path(target), overwrite=overwrite)  # type: ignore[assignment]
    if with_cache:
        result.update(_copy_cache(source, Path(result["backup"])))
    return result


def _copy_cache(source: Path, backup_file: Path) -> dict:
    """Copy the project's cache folder beside the backup (skipping locks and partial files)."""
    import shutil

    from qualcode.cache import cache_dir
    from qualcode.config import database_url

    src = cache_dir(database_url(str(source)))
    dst = cache_dir(database_url(str(backup_file)))
    if not src.is_dir():
        return {"cache": None, "cache_bytes": 0}
    ignore = shutil.ignore_patterns("*.lock", "*.tmp*", ".*part*")
    try:
        shutil.copytree(src, dst, ignore=ignore, dirs_exist_ok=True)
    except OSError as exc:
        raise QualcodeError(
            f"the backup is written, but copying its cache failed: {exc.strerror or exc}",
            f"free space, or back up without --with-cache (the cache is rebuilt): {backup_file}",
        ) from exc
    size = sum(f.stat().st_size for f in dst.rglob("*") if f.is_file())
    return {"cache": str(dst), "cache_bytes": size}


def auto_backup_path(source: Path, version: int) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return source.with_name(
        f"{source.stem}.schema-v{version}-{stamp}.bak{source.suffix or '.sqlite'}"
    )
