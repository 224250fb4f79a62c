"""JSON Schemas (draft 2020-12) of every ``--json`` output, generated from the types that
describe the output.

Each module of this package types the output of a group of commands with TypedDicts and
registers them in its ``COMMANDS`` (command → type); the code that builds an output
annotates it with the same type. ``python -m qualcode.schemas.build`` (``make schemas``)
generates the schemas from the types into ``qualcode/schemas/json/`` — what ships in the
package and what ``qualcode schema COMMAND`` prints — and refuses to change a schema
without a new :data:`VOCABULARY_VERSION`. The keys follow one vocabulary
(:mod:`qualcode.schemas.vocabulary`).
"""

from __future__ import annotations

import importlib
import json
from functools import cache
from typing import Any

#: The version of the JSON vocabulary: the major part changes when a key is renamed,
#: removed or changes its type; the minor part when keys or commands are added.
VOCABULARY_VERSION = "2.1"

DRAFT = "https://json-schema.org/draft/2020-12/schema"

# the modules that type the commands' outputs (each has COMMANDS: command → type)
_MODULES = (
    "project",
    "documents",
    "codes",
    "codings",
    "analysis",
    "mayring",
    "reports",
    "refi",
)


def file_name(command: str) -> str:
    """``report freq`` → ``report-freq.json``."""
    return command.replace(" ", "-") + ".json"


def type_modules() -> list[Any]:
    """The modules that type the outputs (each has ``COMMANDS``, maybe ``KEYS``)."""
    return [importlib.import_module(f"qualcode.schemas.{name}") for name in _MODULES]


def command_types() -> dict[str, Any]:
    """Every command with ``--json`` → the type of its output (imports the type modules)."""
    types: dict[str, Any] = {}
    for module in type_modules():
        types.update(module.COMMANDS)
    return dict(sorted(types.items()))


@cache
def _index() -> dict[str, Any]:
    from importlib.resources import files

    return json.loads((files("qualcode.schemas") / "json" / "index.json").read_text("utf-8"))


def commands() -> list[str]:
    """The commands whose output has a shipped schema."""
    return list(_index()["commands"])


def schema(command: str) -> dict[str, Any]:
    """The shipped schema of ``command``'s ``--json`` output (KeyError: no such command)."""
    from importlib.resources import files

    if command not in _index()["commands"]:
        raise KeyError(command)
    text = (files("qualcode.schemas") / "json" / file_name(command)).read_text("utf-8")
    return json.loads(text)
