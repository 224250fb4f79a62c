"""The full report's section on intercoder agreement (``report full --agreement A,B``).

Registered in :data:`qualcode.reports.full.OPTIONAL_SECTIONS`; empty unless the report is
asked for it. The figures are those of ``qualcode agreement --coders A,B`` (per category
and overall: units, percent agreement, Cohen's kappa, Krippendorff's alpha); with the
coder ``engine`` the suggestions engine is one of the coders, measured by its
out-of-sample first suggestions (:mod:`qualcode.suggest.engine_coder`).
"""

from __future__ import annotations

from qualcode.reports.full import Block, Context
from qualcode.reports.numbers import coef, pct, tr


def _num(x: float | None, lang: str, percent: bool = False) -> str:
    if x is None:
        return "—"
    return pct(x, 1, lang) if percent else coef(x, 3, lang)


def agreement_section(ctx: Context) -> list[Block]:
    if not ctx.agreement:
        return []
    from qualcode.agreement import agreement, coded_units
    from qualcode.config import ENGINE_CODER
    from qualcode.reports.units import unit_statement

    lg = ctx.lang
    data = agreement(ctx.session, ctx.agreement)
    coders = data["coders"]
    two = len(coders) == 2
    assistant = tr(lg, "Vorschlagsassistent", "suggestions engine")
    shown = [f"{assistant} (engine)" if c == ENGINE_CODER else c for c in data["coders"]]
    how = tr(
        lg,
        "ein Kodierender ordnet eine Einheit der Kategorie X zu, wenn seine Kodierungen mit X "
        f"mindestens {pct(data['overlap'], 0, lg)} davon abdecken",
        "a coder gives a unit the category X when their codings with X cover at least "
        f"{pct(data['overlap'], 0, lg)} of it",
    )
    lines = [
        (tr(lg, "Verglichen", "Compared"), ", ".join(shown)),
        (tr(lg, "Einheiten", "Units"), unit_statement(data, lg)),
        (tr(lg, "Regel", "Rule"), how),
    ]
    eng = data.get("engine")
    if eng:
        score = format(eng["min_score"], "g").replace(".", "," if lg == "de" else ".")
        lines.append(
            (
                assistant[0].upper() + assistant[1:],
                tr(
                    lg,
                    "sein erster Vorschlag je Einheit, von einem Modell, das das Dokument der "
                    f"Einheit nicht gesehen hat (trainiert je Gruppe von Dokumenten, "
                    f"{eng['folds']} Gruppen), gezählt ab einem Score von {score}",
                    "its first suggestion on each unit, from a model that did not see the "
                    f"unit's document (trained per group of documents, {eng['folds']} groups), "
                    f"counted from a score of {score}",
                ),
            )
        )
    headers = [
        tr(lg, "Kategorie", "Category"),
        *[tr(lg, f"kodiert von {c}", f"coded by {c}") for c in shown],
        tr(lg, "von allen", "by all"),
        tr(lg, "Übereinstimmung", "Agreement"),
        *([tr(lg, "Cohens Kappa", "Cohen's kappa")] if two else []),
        tr(lg, "Krippendorffs Alpha", "Krippendorff's alpha"),
    ]
    rows = []
    for c in data["rows"]:
        rows.append(
            [
                c["code"],
                *[str(coded_units(c, n)) for n in coders],
                str(c["coded_by_all"]),
                _num(c["percent_agreement"], lg, percent=True),
                *([_num(c["kappa"], lg)] if two else []),
                _num(c["alpha"], lg),
            ]
        )
    o = data["overall"]
    rows.append(
        [
            tr(lg, "Gesamt (Menge der Kategorien je Einheit)", "Overall (set of codes per unit)"),
            *[""] * len(coders),
            "",
            _num(o["percent_agreement"], lg, percent=True),
            *([_num(o["kappa"], lg)] if two else []),
            _num(o["alpha"], lg),
        ]
    )
    return [
        ("h1", tr(lg, "Intercoder-Übereinstimmung", "Intercoder agreement")),
        ("dl", lines),
        ("table", headers, rows),
        (
            "p",
            tr(lg, "Verschieden kodierte Einheiten", "Units coded differently")
            + f": {data['disagreement_count']}.",
        ),
    ]
