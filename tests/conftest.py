"""Shared fixtures: fresh temporary projects, a CLI runner, the demo project."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent

os.environ.setdefault("QUALCODE_CODER", "tester")
os.environ.pop("QUALCODE_DB", None)
os.environ.pop("QUALCODE_NLP_MODEL", None)


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "project.sqlite")


@pytest.fixture
def engine(db_path: str):
    from qualcode.database import make_engine

    eng = make_engine(db_path)
    yield eng
    eng.dispose()


class Run:
    """Runs `qualcode --db DB ARGS…` in-process; `.json()` parses stdout."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, env: dict[str, str] | None = None):
        from qualcode.cli import app

        result = self.runner.invoke(
            app, ["--db", self.db, *map(str, args)], input=input, env=env, catch_exceptions=True
        )
        if result.exception and not isinstance(result.exception, SystemExit):
            import traceback

            traceback.print_exception(result.exception)
        return result

    def ok(self, *args: str, **kw):
        result = self(*args, **kw)
        assert result.exit_code == 0, (
            f"qualcode {' '.join(map(str, args))} failed ({result.exit_code}): {result.output}"
        )
        return result

    def json(self, *args: str, **kw):
        return json.loads(self.ok(*args, "--json", **kw).stdout)


@pytest.fixture
def cli(db_path: str) -> Run:
    return Run(db_path)


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    Run(str(path)).ok(
        "demo",
        "build",
        "--corpus",
        str(ROOT / "corpus"),
        "--codebook",
        str(ROOT / "codebooks" / "starter.toml"),
    )
    return path


@pytest.fixture
def demo_db(_demo_template: Path, tmp_path: Path) -> str:
    """A fresh copy of the demo project (built once per test session)."""
    target = tmp_path / "demo.sqlite"
    src, dst = sqlite3.connect(_demo_template), sqlite3.connect(target)
    with dst:
        src.backup(dst)  # includes what is still in the WAL
    src.close()
    dst.close()
    return str(target)


@pytest.fixture
def demo_cli(demo_db: str) -> Run:
    return Run(demo_db)


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[..., Path]:
    def write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding=encoding, newline="")
        return path

    return write
