"""One JSON vocabulary for every command (docs/commands.md, "JSON vocabulary").

``code`` is a code path, ``document`` a document name, ``id`` the row's id, ``*_at`` an
ISO timestamp, plural nouns (``codings``, ``documents``) are counts. Keys that meant the
same under another name stay one version as aliases next to the canonical key.
"""

from __future__ import annotations

from typing import Any

# kind of row → {old key: canonical key}
# (vocabulary 2.0 removed the aliases of codes, documents and the log: qualcode/schemas)
ALIASES: dict[str, dict[str, str]] = {
    "memo": {"updated": "updated_at"},
}


def canonical(data: Any, kind: str) -> Any:
    """``data`` (a row or a list of rows) with the canonical keys added (in place)."""
    rows = data if isinstance(data, list) else [data]
    for row in rows:
        if isinstance(row, dict):
            for old, new in ALIASES[kind].items():
                if old in row and new not in row:
                    row[new] = row[old]
    return data
