"""Read-only :mod:`sqlite3` access for the fast paths of hot commands.

`qualcode status` and the reports read a SQLite project with plain ``sqlite3``
instead of importing SQLAlchemy (about half a second of start-up). Anything
unusual — another backend, another schema version, an error — returns None and
the caller takes the full path, which gives the same result.
"""

from __future__ import annotations


def open_project(db: str | None):
    """A read-only :mod:`sqlite3` connection to a current-schema SQLite project file, or None."""
    import sqlite3

    from qualcode.config import SCHEMA_VERSION, database_url, sqlite_path

    url = database_url(db)
    path = sqlite_path(url)
    if path is None or "?" in url or not path.is_file():
        return None
    from qualcode.readonly import read_only_uri

    # On a read-only medium: immutable, so that SQLite creates no -wal/-shm beside the file.
    uri = read_only_uri(path) or path.absolute().as_uri() + "?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.Error:
        conn.close()
        return None
    if version is None or version[0] != str(SCHEMA_VERSION):
        conn.close()
        return None
    return conn
