"""Start-up stays fast: `qualcode --help` and `qualcode status` load no heavy libraries.

Each check runs in a fresh interpreter (a subprocess) and inspects ``sys.modules``;
timings are measured by `make bench`, not here.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = (
    "spacy",
    "sklearn",
    "textual",
    "pandas",
    "matplotlib",
    "numpy",
    "openpyxl",
    "docx",
    "lxml",
    "rapidfuzz",
)
ORM = ("sqlalchemy", "sqlmodel", "pydantic")
CORE = (
    "qualcode.models",
    "qualcode.database",
    "qualcode.audit",
    "qualcode.documents",
    "qualcode.codebook",
    "qualcode.codings",
    "qualcode.memos",
    "qualcode.project",
    "qualcode.nlp",
    "qualcode.reports",
    "qualcode.agreement",
    "qualcode.suggest",
    "qualcode.recode",
    "qualcode.refi",
)


def _loaded(code: str, *args: str) -> set[str]:
    """Top-level packages imported by running ``code`` (with ``sys.argv[1:] = args``) in a fresh interpreter."""
    probe = (
        "import sys, json\n"
        f"sys.argv = ['qualcode', *{list(args)!r}]\n"
        "try:\n"
        + "".join(f"    {line}\n" for line in code.splitlines())
        + "except SystemExit:\n    pass\n"
        "sys.stdout.flush()\n"
        "sys.stderr.write('\\nMODULES ' + json.dumps(sorted({m.split('.')[0] for m in sys.modules})) + '\\n')\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("QUALCODE_DB", "QUALCODE_NLP_MODEL")}
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120
    )
    line = next((ln for ln in proc.stderr.splitlines() if ln.startswith("MODULES ")), None)
    assert line is not None, proc.stderr
    return set(json.loads(line[len("MODULES ") :]))


def test_help_loads_no_heavy_library():
    mods = _loaded("from qualcode.cli import app\napp()", "--help")
    assert "typer" in mods and "qualcode" in mods  # the probe really ran the CLI
    assert not mods & set(HEAVY), sorted(mods & set(HEAVY))
    # SQLAlchemy/SQLModel/pydantic alone take longer to import than the whole 0.3 s budget.
    assert not mods & set(ORM), sorted(mods & set(ORM))


def test_importing_the_cli_loads_no_heavy_library():
    mods = _loaded("import qualcode.cli")
    assert not mods & set(HEAVY + ORM), sorted(mods & set(HEAVY + ORM))


def test_subcommand_help_loads_no_heavy_library():
    for cmd in (
        ["status"],
        ["import"],
        ["codings"],
        ["report", "freq"],
        ["refi", "export"],
        ["recode"],
        ["suggest"],
    ):
        mods = _loaded("from qualcode.cli import app\napp()", *cmd, "--help")
        assert not mods & set(HEAVY), (cmd, sorted(mods & set(HEAVY)))


def test_status_of_a_sqlite_project_loads_neither_orm_nor_nlp(tmp_path: Path, demo_db: str):
    mods = _loaded("from qualcode.cli import app\napp()", "--db", demo_db, "status", "--json")
    assert "sqlite3" in mods
    assert not mods & set(HEAVY + ORM), sorted(mods & set(HEAVY + ORM))


def test_quick_status_equals_the_full_status(demo_db: str):
    from qualcode.database import make_engine, reading
    from qualcode.project import quick_status, status

    quick = quick_status(demo_db)
    engine = make_engine(demo_db, create=False)
    try:
        with reading(engine) as session:
            full = status(session, engine)
    finally:
        engine.dispose()
    assert quick == full
    assert quick["documents"] == 14 and quick["codes"] == 28
    assert set(quick["coders"]) >= {"anna", "ben"}
    assert {c["coder"] for c in quick["by_coder"]} == set(quick["coders"])


def test_quick_status_leaves_unusual_projects_to_the_full_path(tmp_path: Path, demo_db: str):
    import sqlite3

    from qualcode.project import quick_status

    assert quick_status(str(tmp_path / "missing.sqlite")) is None
    assert quick_status("postgresql+psycopg://user@localhost/qualcode") is None
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    assert quick_status(str(other)) is None  # not a qualcode project: the full path explains it
    old = tmp_path / "old.sqlite"
    old.write_bytes(Path(demo_db).read_bytes())
    conn = sqlite3.connect(old)
    conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    assert quick_status(str(old)) is None  # older schema: the full path refuses it with a hint


def test_status_errors_still_come_from_the_full_path(tmp_path: Path):
    proc = subprocess.run(
        [sys.executable, "-m", "qualcode", "--db", str(tmp_path / "nothing.sqlite"), "status"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: no qualcode project at"), proc.stderr


def test_core_modules_do_not_import_ui_libraries():
    present = [m for m in CORE if importlib.util.find_spec(m) is not None]
    mods = _loaded("\n".join(f"import {m}" for m in present))
    bad = mods & {"typer", "textual"}
    if bad:  # name the culprits
        culprits = [m for m in present if _loaded(f"import {m}") & {"typer", "textual"}]
        pytest.fail(f"core modules import {sorted(bad)}: {culprits}")
    assert "qualcode" in mods and len(present) >= 8


def _qualcode(*args: str, db: Path | None = None) -> subprocess.CompletedProcess:
    """The installed console script, as a user runs it (``main``, with its fast exit)."""
    env = {k: v for k, v in os.environ.items() if k not in ("QUALCODE_DB", "QUALCODE_NLP_MODEL")}
    env["QUALCODE_CODER"] = "tester"
    cmd = [sys.executable, "-m", "qualcode", *(["--db", str(db)] if db else []), *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


def test_the_fast_exit_keeps_output_exit_codes_and_data(tmp_path: Path):
    """`main` leaves through os._exit: the write is committed, SQLite's log folded back into
    the file, the output complete, errors still exit 2 with their one line."""
    db = tmp_path / "p.sqlite"
    assert _qualcode("init", db=db).returncode == 0
    ok = _qualcode("codes", "add", "Herausforderungen/Zeitmangel", db=db)
    assert ok.returncode == 0, ok.stderr
    assert not Path(str(db) + "-wal").exists()  # engine disposed: WAL checkpointed
    listed = _qualcode("codes", "list", "--json", db=db)
    assert listed.returncode == 0
    assert [c["code"] for c in json.loads(listed.stdout)] == [
        "Herausforderungen",
        "Herausforderungen/Zeitmangel",
    ]
    bad = _qualcode("codes", "add", "Herausforderungen/Zeitmangel", db=db)
    assert (
        bad.returncode == 2 and bad.stderr.startswith("error: ") and "Traceback" not in bad.stderr
    )
    assert _qualcode("--version").stdout.strip().startswith("qualcode ")


def test_scipy_does_not_drag_in_unused_numpy_submodules():
    """SciPy's array-API shim touches every numpy attribute; numpy.f2py and numpy.testing
    stay unloaded until used (qualcode.suggest.lazy_numpy) — and still work when used."""
    import subprocess
    import sys

    probe = (
        "import sys, qualcode.suggest, scipy.sparse\n"
        "assert 'numpy.f2py.crackfortran' not in sys.modules, 'f2py loaded'\n"
        "assert 'numpy.testing._private.utils' not in sys.modules, 'testing loaded'\n"
        "import numpy.testing\n"
        "numpy.testing.assert_allclose([1.0], [1.0])\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
