"""Every command has help text and is documented on a page of the documentation (docs/)."""

from __future__ import annotations

from pathlib import Path

import pytest

# the hand-written pages: the generated CLI reference (docs/cli.md) would list every command anyway
DOCS = "\n".join(
    p.read_text(encoding="utf-8")
    for p in sorted((Path(__file__).resolve().parent.parent / "docs").glob("*.md"))
    if p.name != "cli.md"
)


def _commands():
    from typer.main import get_command

    from qualcode.cli import app

    root = get_command(app)
    out = []

    def walk(cmd, path):
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, [*path, name])
        if path:
            out.append((tuple(path), cmd))

    walk(root, [])
    return out


@pytest.mark.parametrize(
    ("path", "cmd"), _commands(), ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
def test_command_has_help_and_is_documented(cli, path, cmd):
    result = cli(*path, "--help")
    assert result.exit_code == 0
    assert (cmd.help or "").strip(), f"qualcode {' '.join(path)} has no help text"
    top = path[0]
    assert f"qualcode {top}" in DOCS, f"`qualcode {top}` is on no page of docs/"
