"""Who is coding: the coder name every write is attributed to, and where it comes from.

A coding under the wrong name silently spoils every intercoder figure, and on a lab
machine the login name is often ``root`` or a shared account. So the name is resolved as

1. ``--coder NAME`` or ``$QUALCODE_CODER`` (given: used as it is);
2. the name chosen earlier in the workbench for this project by this login (remembered);
3. the login name.

The remembered names live outside the project, in a small settings file of the login
(``$XDG_CONFIG_HOME/qualcode/coders.json``, usually ``~/.config/qualcode/coders.json``):
the project file may be shared by several logins (a lab share), each of whom codes
under a name of their own, and a read-only project still gets one. The file also notes
which name the command line has already announced for a project ("writing as coder …",
said once per project and login, and again when the name changes).

Nothing here imports a user interface; the CLI and the workbench are thin over it.
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from qualcode.config import AUTO_CODER, ENV_CODER, database_url, sqlite_path

SETTINGS_FILE = "coders.json"

Source = Literal["given", "remembered", "login"]


@dataclass(frozen=True)
class CoderChoice:
    """The coder name and where it came from (``given``: --coder / $QUALCODE_CODER)."""

    name: str
    source: Source

    def why(self) -> str:
        """How the name was found, for a message."""
        if self.source == "given":
            return "from --coder / " + ENV_CODER
        if self.source == "remembered":
            return "chosen in the workbench for this project"
        return "your login name"


def login_name() -> str:
    try:
        return getpass.getuser().strip() or "coder"
    except Exception:  # no login name in some containers
        return "coder"


def settings_path() -> Path:
    """The login's settings file (``$XDG_CONFIG_HOME/qualcode/coders.json``)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "qualcode" / SETTINGS_FILE


def project_key(db: str | None) -> str:
    """One project, however ``--db`` spells it: the real path of a SQLite file, else
    the URL without its password."""
    url = database_url(db)
    path = sqlite_path(url)
    if path is not None:
        try:
            return str(path.resolve())
        except OSError:
            return str(path.absolute())
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


def _load() -> dict:
    try:
        data = json.loads(settings_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _entry(data: dict, key: str) -> dict:
    projects = data.get("projects")
    entry = projects.get(key) if isinstance(projects, dict) else None
    return entry if isinstance(entry, dict) else {}


def _update(key: str, **fields: str) -> bool:
    """Store ``fields`` for the project ``key`` (written to a temporary file and renamed).
    False when the settings file cannot be written (a read-only home): nothing breaks."""
    data = _load()
    projects = data.get("projects")
    if not isinstance(projects, dict):
        projects = data["projects"] = {}
    entry = projects.get(key)
    if not isinstance(entry, dict):
        entry = projects[key] = {}
    entry.update(fields)
    import tempfile

    path = settings_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".coders-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except (OSError, UnicodeError):  # (a name that is not UTF-8 is refused elsewhere)
        return False
    return True


def remembered_coder(db: str | None) -> str | None:
    """The name chosen in the workbench for this project by this login, if any."""
    name = _entry(_load(), project_key(db)).get("coder")
    return (name.strip() or None) if isinstance(name, str) else None


def remember_coder(db: str | None, name: str) -> bool:
    """Remember ``name`` as the coder of this login on this project (False: not stored)."""
    from qualcode.errors import InvalidInput

    name = name.strip()
    if not name:
        raise InvalidInput("the coder name is empty", "type a name or choose one of the list")
    return _update(project_key(db), coder=name)


def resolve_coder(db: str | None, given: str | None = None) -> CoderChoice:
    """``given`` (--coder, or $QUALCODE_CODER), else the remembered name, else the login name."""
    if given is None:
        given = os.environ.get(ENV_CODER)
    if given and given.strip():
        return CoderChoice(given.strip(), "given")
    remembered = remembered_coder(db)
    if remembered:
        return CoderChoice(remembered, "remembered")
    return CoderChoice(login_name(), "login")


def should_ask(choice: CoderChoice, project_coders: list[str]) -> bool:
    """The workbench asks who is coding when the name is only the login name and that is
    not a coder of the project yet (a shared ``root``, a first start; ``Root`` is the coder
    ``root``: names match with case and accents ignored)."""
    from qualcode.names import fold

    return choice.source == "login" and fold(choice.name) not in {fold(n) for n in project_coders}


def human_coders(names: list[str]) -> list[str]:
    """The names a person may code under (not the automatic coder of `autocode`)."""
    return [n for n in names if n != AUTO_CODER]


def announcement(db: str | None, choice: CoderChoice) -> str | None:
    """The line the command line says once per project and login (and again when the
    name changes): which coder it writes as. None when already said, or when the name was
    given (--coder / $QUALCODE_CODER). Saying it marks it as said."""
    if choice.source == "given":
        return None
    key = project_key(db)
    if _entry(_load(), key).get("told") == choice.name:
        return None
    _update(key, told=choice.name)  # (a read-only home: said again next time)
    return (
        f"writing as coder {choice.name!r} ({choice.why()}); "
        f"give --coder NAME or set {ENV_CODER} to write as someone else"
    )
