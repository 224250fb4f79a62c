"""One JSON vocabulary, written down as schemas (issue 24).

Every command with --json has a JSON Schema generated from the types that build its output
(qualcode/schemas/); the shipped schemas equal what the types generate; a schema cannot
change without a new vocabulary version; every key has one type in every schema; and every
command's output on the demo project validates against its schema (tests/conftest.py
checks every --json output of every test, too)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from test_json_vocabulary import leaf_commands

from qualcode import schemas
from qualcode.schemas import build
from qualcode.schemas.vocabulary import all_keys


def json_commands() -> set[str]:
    return {
        " ".join(path)
        for path, cmd in leaf_commands()
        if path and path != ("schema",) and any("--json" in p.opts for p in cmd.params)
    }


def test_every_json_command_has_a_schema() -> None:
    assert json_commands() - set(schemas.commands()) == set()
    assert set(schemas.commands()) - json_commands() == set()


def test_the_shipped_schemas_are_what_the_types_generate() -> None:
    assert build.main(["--check"]) == 0, "run `make schemas`"


def test_a_schema_changes_only_with_a_new_vocabulary_version() -> None:
    digest = build.fingerprint(build.generate_all())
    recorded = build.versions().get(schemas.VOCABULARY_VERSION)
    assert recorded == digest, (
        f"the schemas changed but VOCABULARY_VERSION is still {schemas.VOCABULARY_VERSION}: "
        "raise it in qualcode/schemas/__init__.py, then `make schemas`"
    )
    # the version is in every schema
    for name in schemas.commands():
        assert schemas.schema(name)["x-vocabulary-version"] == schemas.VOCABULARY_VERSION


def test_the_version_check_refuses_a_changed_schema(monkeypatch, capsys) -> None:
    real = build.generate_all()
    changed = dict(real)
    changed["status"] = {**real["status"], "description": "something else"}
    monkeypatch.setattr(build, "generate_all", lambda: changed)
    assert build.main(["--check"]) == 1
    assert "raise VOCABULARY_VERSION" in capsys.readouterr().err


def _json_types(prop: dict[str, Any], defs: dict[str, Any]) -> set[str]:
    if "$ref" in prop:
        return {"object"}
    if "anyOf" in prop:
        return set().union(*(_json_types(p, defs) for p in prop["anyOf"]))
    if "enum" in prop and "type" not in prop:
        return {type(v).__name__.replace("str", "string") for v in prop["enum"]}
    t = prop.get("type")
    if t is None:
        return {"any"}
    return set(t) if isinstance(t, list) else {t}


def _properties(node: Any, defs: dict[str, Any]):
    if isinstance(node, dict):
        yield from (node.get("properties") or {}).items()
        for value in node.values():
            yield from _properties(value, defs)
    elif isinstance(node, list):
        for value in node:
            yield from _properties(value, defs)


def test_every_key_has_one_type_in_every_schema() -> None:
    problems = []
    KEYS = all_keys()
    for name in schemas.commands():
        doc = schemas.schema(name)
        defs = doc.get("$defs", {})
        for key, prop in _properties(doc, defs):
            if key not in KEYS:
                problems.append(f"{name}: {key!r} is not in the vocabulary")
                continue
            types = _json_types(prop, defs) - {"null"}
            want = KEYS[key].type
            if want != "any" and types != {want}:
                problems.append(f"{name}: {key!r} is {sorted(types)}, the vocabulary says {want}")
    assert problems == []


def test_schema_prints_a_schema_and_lists_every_command(cli) -> None:
    r = cli.ok("schema", "status")
    doc = json.loads(r.stdout)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["x-vocabulary-version"] == schemas.VOCABULARY_VERSION
    Draft202012Validator.check_schema(doc)
    every = json.loads(cli.ok("schema", "--all").stdout)
    assert set(every["schemas"]) == json_commands()
    assert every["vocabulary_version"] == schemas.VOCABULARY_VERSION
    assert cli.ok("schema", "--list").stdout.split("\n")[0] == sorted(json_commands())[0]
    r = cli("schema", "report", "freqq")
    assert r.exit_code == 2 and "did you mean 'report freq'" in r.stderr


def test_every_command_output_on_the_demo_validates(demo_cli, tmp_path) -> None:
    """Runs every --json command on the demo (conftest's Run validates each output) and
    checks that the run covered every command."""
    import json_catalogue

    covered = set()
    for command, args in json_catalogue.steps(tmp_path):
        if callable(args):
            args = args(demo_cli)
        inp = "geheim-123\n" if command == "users add" else None
        r = demo_cli(*args, "--json", input=inp)
        assert r.exit_code == 0, f"{command}: {r.output}"
        assert json.loads(r.stdout) is not None
        covered.add(command)
    assert json_commands() - covered == set()


@pytest.mark.parametrize("command", sorted(json_commands()))
def test_every_schema_is_a_valid_draft_2020_12_schema(command: str) -> None:
    if command in schemas.commands():
        Draft202012Validator.check_schema(schemas.schema(command))
