"""``users.toml``: the coders who may log in to `qualcode serve`, with their password hashes.

Passwords are never stored: each coder has an argon2id hash (argon2-cffi's
:class:`~argon2.PasswordHasher`, salted, memory-hard). ``qualcode users add NAME`` asks for
the password and writes the hash, so nobody writes hashes by hand::

    [users."Anna Weber"]
    password_hash = "$argon2id$v=19$m=65536,t=3,p=4$…"

Every problem with the file is a :class:`~qualcode.errors.QualcodeError` that names the
file and says how to fix it.
"""

from __future__ import annotations

import os
import stat
import tempfile
import tomllib
import unicodedata
from pathlib import Path

from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from qualcode import portable
from qualcode.config import AUTO_CODER
from qualcode.errors import InvalidInput, NotFound

MIN_PASSWORD = 8  # characters
MAX_PASSWORD = 1024  # a login form is no place for megabytes to hash
MAX_NAME = 100

HEADER = """\
# qualcode serve --users: the coders who may log in, with argon2id hashes of their
# passwords (never the passwords). Written by `qualcode users add NAME`; remove a coder
# with `qualcode users remove NAME`. Keep this file readable by the server only.
"""

_hasher = PasswordHasher()
_dummy: list[str] = []  # a hash to check unknown names against (same time as a known name)


def check_name(name: str) -> str:
    """The coder name as stored (trimmed), or an error saying what is wrong with it."""
    name = name.strip()
    if not name:
        raise InvalidInput("the coder name is empty", "give a name, e.g. `qualcode users add anna`")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"the coder name is longer than {MAX_NAME} characters", "shorten it")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise InvalidInput(
            f"the coder name {name!r} contains control characters", "use letters, digits, spaces"
        )
    if name == AUTO_CODER:
        raise InvalidInput(
            f"{AUTO_CODER!r} is the name of the automatic coder",
            "choose a person's name for a login",
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"the password is shorter than {MIN_PASSWORD} characters", "choose a longer one"
        )
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"the password is longer than {MAX_PASSWORD} characters")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(check_password(password))


def load_users(path: str | os.PathLike[str]) -> dict[str, str]:
    """Coder name → argon2 hash, from ``path``; a missing or malformed file is an error."""
    path = Path(path)
    fix = f"`qualcode users add NAME --file {path}` writes it"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"the users file {path} does not exist", fix) from None
    except OSError as exc:
        raise InvalidInput(
            f"cannot read the users file {path}: {exc.strerror or exc}", "check its permissions"
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(
            f"the users file {path} is not valid TOML ({exc})",
            "fix the line, or remove the file and add the coders again with `qualcode users add`",
        ) from None
    users = data.get("users", {})
    unknown = sorted(set(data) - {"users"})
    if unknown or not isinstance(users, dict):
        raise InvalidInput(
            f"the users file {path} has unexpected entries ({', '.join(unknown) or 'users'})",
            'it holds only [users."NAME"] tables written by `qualcode users add`',
        )
    out: dict[str, str] = {}
    for name, entry in users.items():
        where = f"the users file {path}: coder {name!r}"
        if not isinstance(entry, dict) or not isinstance(entry.get("password_hash"), str):
            raise InvalidInput(
                f"{where} has no password_hash",
                f"set the password with `qualcode users add {_arg(name)} --file {path}`",
            )
        hashed = entry["password_hash"]
        try:
            extract_parameters(hashed)
        except (InvalidHashError, ValueError):
            raise InvalidInput(
                f"{where}: the password_hash is not an argon2 hash (never write a password here)",
                f"set the password with `qualcode users add {_arg(name)} --file {path}`",
            ) from None
        try:
            stored = check_name(name)
        except InvalidInput as exc:
            raise InvalidInput(f"{where}: {exc.message}", "rename or remove the entry") from None
        out[stored] = hashed
    return out


def save_users(path: str | os.PathLike[str], users: dict[str, str]) -> None:
    """Write ``users`` to ``path`` atomically: a temporary file in the same folder, given
    the owner, group and mode of the file it replaces (a new file: the writer's, mode
    0600), flushed to disk, then renamed over it. Run with sudo, it keeps the file the
    service's; a file whose owner cannot be kept is left as it was (an error says why)."""
    path = Path(path)
    lines = [HEADER]
    for name in sorted(users, key=str.casefold):
        lines.append(f"\n[users.{_toml_string(name)}]\n")
        lines.append(f"password_hash = {_toml_string(users[name])}\n")
    try:
        old = os.stat(path)
    except FileNotFoundError:
        old = None
    except OSError as exc:
        raise InvalidInput(
            f"cannot read the users file {path}: {exc.strerror or exc}", "check its permissions"
        ) from None
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".users-", suffix=".toml", dir=folder)
    except OSError as exc:
        raise InvalidInput(
            f"cannot write the users file {path}: {exc.strerror or exc}",
            "check that the folder exists and is writable",
        ) from None
    try:
        if old is not None:  # mkstemp made it 0600 and the writer's: make it the old file's
            try:
                portable.keep_owner(fd, old)
            except PermissionError:
                raise InvalidInput(
                    f"cannot keep the owner of the users file {path} "
                    f"(uid {old.st_uid}, gid {old.st_gid}): nothing was changed",
                    "run the command as the file's owner, or with sudo",
                ) from None
            portable.set_mode(fd, stat.S_IMODE(old.st_mode))
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write("".join(lines))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    portable.fsync_folder(folder)  # the rename itself on disk


