"""Crosstab: codes × the combinations of two (or more) document attributes.

``report crosstab --by Format --by Region``: one column per combination of values that
occurs (``Web · Landkreis Görlitz``), one row per code in tree order. A cell holds the
number of documents of that combination in which the code (or one of its sub-codes)
occurs, its **row share** (of all documents with the code) and its **column share** (of
the combination's documents), plus the coded segments there (the distinct spans of the
code and its sub-codes: a passage coded with two sub-codes counts once). Documents without an
attribute fall into its ``(none)`` value.
"""

from __future__ import annotations

from itertools import product
from typing import TYPE_CHECKING

from sqlmodel import Session

from qualcode.codebook import CodeTree
from qualcode.errors import InvalidInput
from qualcode.reports.common import document_groups, document_ids, ratio
from qualcode.reports.freqcore import rollup
from qualcode.reports.frequency import code_levels, code_spans
from qualcode.reports.lang import group_label

if TYPE_CHECKING:
    from qualcode.schemas.reports import (
        CrosstabCell,
        CrosstabColumn,
        CrosstabReport,
        CrosstabRow,
    )

SEP = " · "


def crosstab(
    session: Session,
    by: list[str],
    coder: str | None = None,
    include_auto: bool = False,
    level: int | None = None,
) -> CrosstabReport:
    """``{"attribute_names", "documents", "columns": [{"label", "attributes", "documents"}], "rows": [{"code",
    "name", "depth", "documents", "segments", "cells": [{"documents", "segments",
    "row_share", "column_share"}]}]}``."""
    if not by:
        raise InvalidInput("give one or more --by ATTRIBUTE", "e.g. --by Format --by Region")
    keys: list[str] = []
    groups: list = []
    for b in by:
        key, group_of, group_sizes = document_groups(session, b)
        if key in keys:
            raise InvalidInput(f"--by {b} is given twice", "give different attributes")
        keys.append(key)
        groups.append((group_of, list(group_sizes)))
    docs = document_ids(session)
    combo_of = {d: tuple(g[0][d] for g in groups) for d in docs}
    sizes: dict[tuple, int] = {}
    for combo in combo_of.values():
        sizes[combo] = sizes.get(combo, 0) + 1
    combos = [c for c in product(*[g[1] for g in groups]) if c in sizes]
    index = {c: i for i, c in enumerate(combos)}

    tree = CodeTree.load(session)
    shown, target, depth = code_levels(tree, level)
    spans = [
        span for span in code_spans(session, coder, include_auto, target) if span[1] in combo_of
    ]
    # a sub-tree's segments: its distinct spans (a passage with two sub-codes counts once)
    _own, total = rollup(shown, target, spans)  # type: ignore[arg-type]
    rows: list[CrosstabRow] = []
    for c in shown:
        mine = total[c.id]  # type: ignore[index]
        cells: list[CrosstabCell] = [
            {"documents": 0, "segments": 0, "row_share": 0.0, "column_share": 0.0} for _ in combos
        ]
        for did, n in mine.items():
            cell = cells[index[combo_of[did]]]
            cell["documents"] += 1
            cell["segments"] += n
        for combo, cell in zip(combos, cells, strict=True):
            cell["row_share"] = ratio(cell["documents"], len(mine))
            cell["column_share"] = ratio(cell["documents"], sizes[combo])
        rows.append(
            {
                "code": tree.path(c),
                "name": c.name,
                "depth": depth[c.id],  # type: ignore[index]
                "documents": len(mine),
                "segments": sum(mine.values()),
                "cells": cells,
            }
        )
    return {
        "attribute_names": keys,
        "documents": len(docs),
        "coder": coder,
        "level": level,
        "columns": [
            {
                "label": SEP.join(c),
                "attributes": dict(zip(keys, c, strict=True)),
                "documents": sizes[c],
            }
            for c in combos
        ],
        "rows": rows,
    }


def _column_name(col: CrosstabColumn, lang: str) -> str:
    """A column's combination of values in ``lang`` (documents without a value: "(ohne
    Angabe)" in German; the data keeps ``(none)``)."""
    return SEP.join(group_label(v, lang) for v in col["attributes"].values())


def crosstab_title(data: CrosstabReport, lang: str = "de") -> str:
    return ("Kreuztabelle nach " if lang == "de" else "Crosstab by ") + " × ".join(
        data["attribute_names"]
    )


def crosstab_sheets(
    data: CrosstabReport, *, lang: str = "de", paths: bool = False, compact: bool = False
):
    """The crosstab (and, in files, a sheet of the groups); ``compact``: the terminal's
    short English headers."""
    from qualcode.reports.export import INT, PCT, TEXT, Sheet

    de = lang == "de"
    if compact:
        headers = ["code", "docs"]
    else:
        headers = ["Kategorie" if de else "Category", "Dokumente" if de else "Documents"]
    kinds = [TEXT, INT]
    names = [_column_name(col, "en" if compact else lang) for col in data["columns"]]
    for col, name in zip(data["columns"], names, strict=True):
        label = f"{name} (n={col['documents']})"
        if compact:
            headers += [f"{col['label']} n", "row %", "col %"]
        elif de:
            headers += [f"{label}: Dokumente", f"{label}: Zeilen-%", f"{label}: Spalten-%"]
        else:
            headers += [f"{label}: documents", f"{label}: row %", f"{label}: column %"]
        kinds += [INT, PCT, PCT]
    rows, indent = [], []
    for r in data["rows"]:
        row = [r["code"] if paths else r["name"], r["documents"]]
        for cell in r["cells"]:
            row += [cell["documents"], cell["row_share"], cell["column_share"]]
        rows.append(row)
        indent.append(0 if paths else r["depth"] - 1)
    title = "Kreuztabelle" if de else "Crosstab"
    sheets = [Sheet(title, headers, rows, kinds, indent, freeze_cols=2)]
    if not compact:
        sheets.append(
            Sheet(
                "Gruppen" if de else "Groups",
                [" × ".join(data["attribute_names"]), "Dokumente" if de else "Documents"],
                [[name, c["documents"]] for c, name in zip(data["columns"], names, strict=True)],
                [TEXT, INT],
            )
        )
    return sheets
