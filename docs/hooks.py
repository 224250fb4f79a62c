"""MkDocs hooks: the pages that are generated from the code, so they cannot go stale.

A page asks for generated content with a marker on a line of its own:

- ``<!-- qualcode:cli -->`` — the CLI reference, from the Typer app (every command's usage,
  help text, arguments and options);
- ``<!-- qualcode:keys -->`` — the workbench's keys, from its binding tables (the same
  sections as the help screen, F1);
- ``<!-- qualcode:include FILE -->`` — a file of the checkout (the changelog).

(The JSON reference, json.md, is written by ``make schemas`` from ``qualcode/schemas``.)

Screenshots: ``screenshots/NAME.svg`` are rendered from the workbench itself (a headless
run on a freshly built demo project) and added to the site; pages link to them as images.
``QUALCODE_DOCS_SCREENSHOTS=0`` leaves them out (a quick preview; the build then warns).
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^<!-- qualcode:(\w+)(?: ([^>]*?))? -->$", re.MULTILINE)
SIZE = (120, 34)  # the screenshots' terminal size (columns, lines)

# --- the CLI reference ----------------------------------------------------------------------


def _commands() -> list[tuple[list[str], Any]]:
    import typer

    from qualcode.cli import app

    out: list[tuple[list[str], Any]] = []

    def walk(cmd: Any, path: list[str]) -> None:
        out.append((path, cmd))
        for name in sorted(getattr(cmd, "commands", {}) or {}):
            walk(cmd.commands[name], [*path, name])

    walk(typer.main.get_command(app), [])
    return out


def _cell(text: str) -> str:
    """Text for a table cell (one line; ``<`` and ``|`` escaped)."""
    return html.escape(" ".join(text.split()), quote=False).replace("|", "\\|")


def _code(text: str) -> str:
    """A code span for a table cell, shown as written (Python-Markdown's tables leave a
    ``|`` inside a code span alone)."""
    return "`" + " ".join(text.split()) + "`"


def cli_reference() -> str:
    """Markdown for every command: its help text, usage and parameters."""
    from typer import _click as click  # Typer's own Click, the one its commands are made of

    parts: list[str] = []
    root_ctx = None
    contexts: dict[tuple[str, ...], Any] = {}
    for path, cmd in _commands():
        parent = contexts.get(tuple(path[:-1])) if path else None
        ctx = click.Context(cmd, info_name=path[-1] if path else "qualcode", parent=parent)
        contexts[tuple(path)] = ctx
        if root_ctx is None:
            root_ctx = ctx
        name = " ".join(["qualcode", *path])
        level = "#" * min(2 + max(len(path) - 1, 0), 4)
        parts.append(f"{level} `{name}`\n")
        help_text = (cmd.help or "").strip()
        if help_text:
            parts.append(_paragraphs(help_text) + "\n")
        usage = " ".join(cmd.collect_usage_pieces(ctx))
        parts.append(f"```\n{name} {usage}\n```\n")
        rows = []
        for param in cmd.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                if getattr(param, "param_type_name", "") != "argument":
                    continue
                record = (param.human_readable_name, getattr(param, "help", "") or "")
            rows.append(f"| {_code(record[0])} | {_cell(record[1])} |")
        if rows:
            parts.append("| parameter | meaning |\n|---|---|\n" + "\n".join(rows) + "\n")
        subs = getattr(cmd, "commands", None)
        if subs:
            items = [
                f"| [`{n}`](#{_anchor(' '.join(['qualcode', *path, n]))}) | "
                f"{_cell(subs[n].get_short_help_str(limit=90))} |"
                for n in sorted(subs)
            ]
            parts.append("| command | what it does |\n|---|---|\n" + "\n".join(items) + "\n")
    return "\n".join(parts)


def _paragraphs(text: str) -> str:
    """Click's help text: paragraphs separated by blank lines, \\b blocks kept as written."""
    out = []
    for block in re.split(r"\n\s*\n", text):
        if block.startswith("\b"):
            out.append("```\n" + block[1:].strip("\n") + "\n```")
        else:
            out.append(" ".join(block.split()))
    return "\n\n".join(out)


