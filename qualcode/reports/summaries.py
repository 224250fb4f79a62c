"""The summary grid: documents as rows (with their attributes), categories as columns,
each cell the case summary of that category in that document (MAXQDA's summary table)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qualcode.reports.docwriters import Section

if TYPE_CHECKING:
    from qualcode.schemas.reports import SummariesRow


def summary_text(row: SummariesRow, code: str) -> str:
    """The summary of ``code`` in a row of the summary grid ("" when it has none)."""
    return next((s["text"] for s in row["summaries"] if s["code"] == code), "")


def grid_title(lang: str = "de") -> str:
    return "Fallzusammenfassungen" if lang == "de" else "Case summaries"


def grid_sheets(data: dict, lang: str = "de") -> list:
    from qualcode.reports.export import TEXT, Sheet

    keys, codes = data["attribute_names"], data["code_paths"]
    headers = ["Dokument" if lang == "de" else "Document", *keys, *codes]
    rows = [
        [r["document"], *[r["attributes"].get(k) for k in keys],
         *[summary_text(r, c) for c in codes]]
        for r in data["rows"]
    ]  # fmt: skip
    return [Sheet(grid_title(lang), headers, rows, [TEXT] * len(headers), freeze_cols=1)]


def grid_sections(data: dict, lang: str = "de") -> list[Section]:
    """DOCX/HTML/Markdown: one table per category (a grid of many wide text columns does
    not fit a page) — documents with their attributes and the summary."""
    keys = data["attribute_names"]
    if not data["code_paths"]:  # no summary at all: say so, and how to write one
        de = lang == "de"
        return [
            Section(
                heading="Keine Fallzusammenfassungen" if de else "No case summaries",
                lines=[
                    (
                        "Für die gewählten Dokumente und Kategorien gibt es noch keine "
                        "Fallzusammenfassungen."
                        if de
                        else "There are no case summaries yet for the chosen documents and "
                        "categories."
                    ),
                    (
                        "Schreiben Sie eine mit `qualcode summary set DOKUMENT KATEGORIE TEXT` "
                        "(in der Arbeitsansicht mit der Taste S) und erstellen Sie diese Datei dann neu."
                        if de
                        else "Write one with `qualcode summary set DOCUMENT CATEGORY TEXT` "
                        "(in the workbench with the key S), then create this file again."
                    ),
                ],
                headers=[],
                rows=[],
            )
        ]
    sections = []
    for code in data["code_paths"]:
        rows = [
            [r["document"], ", ".join(f"{k}: {r['attributes'][k]}" for k in keys
                                      if r["attributes"].get(k) not in (None, "")),
             summary_text(r, code)]
            for r in data["rows"]
            if summary_text(r, code)
        ]  # fmt: skip
        sections.append(
            Section(
                heading=code,
                lines=[
                    f"Zusammenfassungen: {len(rows)} von {len(data['rows'])} Dokumenten"
                    if lang == "de"
                    else f"Summaries: {len(rows)} of {len(data['rows'])} documents"
                ],
                headers=["Dokument", "Merkmale", "Zusammenfassung"]
                if lang == "de"
                else ["Document", "Attributes", "Summary"],
                rows=rows,
                widths=[1.6, 2.2, 6],
            )
        )
    return sections
