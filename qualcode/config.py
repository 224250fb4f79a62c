"""Where the project lives and who is coding: resolved from options, environment, defaults."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

# The project schema version (re-exported by qualcode.models). Bump with a migration in
# qualcode/migrations/versions (revision NNNN = version NNNN).
SCHEMA_VERSION = 5
# The suggestion model's version (re-exported by qualcode.suggest.scoring). Bump when the
# training or its explanation changes: cached models of older versions are rebuilt, and
# `status` shows no explanation of an older model.
MODEL_VERSION = "11"

DEFAULT_DB = Path("codebooks") / "qualcode.sqlite"  # in a checkout, relative to it
ENV_DB = "QUALCODE_DB"
ENV_CODER = "QUALCODE_CODER"
ENV_NLP_MODEL = "QUALCODE_NLP_MODEL"
ENV_LANG = "QUALCODE_LANG"
# "1", set by `qualcode serve --users` for each workbench: the coder is the login of the
# browser session, and the workbench neither offers nor accepts another name
ENV_CODER_LOCKED = "QUALCODE_CODER_LOCKED"
AUTO_CODER = "auto"
ENGINE_CODER = (
    "engine"  # reserved: the suggestions engine as a coder (`agreement --coders anna,engine`)
)


def in_checkout(folder: Path | None = None) -> bool:
    """True when ``folder`` (default: the current one) is a qualcode checkout: it holds
    ``pyproject.toml`` and the ``qualcode`` package (where ``make run`` and the tests run)."""
    folder = Path.cwd() if folder is None else folder
    return (folder / "pyproject.toml").is_file() and (folder / "qualcode" / "__init__.py").is_file()


def user_data_dir() -> Path:
    """The user's data folder for qualcode (platformdirs): ``~/.local/share/qualcode`` on
    Linux (``$XDG_DATA_HOME/qualcode``), ``~/Library/Application Support/qualcode`` on macOS,
    ``%LOCALAPPDATA%\\qualcode`` on Windows. Not created here: a creating command makes it."""
    from platformdirs import user_data_path

    return user_data_path("qualcode", appauthor=False)


def project_home() -> Path:
    """Where the projects without ``--db`` live: ``codebooks/`` in a checkout (as ``make run``
    and the tests expect), else the user's data folder — never a folder relative to wherever
    the command happens to be run."""
    return DEFAULT_DB.parent if in_checkout() else user_data_dir()


def default_db() -> Path:
    """The project when neither ``--db`` nor ``QUALCODE_DB`` is given."""
    return project_home() / DEFAULT_DB.name


def demo_db() -> Path:
    """The demo project of ``qualcode demo`` when neither ``--db`` nor ``QUALCODE_DB`` is given."""
    return project_home() / "demo.sqlite"


def database_url(db: str | os.PathLike[str] | None = None) -> str:
    """Turn ``--db`` (a file path or any SQLAlchemy URL) into an SQLAlchemy URL."""
    value = str(db) if db else os.environ.get(ENV_DB) or str(default_db())
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


# The language of the generated reports (headings, sentences, number format, chart labels):
# the project setting ``report.lang``; unset, it follows the documents
# (:func:`qualcode.reports.lang.report_lang`).
REPORT_LANG_KEY = "report.lang"
REPORT_LANGS = ("de", "en")


def parse_report_lang(value: str) -> str:
    """``de`` or ``en`` (also ``German``/``Deutsch``/``English``, any case); "" resets."""
    v = value.strip().lower()
    aliases = {"german": "de", "deutsch": "de", "english": "en", "englisch": "en"}
    v = aliases.get(v, v)
    if v and v not in REPORT_LANGS:
        from qualcode.errors import InvalidInput

        raise InvalidInput(
            f"unknown report language {value!r}",
            "use de or en (or an empty value: follow the documents)",
        )
    return v
