"""A wheel that is the whole product (issue 26): the demo ships in the package, the default
project lives in the user's data folder outside a checkout, `qualcode demo`, the version,
and the portable module that holds every POSIX-only call."""

from __future__ import annotations

import ast
import os
import tomllib
from pathlib import Path

import pytest
from conftest import ROOT, Run, rows
from typer.testing import CliRunner


@pytest.fixture
def outside(tmp_path: Path, monkeypatch) -> Path:
    """An empty working folder outside the checkout, and a data folder of its own."""
    work = tmp_path / "work"
    work.mkdir()
    data = tmp_path / "data"
    monkeypatch.chdir(work)
    monkeypatch.setattr("qualcode.config.user_data_dir", lambda: data)
    return tmp_path


def invoke(*args: str, env: dict[str, str] | None = None):
    from qualcode.cli import app

    return CliRunner().invoke(app, list(args), env=env)


# --- the demo ships inside the package ---------------------------------------------------


def test_the_demo_protocols_and_starter_codebook_are_package_data() -> None:
    import qualcode
    from qualcode.demo import CORPUS, STARTER_CODEBOOK

    package = Path(qualcode.__file__).resolve().parent
    assert CORPUS.is_relative_to(package) and STARTER_CODEBOOK.is_relative_to(package)
    names = sorted(p.name for p in CORPUS.iterdir())
    assert names == ["codings.csv", *[f"protokoll_{n:02d}.{e}" for n, e in _PROTOCOLS]]
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = config["tool"]["setuptools"]["package-data"]["qualcode"]
    assert "data/corpus/*" in shipped and "data/codebooks/*" in shipped
    # the checkout's paths are links to the package data, not a second copy (an unpacked
    # sdist has neither: its tests read the package data, see conftest.CORPUS)
    if (ROOT / ".git").exists():
        assert (ROOT / "corpus").resolve() == CORPUS
        assert (ROOT / "codebooks" / "starter.toml").resolve() == STARTER_CODEBOOK


_PROTOCOLS = [
    (1, "md"), (2, "md"), (3, "txt"), (4, "md"), (5, "txt"), (6, "md"), (7, "md"),
    (8, "md"), (9, "txt"), (10, "md"), (11, "md"), (12, "txt"), (13, "md"), (14, "md"),
]  # fmt: skip


def test_demo_build_outside_a_checkout_uses_the_shipped_demo_not_the_current_folder(
    outside: Path,
) -> None:
    """A `corpus/` folder where the user stands is not the demo (it used to be preferred)."""
    own = outside / "work" / "corpus"
    own.mkdir()
    (own / "notiz.txt").write_text("Meine eigene Notiz.\n", encoding="utf-8")
    result = invoke("demo", "build")
    assert result.exit_code == 0, result.output
    demo = outside / "data" / "demo.sqlite"
    assert f"created a new project at {demo}" in result.output
    assert rows(str(demo), "SELECT count(*) FROM document WHERE name = 'notiz.txt'") == [(0,)]
    assert rows(str(demo), "SELECT count(*) FROM document") == [(14,)]
    assert rows(str(demo), "SELECT count(*) FROM coding") == [(143,)]
    assert sorted(p.name for p in (outside / "work").iterdir()) == ["corpus"]  # nothing new here


def test_the_default_project_outside_a_checkout_is_in_the_data_folder(outside: Path) -> None:
    expected = outside / "data" / "qualcode.sqlite"
    result = invoke("status")
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: no qualcode project at {expected} — check --db / QUALCODE_DB, "
        f"or create one with `qualcode init {expected}`"
    )
    assert invoke("init").exit_code == 0
    assert expected.is_file()
    assert list((outside / "work").iterdir()) == []


def test_in_a_checkout_the_default_project_stays_codebooks_qualcode_sqlite(
    tmp_path: Path, monkeypatch
) -> None:
    from qualcode.config import database_url, default_db, demo_db

    checkout = tmp_path / "checkout"
    (checkout / "qualcode").mkdir(parents=True)
    (checkout / "qualcode" / "__init__.py").write_text("", encoding="utf-8")
    (checkout / "pyproject.toml").write_text("[project]\n", encoding="utf-8")
    monkeypatch.chdir(checkout)
    assert default_db() == Path("codebooks/qualcode.sqlite")
    assert demo_db() == Path("codebooks/demo.sqlite")
    assert database_url() == f"sqlite:///{checkout / 'codebooks' / 'qualcode.sqlite'}"


def test_qualcode_demo_builds_the_demo_once_and_opens_it(outside: Path, monkeypatch) -> None:
    opened: list[tuple[str | None, str]] = []
    monkeypatch.setattr(
        "qualcode.tui.run", lambda db, coder, sample=None, **kw: opened.append((db, coder))
    )
    demo = outside / "data" / "demo.sqlite"
    first = invoke("--coder", "anna", "demo")
    assert first.exit_code == 0, first.output
    assert "demo project: 14 documents, 28 codes, 143 codings in 7 documents" in first.output
    assert opened == [(str(demo), "anna")]
    # a second time it opens the project as it is (the coding of the first visit stays)
    Run(str(demo)).ok("codes", "add", "Neu")
    second = invoke("--coder", "anna", "demo")
    assert second.exit_code == 0 and "demo project" not in second.output
    assert opened[-1] == (str(demo), "anna")
    assert rows(str(demo), "SELECT count(*) FROM code WHERE name = 'Neu'") == [(1,)]


