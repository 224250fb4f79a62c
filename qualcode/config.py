"""Where the project lives and who is coding: resolved from options, environment, defaults."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

# The project schema version (re-exported by qualcode.models). Bump with a migration in
# qualcode/migrations/versions (revision NNNN = version NNNN).
SCHEMA_VERSION = 5

DEFAULT_DB = Path("codebooks") / "qualcode.sqlite"
ENV_DB = "QUALCODE_DB"
ENV_CODER = "QUALCODE_CODER"
ENV_NLP_MODEL = "QUALCODE_NLP_MODEL"
ENV_LANG = "QUALCODE_LANG"
AUTO_CODER = "auto"
ENGINE_CODER = (
    "engine"  # reserved: the suggestions engine as a coder (`agreement --coders anna,engine`)
)


def database_url(db: str | os.PathLike[str] | None = None) -> str:
    """Turn ``--db`` (a file path or any SQLAlchemy URL) into an SQLAlchemy URL."""
    value = str(db) if db else os.environ.get(ENV_DB) or str(DEFAULT_DB)
    if "://" in value:
        return value
    if value == ":memory:":
        return "sqlite://"
    return "sqlite:///" + str(Path(value).expanduser().absolute())


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other backends and in-memory databases."""
    if not url.startswith("sqlite:///"):
        return None
    rest = url[len("sqlite:///") :].split("?", 1)[0]
    if rest.startswith("file:"):  # an SQLite URI filename (…?mode=ro&uri=true)
        rest = rest[len("file:") :]
        if rest.startswith("///"):
            rest = rest[2:]
    return Path(rest) if rest else None


def default_coder(coder: str | None = None) -> str:
    """``--coder``, else ``$QUALCODE_CODER``, else the login name."""
    if coder:
        return coder.strip()
    env = os.environ.get(ENV_CODER)
    if env:
        return env.strip()
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "coder"