def _anchor(title: str) -> str:
    """The id MkDocs' toc extension gives a heading (`qualcode demo build` → qualcode-demo-build)."""
    slug = re.sub(r"[^\w\s-]", "", title.lower()).strip()
    return re.sub(r"[\s]+", "-", slug)


# --- the workbench's keys -----------------------------------------------------------------


def keys_reference() -> str:
    """Markdown tables of every binding, as the help screen (F1) lists them."""
    from qualcode.tui.screens.help import _keys, binding_sections

    parts = []
    for section, _target, bindings in binding_sections():
        rows = [
            f"| {' / '.join(f'`{k}`' for k in _keys(b).split(' / '))} | {_cell(b.description)} |"
            for b in bindings
        ]
        parts.append(f"## {section}\n\n| key | action |\n|---|---|\n" + "\n".join(rows) + "\n")
    return "\n".join(parts)


# --- screenshots -------------------------------------------------------------------------

_SHOTS: dict[str, str] = {}


def screenshots() -> dict[str, str]:
    """SVGs of the workbench on the demo project, rendered headless (once per process)."""
    if not _SHOTS:
        # no background embedder for a project that lives only as long as this build
        os.environ.setdefault("QUALCODE_SEMANTIC_BACKGROUND", "off")
        with tempfile.TemporaryDirectory() as tmp:
            db = str(Path(tmp) / "demo.sqlite")
            _build_demo(db)
            _SHOTS.update(asyncio.run(_render(db)))
    return _SHOTS


def _build_demo(db: str) -> None:
    from qualcode.database import make_engine, transaction
    from qualcode.demo import build_demo

    engine = make_engine(db, create=True)
    try:
        with transaction(engine, command="qualcode demo build", coder="anna") as session:
            build_demo(session)
    finally:
        engine.dispose()


async def _render(db: str) -> dict[str, str]:
    from qualcode.database import make_engine
    from qualcode.tui.app import QualcodeApp

    shots: dict[str, str] = {}
    engine = make_engine(db)
    app = QualcodeApp(engine, "anna", db_label="demo.sqlite", suggestions=False)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await _settle(pilot)
            await pilot.press(*"jjjjjjjjjjjj")  # a coded passage of the first protocol
            await _settle(pilot)
            shots["coding"] = app.export_screenshot(title="qualcode")
            await pilot.press("c", *"zeit")
            await _settle(pilot)
            shots["picker"] = app.export_screenshot(title="qualcode — code picker")
            await pilot.press("escape")
            await _settle(pilot)
            await pilot.press("f5")
            await _settle(pilot)
            await pilot.press("b")
            await _settle(pilot)
            shots["frequencies"] = app.export_screenshot(title="qualcode — frequencies (F5)")
            await pilot.press("escape")
            await _settle(pilot)
            await pilot.press("f1")
            await _settle(pilot)
            shots["help"] = app.export_screenshot(title="qualcode — help (F1)")
    finally:
        engine.dispose()
    return shots


async def _settle(pilot: Any) -> None:
    """Let the workers finish and the screen repaint (no fixed wait)."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


# --- the MkDocs events ---------------------------------------------------------------------

GENERATORS = {"cli": cli_reference, "keys": keys_reference}


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    def replace(m: re.Match[str]) -> str:
        kind, arg = m.group(1), (m.group(2) or "").strip()
        if kind == "include":
            return (ROOT / arg).read_text(encoding="utf-8")
        if kind in GENERATORS:
            return GENERATORS[kind]()
        raise ValueError(f"{page.file.src_uri}: unknown marker qualcode:{kind}")

    return MARKER.sub(replace, markdown)


def on_files(files: Any, config: Any) -> Any:
    if os.environ.get("QUALCODE_DOCS_SCREENSHOTS", "1").strip().lower() in ("0", "no", "off"):
        return files
    from mkdocs.structure.files import File

    for name, svg in screenshots().items():
        files.append(File.generated(config, f"screenshots/{name}.svg", content=svg))
    return files


if __name__ == "__main__":  # `make screenshot`: the README's image, from this version
    import sys

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images/workbench.svg")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(screenshots()["coding"], encoding="utf-8")
    print(f"wrote {target}")