def test_qualcode_demo_with_db_builds_there(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("qualcode.tui.run", lambda db, coder, sample=None, **kw: None)
    target = tmp_path / "meins.sqlite"
    result = invoke("--db", str(target), "demo")
    assert result.exit_code == 0, result.output
    assert rows(str(target), "SELECT count(*) FROM document") == [(14,)]


def test_demo_build_with_a_missing_codebook_is_an_error_and_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "demo.sqlite"
    result = Run(str(target))("demo", "build", "--codebook", str(tmp_path / "fehlt.toml"))
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: no codebook file at {tmp_path / 'fehlt.toml'} — pass --codebook FILE.toml, "
        "or leave it out for the starter codebook shipped with qualcode"
    )
    assert list(tmp_path.iterdir()) == []


def test_the_version_has_one_source() -> None:
    import qualcode

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in config["project"] and "version" in config["project"]["dynamic"]
    assert config["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "qualcode.__version__"}
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output == f"qualcode {qualcode.__version__}\n"
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{qualcode.__version__}]" in changelog


# --- portable: every POSIX-only call in one module -------------------------------------------

POSIX_ONLY = {
    ("fcntl", None),
    ("msvcrt", None),
    ("os", "nice"),
    ("os", "fchmod"),
    ("os", "fchown"),
    ("os", "getuid"),
    ("os", "getgid"),
    ("os", "setsid"),
    ("os", "killpg"),
    ("os", "umask"),
    ("os", "pwrite"),
}


def _posix_only_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = (
                [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            )
            found += [f"import {n}" for n in names if (n, None) in POSIX_ONLY]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id, node.attr) in POSIX_ONLY:
                found.append(f"{node.value.id}.{node.attr}")
            if node.attr == "add_signal_handler":
                found.append("add_signal_handler")
        elif isinstance(node, ast.keyword) and node.arg in ("start_new_session", "pass_fds"):
            found.append(node.arg)
    return found


def test_posix_only_calls_live_in_the_portable_module_only() -> None:
    offenders = {
        str(p.relative_to(ROOT)): calls
        for p in sorted((ROOT / "qualcode").rglob("*.py"))
        if p.name != "portable.py" and "bench" not in p.parts
        for calls in [_posix_only_calls(p)]
        if calls
    }
    assert offenders == {}
    assert _posix_only_calls(ROOT / "qualcode" / "portable.py")  # the check sees them


def test_a_file_lock_is_exclusive_between_descriptors(tmp_path: Path) -> None:
    from qualcode import portable

    path = tmp_path / "embed.lock"
    a = os.open(path, os.O_RDWR | os.O_CREAT)
    b = os.open(path, os.O_RDWR)
    try:
        assert portable.try_lock(a) is True
        assert portable.try_lock(b) is False
        portable.unlock(a)
        assert portable.try_lock(b) is True
        assert portable.try_lock(a) is False
    finally:
        os.close(a)
        os.close(b)


def test_a_new_file_gets_the_mode_of_a_normally_created_file(tmp_path: Path) -> None:
    import stat
    import tempfile

    from qualcode import portable

    fd, name = tempfile.mkstemp(dir=tmp_path)
    os.close(fd)
    assert stat.S_IMODE(os.stat(name).st_mode) == 0o600
    old = os.umask(0o027)
    try:
        portable.as_new_file(name)
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(name).st_mode) == 0o640


def test_the_windows_paths_take_no_posix_call(tmp_path: Path, monkeypatch) -> None:
    """On Windows (forced here) nothing reaches for fchmod, fchown, umask or the signal
    handlers of the event loop, and a detached child gets creation flags, not a session."""
    from qualcode import portable

    monkeypatch.setattr(portable, "WINDOWS", True)
    for name in ("fchmod", "fchown", "umask", "chmod", "getuid"):
        monkeypatch.delattr(os, name, raising=False)
    path = tmp_path / "f"
    path.write_text("x", encoding="utf-8")
    fd = os.open(path, os.O_RDONLY)
    try:
        portable.set_mode(fd, 0o644)
        portable.keep_owner(fd, os.stat(path))
    finally:
        os.close(fd)
    portable.as_new_file(path)
    portable.fsync_folder(tmp_path)
    assert portable.modes_mean_access() is False
    assert portable.lock_passes_to_child() is False
    kwargs = portable.detached((5,))
    assert "start_new_session" not in kwargs and "pass_fds" not in kwargs
    assert kwargs["creationflags"] == (
        portable.DETACHED_PROCESS
        | portable.CREATE_NEW_PROCESS_GROUP
        | portable.BELOW_NORMAL_PRIORITY_CLASS
    )

    class Loop:
        def add_signal_handler(self, *a):
            raise AssertionError("not on Windows")

        def call_soon_threadsafe(self, fn):
            fn()

    import signal

    stopped: list[bool] = []
    before = signal.getsignal(signal.SIGINT)
    try:
        portable.on_stop(Loop(), lambda: stopped.append(True))
        signal.getsignal(signal.SIGINT)(signal.SIGINT, None)
    finally:
        signal.signal(signal.SIGINT, before)
    assert stopped == [True]


def test_the_users_file_check_trusts_the_acl_on_windows(tmp_path: Path, monkeypatch) -> None:
    """On Windows every file reads as mode 0o666: the check must not refuse them all."""
    from qualcode import portable
    from qualcode.errors import InvalidInput
    from qualcode.web.users import check_permissions

    users = tmp_path / "users.toml"
    users.write_text("", encoding="utf-8")
    users.chmod(0o666)
    with pytest.raises(InvalidInput):
        check_permissions(users)
    monkeypatch.setattr(portable, "WINDOWS", True)
    assert check_permissions(users) is None
