"""Load a codebook file into an existing project: `qualcode codebook import FILE`.

Formats (by suffix): TOML (``[[codes]]`` entries, as ``codebooks/starter.toml``), CSV and
XLSX (a header row; columns ``path``, ``description``, ``definition``, ``anchor``,
``rule``, ``color``, ``codable`` — German headers such as *Kategorie*, *Definition*,
*Ankerbeispiel*, *Kodierregel*, *Farbe* work too), and REFI-QDA ``.qdc`` / ``.qdpx``
(only the codebook is read).

Codes are merged by path (compared like everywhere: NFC, case-insensitive): a new path is
created (missing parents too); an existing code keeps what it has and gets the fields it
lacks; with ``update`` the file's non-empty fields overwrite. The result lists what was
added and what was updated, field by field.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from qualcode.errors import InvalidInput

FIELDS = ("description", "definition", "anchor", "rule", "color")
SUFFIXES = (".toml", ".csv", ".xlsx", ".qdc", ".qdpx")
HEADERS = {
    "path": "path",
    "code": "path",
    "kategorie": "path",
    "kategorie (pfad)": "path",
    "pfad": "path",
    "description": "description",
    "beschreibung": "description",
    "definition": "definition",
    "anchor": "anchor",
    "anchor example": "anchor",
    "ankerbeispiel": "anchor",
    "rule": "rule",
    "coding rule": "rule",
    "kodierregel": "rule",
    "color": "color",
    "colour": "color",
    "farbe": "color",
    "codable": "codable",
    "kodierbar": "codable",
}
_TRUE = {"1", "true", "yes", "ja", "x", "wahr"}
_FALSE = {"0", "false", "no", "nein", "falsch", ""}


def read_codebook(path: Path) -> list[dict[str, Any]]:
    """The entries of a codebook file: ``{"path", "description", …, "codable"?}`` each."""
    return read_codebook_file(path)[0]


def read_codebook_file(path: Path) -> tuple[list[dict[str, Any]], str | None]:
    """The entries of a codebook file and the encoding it was read in (``utf-8``,
    ``windows-1252``, … for TOML and CSV; None for .xlsx, .qdc, .qdpx)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInput(
            f"cannot read a codebook from {path.name!r}",
            "give a .toml, .csv, .xlsx, .qdc or .qdpx file",
        )
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}", "check the path")
    if suffix in (".qdc", ".qdpx"):
        return _from_refi(path), None
    if suffix == ".toml":
        from qualcode.readers import decode_text

        text, encoding = decode_text(
            _read_bytes(path), path.name, legacy=False, fix="TOML files are UTF-8; re-save it so"
        )
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(f"cannot read {path.name}: {exc}", "check the TOML file") from exc
        if "codes" not in data:  # e.g. [[code]]: nothing would be read, silently
            found = ", ".join(f"[[{k}]]" if isinstance(v, list) else k for k, v in data.items())
            raise InvalidInput(
                f"{path.name} has no [[codes]] tables"
                + (f" (it has {found})" if found else " (it is empty)"),
                'give one [[codes]] table per code with path = "Parent/Child" (see starter.toml)',
            )
        raw = data["codes"]
        if not isinstance(raw, list):
            raise InvalidInput(f"{path.name}: codes must be [[codes]] tables", "see starter.toml")
        return [_entry(path.name, f"code {i}", e) for i, e in enumerate(raw, 1)], encoding
    encoding = None
    if suffix == ".csv":
        rows, encoding = _csv_rows(path)
    else:
        rows = list(enumerate(_xlsx_rows(path), 1))
    if not rows:
        raise InvalidInput(f"{path.name} is empty", "give a header row and one row per code")
    header = [HEADERS.get(str(h or "").strip().casefold()) for h in rows[0][1]]
    if "path" not in header:
        raise InvalidInput(
            f"{path.name}: no column 'path' in the header ({', '.join(map(str, rows[0][1]))})",
            "name the code column path (or Kategorie); optional: description, definition, "
            "anchor, rule, color, codable",
        )
    out = []
    for n, row in rows[1:]:
        values = {k: row[i] for i, k in enumerate(header) if k and i < len(row)}
        if not any(str(v or "").strip() for v in values.values()):
            continue  # a blank line
        out.append(_entry(path.name, f"line {n}", values))
    return out, encoding


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path.name}: {exc.strerror}", "check the path") from exc