def check_permissions(path: str | os.PathLike[str]) -> str | None:
    """Refuse a users file that others may write (anyone could add a login); a warning
    (returned) for one that others may read (the hashes invite guessing offline)."""
    if not portable.modes_mean_access():  # Windows: the folder's ACL decides
        return None
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None  # load_users says what is wrong
    if mode & stat.S_IWOTH:
        raise InvalidInput(
            f"the users file {path} may be written by anyone (mode {stat.S_IMODE(mode):04o})",
            f"`chmod o-w {_arg(str(path))}` (readable by the server only: chmod 600)",
        )
    if mode & stat.S_IROTH:
        return (
            f"warning: the users file {path} may be read by anyone (mode "
            f"{stat.S_IMODE(mode):04o}): `chmod o-r {_arg(str(path))}`"
        )
    return None


def add_user(path: str | os.PathLike[str], name: str, password: str) -> bool:
    """Add ``name`` with ``password`` (hashed), or set a new password; True if the name is new."""
    name = check_name(name)
    hashed = hash_password(password)
    users = load_users(path) if Path(path).exists() else {}
    new = name not in users
    users[name] = hashed
    save_users(path, users)
    return new


def remove_user(path: str | os.PathLike[str], name: str) -> None:
    users = load_users(path)
    name = name.strip()
    if name not in users:
        raise NotFound(
            f"no coder {name!r} in {path}", f"`qualcode users list --file {path}` lists them"
        )
    del users[name]
    save_users(path, users)


def verify(users: dict[str, str], name: str, password: str) -> str | None:
    """The coder name if ``password`` is ``name``'s, else None.

    argon2 compares in constant time; an unknown name is checked against a dummy hash, so
    that the answer takes as long and does not tell which names exist.
    """
    name = name.strip()
    hashed = users.get(name)
    if hashed is None:
        if not _dummy:
            _dummy.append(_hasher.hash("not a password of anyone"))
        hashed = _dummy[0]
    if len(password) > MAX_PASSWORD:
        password = password[:MAX_PASSWORD] + "\0"  # cannot match, costs the same
    try:
        ok: bool = _hasher.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    return name if ok and name in users else None


def _toml_string(s: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, for the characters that need one)."""
    import json

    return json.dumps(s, ensure_ascii=False)


def _arg(name: str) -> str:
    import shlex

    return shlex.quote(name)
