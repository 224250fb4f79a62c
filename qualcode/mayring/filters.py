"""`--rq` on the code reports: keep the categories of one research question.

Each report is computed whole, then narrowed to the question's categories (a row's totals
stay those of its own sub-tree, as in `report freq --rq`).
"""

from __future__ import annotations

from typing import Any


def question_filter(session: Any, rq: str, data: dict, kind: str) -> dict:
    """``data`` of ``report matrix|cooc|crosstab`` narrowed to question ``rq``'s categories."""
    from qualcode.mayring.questions import question_paths

    keep, name = question_paths(session, rq)
    data["rq"] = name
    if kind == "crosstab":
        data["rows"] = [r for r in data["rows"] if r["code"] in keep]
        return data
    idx = [i for i, c in enumerate(data["code_paths"]) if c in keep]
    data["code_paths"] = [data["code_paths"][i] for i in idx]
    data["code_names"] = [data["code_names"][i] for i in idx]
    if kind == "matrix":
        for row in data["rows"]:
            row["values"] = [row["values"][i] for i in idx]
            row["total"] = sum(row["values"])
        data["column_totals"] = [data["column_totals"][i] for i in idx]
    elif kind == "cooc":
        data["matrix"] = [[data["matrix"][i][j] for j in idx] for i in idx]
        data["pairs"] = [p for p in data["pairs"] if p["a"] in keep and p["b"] in keep]
    return data
