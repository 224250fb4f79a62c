"""The full report's section on intercoder agreement (``report full --agreement A,B``).

Registered in :data:`qualcode.reports.full.OPTIONAL_SECTIONS`; empty unless the report is
asked for it. The figures are those of ``qualcode agreement --coders A,B`` (per category
and overall: units, percent agreement, Cohen's kappa, Krippendorff's alpha); with the
coder ``engine`` the suggestions engine is one of the coders, measured by its
out-of-sample first suggestions (:mod:`qualcode.suggest.engine_coder`).
"""

from __future__ import annotations

from qualcode.reports.full import Block, Context


def _num(x: float | None, pct: bool = False) -> str:
    if x is None:
        return "—"
    return (f"{100 * x:.1f} %" if pct else f"{x:.3f}").replace(".", ",")


def agreement_section(ctx: Context) -> list[Block]:
    if not ctx.agreement:
        return []
    from qualcode.agreement import agreement
    from qualcode.config import ENGINE_CODER
    from qualcode.reports.units import unit_statement

    data = agreement(ctx.session, ctx.agreement)
    coders = data["coders"]
    two = len(coders) == 2
    shown = ["Vorschlagsassistent (engine)" if c == ENGINE_CODER else c for c in data["coders"]]
    how = (
        "ein Kodierender ordnet eine Einheit der Kategorie X zu, wenn seine Kodierungen mit X "
        f"mindestens {100 * data['overlap']:.0f} % davon abdecken"
    )
    lines = [
        ("Verglichen", ", ".join(shown)),
        ("Einheiten", unit_statement(data, "de")),
        ("Regel", how),
    ]
    eng = data.get("engine")
    if eng:
        lines.append(
            (
                "Vorschlagsassistent",
                "sein erster Vorschlag je Einheit, von einem Modell, das das Dokument der "
                f"Einheit nicht gesehen hat (trainiert je Gruppe von Dokumenten, {eng['folds']} "
                f"Gruppen), gezählt ab einem Score von {format(eng['min_score'], 'g').replace('.', ',')}",
            )
        )
    headers = [
        "Kategorie",
        *[f"kodiert von {c}" for c in shown],
        "von allen",
        "Übereinstimmung",
        *(["Cohens Kappa"] if two else []),
        "Krippendorffs Alpha",
    ]
    rows = []
    for c in data["codes"]:
        rows.append(
            [
                c["code"],
                *[str(c["coded_units"][n]) for n in coders],
                str(c["coded_by_all"]),
                _num(c["percent_agreement"], pct=True),
                *([_num(c["kappa"])] if two else []),
                _num(c["alpha"]),
            ]
        )
    o = data["overall"]
    rows.append(
        [
            "Gesamt (Menge der Kategorien je Einheit)",
            *[""] * len(coders),
            "",
            _num(o["percent_agreement"], pct=True),
            *([_num(o["kappa"])] if two else []),
            _num(o["alpha"]),
        ]
    )
    return [
        ("h1", "Intercoder-Übereinstimmung"),
        ("dl", lines),
        ("table", headers, rows),
        ("p", f"Verschieden kodierte Einheiten: {data['disagreement_count']}."),
    ]