def _entry(name: str, where: str, raw: dict) -> dict[str, Any]:
    if not isinstance(raw, dict) or not str(raw.get("path") or "").strip():
        raise InvalidInput(f"{name}, {where}: no code path", "give every code a path")
    entry: dict[str, Any] = {"path": str(raw["path"]).strip()}
    for key in FIELDS:
        value = raw.get(key)
        if value is not None and str(value).strip():
            entry[key] = str(value).strip()
    if "color" in entry:
        from qualcode.codebook import validate_color

        try:
            entry["color"] = validate_color(entry["color"])
        except InvalidInput as exc:
            raise InvalidInput(f"{name}, {where}: {exc.message}", exc.hint) from exc
    codable = raw.get("codable")
    if isinstance(codable, bool):
        entry["codable"] = codable
    elif codable is not None and str(codable).strip():
        text = str(codable).strip().casefold()
        if text not in _TRUE | _FALSE:
            raise InvalidInput(f"{name}, {where}: codable is {codable!r}", "use true or false")
        entry["codable"] = text in _TRUE
    return entry


def _csv_rows(path: Path) -> tuple[list[tuple[int, list[str]]], str]:
    """``[(physical line, row)]`` of a CSV codebook (the header first) and its encoding: any
    separator, read strictly (:func:`qualcode.readers.csv_table`)."""
    from qualcode.readers import csv_table, decode_text

    text, encoding = decode_text(
        _read_bytes(path), path.name, binary_hint="save it as CSV (UTF-8) or as .xlsx"
    )
    header, rows = csv_table(text, path.name)
    return [(0, header), *rows], encoding


def _xlsx_rows(path: Path) -> list[list[Any]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a damaged or foreign file
        raise InvalidInput(f"cannot read {path.name}: {exc}", "save it again as .xlsx") from exc
    try:
        ws = wb.worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def _from_refi(path: Path) -> list[dict[str, Any]]:
    from qualcode.refi.import_ import read_file
    from qualcode.textutil import join_path

    plan = read_file(path)
    out = []
    for c in plan.codes:
        entry: dict[str, Any] = {"path": join_path(list(c.names)), "codable": bool(c.codable)}
        entry.update({k: v for k, v in c.fields.items() if k in FIELDS and v})
        if c.color:
            entry["color"] = c.color
        out.append(entry)
    return out


def import_codebook(
    session: Any, entries: list[dict[str, Any]], *, update: bool = False, force: bool = False
) -> dict:
    """Merge ``entries`` into the project's code tree (one transaction: the caller's).

    A new code an existing one could be mistaken for needs ``force`` (see
    :func:`qualcode.codebook.add_code`).

    ``{"added": [path…], "updated": [{"code", "fields"}…], "unchanged": n}``."""
    from qualcode.codebook import CodeTree, add_code, edit_code

    added: list[str] = []
    updated: list[dict] = []
    unchanged = 0
    for e in entries:
        tree = CodeTree.load(session)
        code = tree.find(e["path"])
        if code is None:
            code = add_code(
                session,
                e["path"],
                **{k: e[k] for k in FIELDS if k in e},
                codable=e.get("codable", True),
                force=force,
            )
            added.append(CodeTree.load(session).path(code))
            continue
        changes = {
            k: e[k]
            for k in FIELDS
            if k in e and e[k] != (getattr(code, k) or "") and (update or not getattr(code, k))
        }
        if "codable" in e and update and e["codable"] != code.codable:
            changes["codable"] = e["codable"]
        if changes:
            path = tree.path(code)
            edit_code(session, path, **changes)
            updated.append({"code": path, "fields": sorted(changes)})
        else:
            unchanged += 1
    return {"added": added, "updated": updated, "unchanged": unchanged}
