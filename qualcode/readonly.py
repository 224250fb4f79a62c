"""Projects on a read-only medium: a SQLite file that may be read but not written.

An archived project on a read-only share, a CD, or a file without write permission
must still open for reading. SQLite needs to write for a normal opening (a project is in
WAL mode, which keeps a ``-shm`` index beside the file), so such a project is opened
through an SQLite URI with ``mode=ro&immutable=1``: SQLite then neither writes nor
creates anything, and no ``-wal``/``-shm`` file is left behind. Writing commands are
refused with one line (:func:`refusal`).

``immutable`` tells SQLite that nobody changes the file while it is open, which holds for
a read-only medium. ``QUALCODE_READ_ONLY=1`` opens any project read-only on purpose (to
browse an archive without the risk of a change); a project that others may be writing
meanwhile is then opened with ``mode=ro`` only.

Kept free of SQLAlchemy: the fast read paths (:mod:`qualcode.fastread`) use it too.
"""

from __future__ import annotations

import os
from pathlib import Path

from qualcode.errors import QualcodeError

ENV_READ_ONLY = "QUALCODE_READ_ONLY"


def _writable(path: Path) -> tuple[bool, bool]:
    """Whether the file and its folder can be written (``os.access``: permissions and a
    read-only mount; root may write anything but a read-only mount)."""
    return os.access(path, os.W_OK), os.access(path.parent, os.W_OK)


def forced() -> bool:
    """``QUALCODE_READ_ONLY`` is set to a true value."""
    return os.environ.get(ENV_READ_ONLY, "").strip().lower() in ("1", "true", "yes", "on")


def read_only_uri(path: Path) -> str | None:
    """The SQLite URI to open the existing project file ``path`` read-only, or None when
    it can be opened as usual (file and folder writable, not forced read-only)."""
    if not path.is_file():
        return None
    file_ok, folder_ok = _writable(path)
    if file_ok and folder_ok:
        if not forced():
            return None
        return path.absolute().as_uri() + "?mode=ro"  # others may be writing: not immutable
    return path.absolute().as_uri() + "?mode=ro&immutable=1"


def project_read_only(db: str | None) -> bool:
    """The project behind ``--db`` would be opened read-only (a SQLite file only)."""
    from qualcode.config import database_url, sqlite_path

    url = database_url(db)
    path = sqlite_path(url)
    return path is not None and "?" not in url and read_only_uri(path) is not None


def refusal(label: str, action: str = "the change") -> QualcodeError:
    """The one line a write to a read-only project gets."""
    why = f"{ENV_READ_ONLY} is set" if forced() else "a read-only medium, or no write permission"
    return QualcodeError(
        f"the project {label} is open read-only ({why}): {action} cannot be saved",
        "copy the project to a writable folder to change it; reading works as usual",
    )
