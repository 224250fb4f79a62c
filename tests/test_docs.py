"""The documentation site (issue 26): the generated pages cover the code, every page is in
the navigation, the README stays short and points at pages that exist."""

from __future__ import annotations

import importlib.util
import re
import types

import pytest
from conftest import ROOT

DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def hooks():
    spec = importlib.util.spec_from_file_location("qualcode_docs_hooks", DOCS / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_cli_reference_has_a_section_for_every_command(hooks) -> None:
    import typer

    from qualcode.cli import app

    expected = []

    def walk(cmd, path):
        expected.append(" ".join(["qualcode", *path]))
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    text = hooks.cli_reference()
    headings = re.findall(r"^#{2,4} `(qualcode[^`]*)`$", text, re.MULTILINE)
    assert sorted(headings) == sorted(expected)
    demo_build = text[text.index("### `qualcode demo build`") :]
    demo_build = demo_build[: demo_build.index("\n## ")]
    assert (
        "| `--codebook <path>` | Starter codebook TOML [default: the starter codebook" in demo_build
    )
    assert "```\nqualcode demo build [OPTIONS]\n```" in demo_build


def test_the_keys_page_lists_every_binding_of_the_help_screen(hooks) -> None:
    from qualcode.tui.screens.help import _keys, binding_sections

    text = hooks.keys_reference()
    for section, _target, bindings in binding_sections():
        assert f"## {section}\n" in text
        for b in bindings:
            keys = " / ".join(f"`{k}`" for k in _keys(b).split(" / "))
            assert f"| {keys} | " in text, (section, b.key)
    assert "| `c` | Code… |" in text and "| `n` | Next uncoded |" in text


def test_the_json_reference_is_generated_from_the_schemas() -> None:
    """docs/json.md is what `make schemas` writes: a section per command, every key."""
    from qualcode import schemas
    from qualcode.schemas.reference import render
    from qualcode.schemas.vocabulary import all_keys

    text = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")
    assert text == render(), "run `make schemas`"
    for command in schemas.commands():
        assert f"### `qualcode {command} --json`" in text
    for key in all_keys():
        assert f"| `{key}` |" in text


def test_markers_are_replaced_and_an_unknown_one_is_an_error(hooks) -> None:
    page = types.SimpleNamespace(file=types.SimpleNamespace(src_uri="x.md"))
    out = hooks.on_page_markdown(
        "# C\n\n<!-- qualcode:include CHANGELOG.md -->\n", page, None, None
    )
    assert out.startswith("# C\n\n# Changelog\n")
    with pytest.raises(ValueError, match="unknown marker qualcode:nope"):
        hooks.on_page_markdown("<!-- qualcode:nope -->\n", page, None, None)


def test_every_page_is_in_the_navigation_and_every_entry_exists() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = set(re.findall(r":\s+(\S+\.md)\s*$", config, re.MULTILINE))
    pages = {p.name for p in DOCS.glob("*.md")}
    assert nav == pages


def test_the_readme_is_short_and_its_links_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 250
    assert "make run" in readme and "make test" in readme
    assert "pipx install" in readme and "uv tool install" in readme
    links = re.findall(r"\]\(((?:docs/|CHANGELOG)[^)#]*)", readme)
    assert len(links) >= 15
    assert [link for link in links if not (ROOT / link).exists()] == []
