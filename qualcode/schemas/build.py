"""Generate the JSON Schemas from the output types: ``python -m qualcode.schemas.build``.

Writes ``qualcode/schemas/json/<command>.json`` and ``index.json`` (the commands, the
vocabulary version and a fingerprint of all schemas). ``versions.json`` keeps the
fingerprint of every vocabulary version: a schema that changes while
:data:`~qualcode.schemas.VOCABULARY_VERSION` stays is refused (bump the version first).
``--check`` writes nothing and fails when the shipped files differ from the types.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from qualcode.schemas import DRAFT, VOCABULARY_VERSION, command_types, file_name
from qualcode.schemas.common import Error
from qualcode.schemas.vocabulary import all_keys

HERE = Path(__file__).resolve().parent
OUT = HERE / "json"
VERSIONS = HERE / "versions.json"
# the JSON reference of the documentation (in a checkout, not in an installed package)
REFERENCE = HERE.parent.parent / "docs" / "json.md"


def _tidy(node: Any, keys: dict[str, Any]) -> Any:
    """Drop pydantic's generated property titles, close every object (no undocumented
    keys), and describe every property from the vocabulary."""
    if isinstance(node, list):
        return [_tidy(n, keys) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            props = {}
            for name, prop in value.items():
                prop = _tidy(prop, keys)
                prop.pop("title", None)
                if name in keys and "description" not in prop:
                    prop["description"] = keys[name].meaning
                props[name] = prop
            out[key] = props
        else:
            out[key] = _tidy(value, keys)
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def generate(command: str, output_type: Any) -> dict[str, Any]:
    """The JSON Schema of ``command``'s output: the output, or an expected error."""
    from pydantic import TypeAdapter

    body = TypeAdapter(output_type | Error).json_schema(ref_template="#/$defs/{model}")
    body = _tidy(body, all_keys())
    doc = {
        "$schema": DRAFT,
        "$id": f"qualcode:{VOCABULARY_VERSION}:{file_name(command)}",
        "title": f"qualcode {command} --json",
        "x-vocabulary-version": VOCABULARY_VERSION,
    }
    doc.update(body)
    return doc


def generate_all() -> dict[str, dict[str, Any]]:
    return {cmd: generate(cmd, t) for cmd, t in command_types().items()}


def dumps(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def fingerprint(schemas: dict[str, dict[str, Any]]) -> str:
    """The same for the same schemas, whatever the vocabulary version written in them."""
    blob = json.dumps(
        {
            cmd: {k: v for k, v in s.items() if k not in ("$id", "x-vocabulary-version")}
            for cmd, s in sorted(schemas.items())
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _reference_current() -> bool:
    from qualcode.schemas.reference import render

    return REFERENCE.exists() and REFERENCE.read_text("utf-8") == render()


def versions() -> dict[str, str]:
    return json.loads(VERSIONS.read_text("utf-8")) if VERSIONS.exists() else {}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    schemas = generate_all()
    print_ = print
    digest = fingerprint(schemas)
    known = versions()
    # --force: record new schemas under the current version — only while that version is
    # not released yet (in development)
    if "--force" not in argv and known.get(VOCABULARY_VERSION, digest) != digest:
        print_(
            f"the JSON schemas changed, but the vocabulary version is still {VOCABULARY_VERSION} "
            "— raise VOCABULARY_VERSION in qualcode/schemas/__init__.py (major: a key renamed, "
            "removed or retyped; minor: keys or commands added) and run `make schemas` again",
            file=sys.stderr,
        )
        return 1
    index = {"vocabulary_version": VOCABULARY_VERSION, "fingerprint": digest, "commands": {}}
    index["commands"] = {cmd: file_name(cmd) for cmd in schemas}
    files = {file_name(cmd): dumps(s) for cmd, s in schemas.items()}
    files["index.json"] = dumps(index)
    checkout = (HERE.parent.parent / "pyproject.toml").exists()
    if "--check" in argv:
        if checkout and not _reference_current():
            print_(f"{REFERENCE} is stale — run `make schemas`", file=sys.stderr)
            return 1
        stale = [
            name
            for name, text in files.items()
            if not (OUT / name).exists() or (OUT / name).read_text("utf-8") != text
        ]
        extra = sorted(p.name for p in OUT.glob("*.json") if p.name not in files)
        if stale or extra:
            print_(f"stale schemas: {stale + extra} — run `make schemas`", file=sys.stderr)
            return 1
        return 0
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*.json"):
        if old.name not in files:
            old.unlink()
    for name, text in files.items():
        (OUT / name).write_text(text, encoding="utf-8")
    known[VOCABULARY_VERSION] = digest
    VERSIONS.write_text(json.dumps(known, indent=2) + "\n", encoding="utf-8")
    if checkout:
        from qualcode.schemas import _index
        from qualcode.schemas.reference import render

        _index.cache_clear()
        REFERENCE.parent.mkdir(exist_ok=True)
        REFERENCE.write_text(render(), encoding="utf-8")
    print_(f"wrote {len(schemas)} schemas (vocabulary {VOCABULARY_VERSION}) to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
