"""Disagreements side by side, for the consensus discussion: each passage on which the two
codings differ, with both codings and, once decided, the resolution."""

from __future__ import annotations

from qualcode.agreement import codes_of
from qualcode.reports.docwriters import Section

RESOLUTION_DE = {"reference": "Erstkodierung behalten", "check": "Zweitkodierung übernommen"}


def _codes(codes: list[str]) -> str:
    return "\n".join(codes) if codes else "(kein Code)"


def disagreement_sections(data: dict) -> list[Section]:
    a, b = data["coders"][:2]
    o = data["overall"]
    kappa = "—" if o.get("kappa") is None else f"{o['kappa']:.3f}"
    alpha = "—" if o.get("alpha") is None else f"{o['alpha']:.3f}"
    from qualcode.reports.units import unit_statement

    lines = [
        f"Einheiten: {unit_statement(data, 'de')}",
        f"Regel: {data['rule']}",
        f"Übereinstimmung: {o['percent_agreement']:.1%}, Cohens Kappa {kappa}, Krippendorffs Alpha {alpha}",
        f"Abweichungen: {data['disagreement_count']}",
    ]
    rows = [
        [f"{d['document']}\n{d['start']}–{d['end']}", d["text"].strip(), _codes(codes_of(d, a)),
         _codes(codes_of(d, b)), RESOLUTION_DE.get(d.get("resolution") or "", "")]
        for d in data["disagreements"]
    ]  # fmt: skip
    what = (
        f"Stichprobe {data['check_sample']}"
        if data.get("check_sample")
        else ", ".join(data["coders"])
    )
    return [
        Section(
            heading=f"Abweichungen: {what}",
            lines=lines,
            headers=["Fundstelle", "Text", a, b, "Konsens"],
            rows=rows,
            widths=[1.4, 6, 2.2, 2.2, 1.6],
        )
    ]


def disagreement_sheets(data: dict) -> list:
    from qualcode.reports.export import INT, TEXT, Sheet

    a, b = data["coders"][:2]
    rows = [
        [d["document"], d["start"], d["end"], d["text"].strip(), "; ".join(codes_of(d, a)) or "(kein Code)",
         "; ".join(codes_of(d, b)) or "(kein Code)", RESOLUTION_DE.get(d.get("resolution") or "", "")]
        for d in data["disagreements"]
    ]  # fmt: skip
    return [
        Sheet(
            "Abweichungen",
            ["Dokument", "Anfang", "Ende", "Text", a, b, "Konsens"],
            rows,
            [TEXT, INT, INT, TEXT, TEXT, TEXT, TEXT],
            freeze_cols=1,
        )  # fmt: skip
    ]
