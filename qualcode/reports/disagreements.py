"""Disagreements side by side, for the consensus discussion: each passage on which the two
codings differ, with both codings and, once decided, the resolution."""

from __future__ import annotations

from qualcode.agreement import codes_of
from qualcode.reports.docwriters import Section

RESOLUTION_DE = {"reference": "Erstkodierung behalten", "check": "Zweitkodierung übernommen"}
RESOLUTION_EN = {"reference": "first coding kept", "check": "re-coding adopted"}


def _no_code(lang: str) -> str:
    return "(kein Code)" if lang == "de" else "(no code)"


def _codes(codes: list[str], lang: str = "de") -> str:
    return "\n".join(codes) if codes else _no_code(lang)


def disagreements_title(lang: str = "de") -> str:
    return (
        "Abweichungen für die Konsensbildung" if lang == "de" else "Disagreements for the consensus"
    )


def disagreement_sections(data: dict, lang: str = "de") -> list[Section]:
    from qualcode.reports.numbers import coef, num, pct
    from qualcode.reports.units import rule_statement, unit_statement

    de = lang == "de"
    a, b = data["coders"][:2]
    o = data["overall"]
    kappa, alpha = coef(o.get("kappa"), 3, lang), coef(o.get("alpha"), 3, lang)
    agreement = pct(o["percent_agreement"], 1, lang)
    n_dis = num(data["disagreement_count"], 0, lang)
    if de:
        lines = [
            f"Einheiten: {unit_statement(data, 'de')}",
            f"Regel: {rule_statement(data, 'de')}",
            f"Übereinstimmung: {agreement}, Cohens κ = {kappa}, Krippendorffs α = {alpha}",
            f"Abweichungen: {n_dis}",
        ]
    else:
        lines = [
            f"Units: {unit_statement(data, 'en')}",
            f"Rule: {rule_statement(data, 'en')}",
            f"Agreement: {agreement}, Cohen's κ = {kappa}, Krippendorff's α = {alpha}",
            f"Disagreements: {n_dis}",
        ]
    resolution = RESOLUTION_DE if de else RESOLUTION_EN
    rows = [
        [f"{d['document']}\n{num(d['start'], 0, lang)}–{num(d['end'], 0, lang)}", d["text"].strip(),
         _codes(codes_of(d, a), lang), _codes(codes_of(d, b), lang),
         resolution.get(d.get("resolution") or "", "")]
        for d in data["disagreements"]
    ]  # fmt: skip
    if data.get("check_sample"):
        what = f"{'Stichprobe' if de else 'check sample'} {data['check_sample']}"
    else:
        what = ", ".join(data["coders"])
    return [
        Section(
            heading=f"{'Abweichungen' if de else 'Disagreements'}: {what}",
            lines=lines,
            headers=["Fundstelle", "Text", a, b, "Konsens"]
            if de
            else ["Source", "Text", a, b, "Consensus"],
            rows=rows,
            widths=[1.4, 6, 2.2, 2.2, 1.6],
        )
    ]


def disagreement_sheets(data: dict, lang: str = "de") -> list:
    from qualcode.reports.export import INT, TEXT, Sheet

    de = lang == "de"
    a, b = data["coders"][:2]
    resolution = RESOLUTION_DE if de else RESOLUTION_EN
    rows = [
        [d["document"], d["start"], d["end"], d["text"].strip(), "; ".join(codes_of(d, a)) or _no_code(lang),
         "; ".join(codes_of(d, b)) or _no_code(lang), resolution.get(d.get("resolution") or "", "")]
        for d in data["disagreements"]
    ]  # fmt: skip
    return [
        Sheet(
            "Abweichungen" if de else "Disagreements",
            ["Dokument", "Anfang", "Ende", "Text", a, b, "Konsens"]
            if de
            else ["Document", "Start", "End", "Text", a, b, "Consensus"],
            rows,
            [TEXT, INT, INT, TEXT, TEXT, TEXT, TEXT],
            freeze_cols=1,
        )  # fmt: skip
    ]
