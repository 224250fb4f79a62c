"""The summary grid: documents as rows (with their attributes), categories as columns,
each cell the case summary of that category in that document (MAXQDA's summary table)."""

from __future__ import annotations

from qualcode.reports.docwriters import Section


def grid_title(lang: str = "de") -> str:
    return "Fallzusammenfassungen" if lang == "de" else "Case summaries"


def grid_sheets(data: dict, lang: str = "de") -> list:
    from qualcode.reports.export import TEXT, Sheet

    keys, codes = data["attributes"], data["codes"]
    headers = ["Dokument" if lang == "de" else "Document", *keys, *codes]
    rows = [
        [r["document"], *[r["attributes"].get(k) for k in keys],
         *[r["summaries"].get(c, "") for c in codes]]
        for r in data["rows"]
    ]  # fmt: skip
    return [Sheet(grid_title(lang), headers, rows, [TEXT] * len(headers), freeze_cols=1)]


def grid_sections(data: dict, lang: str = "de") -> list[Section]:
    """DOCX/HTML/Markdown: one table per category (a grid of many wide text columns does
    not fit a page) — documents with their attributes and the summary."""
    keys = data["attributes"]
    sections = []
    for code in data["codes"]:
        rows = [
            [r["document"], ", ".join(f"{k}: {r['attributes'][k]}" for k in keys
                                      if r["attributes"].get(k) not in (None, "")),
             r["summaries"][code]]
            for r in data["rows"]
            if r["summaries"].get(code)
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
