"""Load a codebook file into an existing project: `qualcode codebook import FILE`.

Formats (by suffix): TOML (``[[codes]]`` entries, as ``codebooks/starter.toml``), CSV and
XLSX (a header row; columns ``path``, ``description``, ``definition``, ``anchor``,
``rule``, ``color``, ``codable`` — German headers such as *Kategorie*, *Definition*,
*Ankerbeispiel*, *Kodierregel*, *Farbe* work too; the one sheet with data of a workbook),
and REFI-QDA ``.qdc`` / ``.qdpx`` (only the codebook is read).

A file is read whole or refused: an unknown key, table or column, two columns for one
field, and a code path given twice (compared as :func:`qualcode.names.fold` does) are
errors, and so is a workbook with data on several sheets.

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
from qualcode.textutil import yes_no

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
KEYS = ("path", *FIELDS, "codable")
GERMAN = (
    "Kategorie",
    "Beschreibung",
    "Definition",
    "Ankerbeispiel",
    "Kodierregel",
    "Farbe",
    "kodierbar",
)


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
            found = ", ".join(_toml_key(k, v) for k, v in data.items())
            raise InvalidInput(
                f"{path.name} has no [[codes]] tables"
                + (f" (it has {found})" if found else " (it is empty)"),
                'give one [[codes]] table per code with path = "Parent/Child" (see starter.toml)',
            )
        raw = data["codes"]
        if not isinstance(raw, list):
            raise InvalidInput(f"{path.name}: codes must be [[codes]] tables", "see starter.toml")
        other = [k for k in data if k != "codes"]
        if other:  # e.g. [[code]] beside [[codes]]: its codes would be left out, silently
            from rapidfuzz import fuzz

            near = any(fuzz.ratio(k.casefold(), "codes") >= 80 for k in other)
            raise InvalidInput(
                f"{path.name}: {', '.join(_toml_key(k, data[k]) for k in other)} beside"
                " [[codes]] "
                + ("are" if len(other) > 1 else "is")
                + " not read"
                + (" (did you mean [[codes]]?)" if near else ""),
                "a codebook holds only [[codes]] tables, one per code; rename or remove "
                + ("them" if len(other) > 1 else "it"),
            )
        for i, e in enumerate(raw, 1):
            unknown = [k for k in e if k not in KEYS] if isinstance(e, dict) else []
            if unknown:
                raise InvalidInput(
                    f"{path.name}, code {i}: unknown {_listed(unknown, 'key')}",
                    f"the keys of a [[codes]] entry are {', '.join(KEYS)}",
                )
        entries = [_entry(path.name, f"code {i}", e) for i, e in enumerate(raw, 1)]
        _check_repeats(path.name, entries, [f"code {i}" for i in range(1, len(raw) + 1)])
        return entries, encoding
    encoding = None
    if suffix == ".csv":
        rows, encoding = _csv_rows(path)
    else:
        rows = list(enumerate(_xlsx_rows(path), 1))
    if not rows:
        raise InvalidInput(f"{path.name} is empty", "give a header row and one row per code")
    names = [str(h if h is not None else "").strip() for h in rows[0][1]]
    header = [HEADERS.get(h.casefold()) for h in names]
    if "path" not in header:
        raise InvalidInput(
            f"{path.name}: no column 'path' in the header ({', '.join(map(str, rows[0][1]))})",
            "name the code column path (or Kategorie); optional: description, definition, "
            "anchor, rule, color, codable",
        )
    _check_header(path.name, names, header)
    out, where = [], []
    for n, row in rows[1:]:
        stray = next(
            (i for i, v in enumerate(row) if not _named(header, i) and str(v or "").strip()),
            None,
        )
        if stray is not None:  # a value under a column without a header: it would be lost
            raise InvalidInput(
                f"{path.name}, line {n}: a value in column {stray + 1}, which has no header",
                f"give the column a header ({', '.join(KEYS)}) or remove the value",
            )
        values = {k: row[i] for i, k in enumerate(header) if k and i < len(row)}
        if not any(str(v or "").strip() for v in values.values()):
            continue  # a blank line
        out.append(_entry(path.name, f"line {n}", values))
        where.append(f"line {n}")
    _check_repeats(path.name, out, where)
    return out, encoding


def _toml_key(key: str, value: Any) -> str:
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return f"[[{key}]]"
    return f"[{key}]" if isinstance(value, dict) else repr(key)


def _named(header: list[str | None], i: int) -> bool:
    return i < len(header) and header[i] is not None


def _suggest(name: str) -> str | None:
    """The known key or column ``name`` is most likely a slip for (rapidfuzz), or None."""
    from rapidfuzz import fuzz, process

    from qualcode.names import fold

    key = fold(name).replace("_", " ").replace("-", " ")
    if key in HEADERS:  # e.g. anchor_example for the column "anchor example"
        return HEADERS[key]
    best = process.extractOne(key, list(HEADERS), scorer=fuzz.WRatio, score_cutoff=80)
    return HEADERS[best[0]] if best else None


def _listed(names: list[str], what: str) -> str:
    """``key 'defintion' (did you mean 'definition'?)``, several of them comma-separated."""
    parts = []
    for n in names:
        near = _suggest(n)
        parts.append(f"{n!r}" + (f" (did you mean {near!r}?)" if near else ""))
    return f"{what}{'s' if len(names) > 1 else ''} {', '.join(parts)}"


def _check_header(name: str, names: list[str], header: list[str | None]) -> None:
    """Refuse a header with a column nothing reads (``Definiton``, ``Anker``) or two columns
    for one field (``Kategorie`` and ``path``): either would drop what the file says."""
    unknown = [n for n, k in zip(names, header, strict=True) if n and k is None]
    if unknown:
        raise InvalidInput(
            f"{name}: unknown {_listed(unknown, 'column')}",
            f"the columns are {', '.join(KEYS)} (German: {', '.join(GERMAN)}); "
            f"rename or remove {'them' if len(unknown) > 1 else 'it'}",
        )
    for field in dict.fromkeys(k for k in header if k):
        same = [n for n, k in zip(names, header, strict=True) if k == field]
        if len(same) > 1:
            listed = ", ".join(map(repr, same[:-1])) + f" and {same[-1]!r}"
            raise InvalidInput(
                f"{name}: the columns {listed} {'both' if len(same) == 2 else 'all'} mean {field}",
                "keep one of them",
            )


def _check_repeats(name: str, entries: list[dict[str, Any]], where: list[str]) -> None:
    """Refuse a code path given twice (compared as names match: :func:`qualcode.names.fold`):
    the second entry would silently fill in or lose against the first."""
    from qualcode.names import fold
    from qualcode.textutil import split_path

    seen: dict[tuple[str, ...], int] = {}
    for i, e in enumerate(entries):
        try:
            key = tuple(fold(n) for n in split_path(e["path"]))
        except InvalidInput as exc:
            raise InvalidInput(f"{name}, {where[i]}: {exc.message}", exc.hint) from exc
        first = seen.setdefault(key, i)
        if first != i:
            raise InvalidInput(
                f"{name}, {where[i]}: {e['path']!r} repeats {entries[first]['path']!r}"
                f" ({where[first]})",
                "give each code one entry; merge the two",
            )


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
    if isinstance(codable, bool) or (codable is not None and str(codable).strip()):
        entry["codable"] = yes_no(codable, f"{name}, {where}: codable")  # one yes/no rule
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
        sheets = [(ws, [list(r) for r in ws.iter_rows(values_only=True)]) for ws in wb.worksheets]
    finally:
        wb.close()
    full = [(ws, rows) for ws, rows in sheets if any(_filled_row(r) for r in rows)]
    if len(full) > 1:  # only one would be read, the rest left out without a word
        listed = ", ".join(
            repr(ws.title) + ("" if ws.sheet_state == "visible" else " (hidden)") for ws, _ in full
        )
        raise InvalidInput(
            f"{path.name}: {len(full)} sheets hold data ({listed}), and a codebook is read"
            " from one sheet",
            "keep the codebook on one sheet and delete or empty the others "
            "(or save that sheet as .csv)",
        )
    return full[0][1] if full else []


def _filled_row(row: list[Any]) -> bool:
    return any(v is not None and str(v).strip() for v in row)


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
