"""Intercoder agreement: known answers computed by hand, checked against the krippendorff package.

Units are the paragraphs of the documents all compared coders coded; a coder codes a
paragraph with X when their codings of X (union) cover at least --overlap of it.
"""

from __future__ import annotations

import json

import pytest
from conftest import import_codings, make_doc

X, Y = "Kat/X", "Kat/Y"


def code_row(data: dict, code: str) -> dict:
    return next(c for c in data["rows"] if c["code"] == code)


def coded(row: dict) -> dict[str, int]:
    """A code row's units coded, by coder."""
    return {c["coder"]: c["units"] for c in row["by_coder"]}


def codes(unit: dict) -> dict[str, list[str]]:
    """A disagreement's codes, by coder."""
    return {c["coder"]: c["code_paths"] for c in unit["by_coder"]}


@pytest.fixture
def ten_units(cli, write_file, tmp_path):
    """10 paragraphs of different lengths; X coded by anna and ben on 0–3, by anna only on 8,
    by ben only on 9, by nobody on 4–7."""
    lengths = [20, 30, 25, 40, 22, 35, 28, 31, 300, 15]
    spans = make_doc(
        cli,
        write_file,
        "k.txt",
        # sentences (a full stop): a short line without one would be a heading, not a unit
        [f"Absatz {i} " + "x" * (n - 10 - len(str(i))) + "." for i, n in enumerate(lengths)],
    )
    rows = []
    for i, (s, e) in enumerate(spans):
        if i <= 3 or i == 8:
            rows.append(("k.txt", s, e, X, "anna"))
        if i <= 3 or i == 9:
            rows.append(("k.txt", s, e, X, "ben"))
    import_codings(cli, tmp_path, rows)
    return spans


def test_binary_known_answer(cli, ten_units):
    data = cli.json("agreement", "--coders", "anna,ben")
    assert (
        data["document_names"] == ["k.txt"] and data["units"] == 10 and data["unit"] == "paragraph"
    )
    x = code_row(data, X)
    # 2×2 table over 10 units:      ben X   ben –
    #                     anna X      4       1
    #                     anna –      1       4
    # po = 8/10 = 0.8; each coder codes X on 5/10 → pe = 0.5·0.5 + 0.5·0.5 = 0.5
    # κ = (0.8 − 0.5) / (1 − 0.5) = 0.6
    # Krippendorff: 20 values, n_X = n_– = 10; coincidences o_X– = o_–X = 2 (two disagreeing units)
    # α = 1 − (n − 1)·Do / Σ_{c≠k} n_c·n_k = 1 − 19·4 / (2·10·10) = 1 − 0.38 = 0.62
    assert x["percent_agreement"] == 0.8
    assert x["expected_agreement"] == 0.5
    assert x["kappa"] == pytest.approx(0.6)
    assert x["alpha"] == pytest.approx(0.62)
    assert coded(x) == {"anna": 5, "ben": 5} and x["coded_by_all"] == 4 and x["units"] == 10
    # one code only: the overall nominal values are {X} and "no code" — the same figures
    o = data["overall"]
    assert (o["percent_agreement"], o["kappa"], o["alpha"]) == (0.8, 0.6, 0.62)
    assert data["disagreement_count"] == 2
    assert [(d["start"], codes(d)) for d in data["disagreements"]] == [
        (ten_units[8][0], {"anna": [X], "ben": []}),
        (ten_units[9][0], {"anna": [], "ben": [X]}),
    ]
    assert data["disagreements"][0]["text"].startswith("Absatz 8 ")


def test_kappa_is_not_the_character_overlap_kappa(cli, ten_units):
    """One popular tool computes a 'kappa' from counts of coded and overlapping characters.
    On this data that gives a different number; ours is the unit-based Cohen's kappa."""
    data = cli.json("agreement", "--coders", "anna,ben")
    total = ten_units[-1][1]  # characters of the document
    length = [e - s for s, e in ten_units]
    both = sum(length[:4])
    a, b = both + length[8], both + length[9]
    neither = total - (a + b - both)
    po = (both + neither) / total
    pe = (a / total) * (b / total) + (1 - a / total) * (1 - b / total)
    char_kappa = (po - pe) / (1 - pe)
    assert abs(char_kappa - 0.6) > 0.1  # ≈ 0.30 here: the long paragraph 8 dominates
    assert code_row(data, X)["kappa"] == pytest.approx(0.6)
    assert code_row(data, X)["kappa"] != pytest.approx(char_kappa, abs=0.01)
    # nor is it the share of agreeing units (a frequent mix-up)
    assert code_row(data, X)["kappa"] != code_row(data, X)["percent_agreement"]


def test_sets_of_codes_are_one_nominal_value(cli, write_file, tmp_path):
    spans = make_doc(cli, write_file, "m.txt", [f"Absatz Nummer {i} ist Inhalt." for i in range(5)])
    # unit:   0     1        2     3     4
    # anna:  {X}  {X, Y}    {}    {Y}   {}
    # ben:   {X}  {X}       {}    {Y}   {Y}
    rows = [
        ("m.txt", *spans[0], X, "anna"),
        ("m.txt", *spans[1], X, "anna"),
        ("m.txt", *spans[1], Y, "anna"),
        ("m.txt", *spans[3], Y, "anna"),
        ("m.txt", *spans[0], X, "ben"),
        ("m.txt", *spans[1], X, "ben"),
        ("m.txt", *spans[3], Y, "ben"),
        ("m.txt", *spans[4], Y, "ben"),
    ]
    import_codings(cli, tmp_path, rows)
    data = cli.json("agreement", "--coders", "anna,ben")
    o = data["overall"]
    # agree on units 0, 2, 3 → po = 3/5 = 0.6
    # marginals anna: X 1, X+Y 1, none 2, Y 1; ben: X 2, none 1, Y 2
    # pe = (1·2 + 1·0 + 2·1 + 1·2) / 25 = 6/25 = 0.24 → κ = (0.6 − 0.24)/(1 − 0.24) = 0.36/0.76
    assert o["percent_agreement"] == 0.6
    assert o["expected_agreement"] == 0.24
    assert o["kappa"] == pytest.approx(round(0.36 / 0.76, 4))
    # α: n = 10 values: X 3, X+Y 1, none 3, Y 3; Do = 4 (units 1 and 4, both orders)
    # Σ_{c≠k} n_c n_k = 10² − (9 + 1 + 9 + 9) = 72 → α = 1 − 9·4/72 = 0.5
    assert o["alpha"] == pytest.approx(0.5)
    # per code, binary: X agrees everywhere (anna X on 0,1; ben X on 0,1)
    assert code_row(data, X)["percent_agreement"] == 1.0 and code_row(data, X)["kappa"] == 1.0
    # Y: anna on 1, 3; ben on 3, 4 → table 1/1/1/2: po = 3/5, pe = 0.4·0.4 + 0.6·0.6 = 0.52
    # κ = (0.6 − 0.52)/0.48 = 1/6
    assert code_row(data, Y)["kappa"] == pytest.approx(round(1 / 6, 4))
    assert [codes(d) for d in data["disagreements"]] == [
        {"anna": [X, Y], "ben": [X]},
        {"anna": [], "ben": [Y]},
    ]


def test_alpha_matches_the_krippendorff_package(cli, write_file, tmp_path):
    import krippendorff
    import numpy as np

    spans = make_doc(cli, write_file, "r.txt", [f"Einheit {i} mit etwas Text." for i in range(12)])
    # three coders, two codes, a deterministic but irregular pattern
    pattern = {
        "anna": {X: [0, 1, 2, 5, 8, 9], Y: [3, 4, 8, 11]},
        "ben": {X: [0, 1, 5, 6, 8], Y: [3, 4, 7, 11]},
        "cara": {X: [0, 2, 5, 8, 9, 10], Y: [3, 8, 11]},
    }
    rows = [
        ("r.txt", *spans[i], code, coder)
        for coder, codes in pattern.items()
        for code, units in codes.items()
        for i in units
    ]
    import_codings(cli, tmp_path, rows)
    data = cli.json("agreement", "--coders", "anna,ben,cara")
    assert data["units"] == 12
    coders = ["anna", "ben", "cara"]
    for code in (X, Y):
        reliability = np.array(
            [[1 if i in pattern[c][code] else 0 for i in range(12)] for c in coders], dtype=float
        )
        expected = krippendorff.alpha(reliability_data=reliability, level_of_measurement="nominal")
        assert code_row(data, code)["alpha"] == pytest.approx(expected, abs=1e-4)
        assert code_row(data, code)["kappa"] is None  # Cohen's kappa is for two coders
    labels: dict[frozenset, int] = {}
    matrix = [
        [
            labels.setdefault(frozenset(k for k in (X, Y) if i in pattern[c][k]), len(labels))
            for i in range(12)
        ]
        for c in coders
    ]
    expected = krippendorff.alpha(
        reliability_data=np.array(matrix, dtype=float), level_of_measurement="nominal"
    )
    assert data["overall"]["alpha"] == pytest.approx(expected, abs=1e-4)
    pairwise = {tuple(p["coders"]): p["kappa"] for p in data["overall"]["pairwise_kappa"]}
    assert set(pairwise) == {("anna", "ben"), ("anna", "cara"), ("ben", "cara")}
    # two coders: our kappa and alpha against the package / a direct computation
    two = cli.json("agreement", "--coders", "anna,ben")
    reliability = np.array(
        [[1 if i in pattern[c][X] else 0 for i in range(12)] for c in ("anna", "ben")], dtype=float
    )
    assert code_row(two, X)["alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=reliability, level_of_measurement="nominal"), abs=1e-4
    )
    assert pairwise[("anna", "ben")] == two["overall"]["kappa"]
    # the files carry every pair's kappa as the terminal and the JSON do
    from openpyxl import load_workbook

    cli.ok("agreement", "--coders", "anna,ben,cara", "-o", str(tmp_path / "a.xlsx"))
    sheet = load_workbook(tmp_path / "a.xlsx").worksheets[0]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    got = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    for a, b in pairwise:
        col = header.index(f"Cohens Kappa {a}–{b}")
        assert got[X][col].value == pytest.approx(
            next(p["kappa"] for p in code_row(data, X)["pairwise_kappa"] if p["coders"] == [a, b])
        )
        assert got["Gesamt (Menge der Kategorien je Einheit)"][col].value == pytest.approx(
            pairwise[(a, b)]
        )
    assert "siehe die Spalten der Personenpaare" in got[X][header.index("Hinweis")].value
    # and one pair by hand: anna and ben on X, units 0–11 (2×2 table)
    a_x, b_x = set(pattern["anna"][X]), set(pattern["ben"][X])
    both = len(a_x & b_x)
    neither = 12 - len(a_x | b_x)
    po = (both + neither) / 12
    pe = (len(a_x) * len(b_x) + (12 - len(a_x)) * (12 - len(b_x))) / 144
    col = header.index("Cohens Kappa anna–ben")
    assert got[X][col].value == pytest.approx((po - pe) / (1 - pe), abs=1e-4)
    cli.ok("agreement", "--coders", "anna,ben,cara", "-o", str(tmp_path / "a.csv"), "--lang", "en")
    header_csv = (tmp_path / "a.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert "Cohen's kappa anna–cara" in header_csv and "Cohen's kappa ben–cara" in header_csv


def test_overlap_threshold_uses_the_union_of_spans(cli, write_file, tmp_path):
    spans = make_doc(cli, write_file, "o.txt", [x * 99 + "." for x in "abcd"])
    s0, s1, s2, s3 = (s for s, _ in spans)
    rows = [
        ("o.txt", s0, s0 + 40, X, "anna"),  # 40 % of paragraph 0
        ("o.txt", s1, s1 + 30, X, "anna"),  # 30 % + 30 % (disjoint) = 60 % of paragraph 1
        ("o.txt", s1 + 50, s1 + 80, X, "anna"),
        ("o.txt", s2, s2 + 30, X, "anna"),  # overlapping 30 % + 30 % = union 40 % of paragraph 2
        ("o.txt", s2 + 10, s2 + 40, X, "anna"),
        ("o.txt", s3, s3 + 100, Y, "ben"),  # ben has coded the document
    ]
    import_codings(cli, tmp_path, rows)

    def anna_units(overlap: str) -> int:
        return coded(
            code_row(cli.json("agreement", "--coders", "anna,ben", "--overlap", overlap), X)
        )["anna"]

    assert anna_units("0.5") == 1  # only paragraph 1 (60 %)
    assert anna_units("0.4") == 3  # 40 %, 60 %, 40 %
    assert anna_units("0.7") == 0
    assert anna_units("0") == 3  # any overlap
    res = cli("agreement", "--coders", "anna,ben", "--overlap", "1.5")
    assert res.exit_code == 2


def test_undefined_kappa_is_null_with_a_note(cli, write_file, tmp_path):
    spans = make_doc(
        cli, write_file, "u.txt", ["Erster Absatz.", "Zweiter Absatz.", "Dritter Absatz."]
    )
    import_codings(
        cli, tmp_path, [("u.txt", s, e, X, c) for c in ("anna", "ben") for s, e in spans]
    )
    data = cli.json("agreement", "--coders", "anna,ben")
    x = code_row(data, X)
    # both coders code X on every unit: pe = 1·1 + 0·0 = 1 → κ = 0/0, undefined; α has no variation
    assert x["percent_agreement"] == 1.0
    assert x["kappa"] is None and x["alpha"] is None and x["expected_agreement"] == 1.0
    assert any("pe = 1" in n for n in x["notes"])
    out = cli.ok("agreement", "--coders", "anna,ben").stdout
    assert "note: kappa undefined" in out
    row = next(line for line in out.splitlines() if line.startswith("Kat/X"))
    assert row.split() == ["Kat/X", "3", "3", "3", "100.0", "%", "—", "—"]


def test_only_documents_coded_by_all_coders_are_units(cli, write_file, tmp_path):
    a = make_doc(cli, write_file, "a.txt", ["Eins.", "Zwei."])
    b = make_doc(cli, write_file, "b.txt", ["Drei.", "Vier.", "Fünf."])
    make_doc(cli, write_file, "c.txt", ["Sechs."])
    import_codings(
        cli,
        tmp_path,
        [("a.txt", *a[0], X, "anna"), ("a.txt", *a[0], X, "ben"), ("b.txt", *b[0], X, "anna")],
    )
    data = cli.json("agreement", "--coders", "anna,ben")
    assert (
        data["document_names"] == ["a.txt"] and data["units"] == 2
    )  # b.txt only coded by anna, c.txt by nobody
    assert data["excluded_documents"] == [{"document": "b.txt", "coders": ["anna"]}]
    assert code_row(data, X)["percent_agreement"] == 1.0
    out = cli.ok("agreement", "--coders", "anna,ben").stdout
    assert "Left out (not coded by all): b.txt (anna)" in out


def test_code_filter_and_errors(cli, write_file, tmp_path, ten_units):
    import_codings(cli, tmp_path, [("k.txt", *ten_units[4], "Andere/Z", "anna")])
    data = cli.json("agreement", "--coders", "anna,ben")
    assert {c["code"] for c in data["rows"]} == {X, "Andere/Z"}
    assert data["overall"]["percent_agreement"] == 0.7
    only = cli.json("agreement", "--coders", "anna,ben", "--code", "Kat")
    assert [c["code"] for c in only["rows"]] == [X] and only["overall"]["percent_agreement"] == 0.8
    lvl = cli.json("agreement", "--coders", "anna,ben", "--level", "1")
    assert [c["code"] for c in lvl["rows"]] == ["Kat", "Andere"]
    for args, msg in [
        (["--coders", "anna"], "at least two"),
        (["--coders", "anna,nobody"], "unknown coder 'nobody'"),
        (["--coders", "anna,ben", "--code", "Nix"], "unknown code"),
        (["--coders", "anna,ben", "--unit", "chapter"], "unknown unit"),
    ]:
        res = cli("agreement", *args)
        assert res.exit_code == 2 and msg in res.output, res.output
    cli.ok("code", "k.txt", "--start", "0", "--end", "5", "--code", X, "--coder", "cara")
    make_doc(cli, write_file, "n.txt", ["Neu."])
    cli.ok("code", "n.txt", "--start", "0", "--end", "4", "--code", X, "--coder", "dora")
    res = cli("agreement", "--coders", "cara,dora")
    assert res.exit_code == 2 and "common document" in res.output


def test_demo_agreement(demo_cli):
    data = demo_cli.json("agreement", "--coders", "anna,ben")
    assert data["document_names"] == ["protokoll_01.md", "protokoll_03.txt"]
    assert len(data["excluded_documents"]) == 5  # anna's other protocols
    o = data["overall"]
    assert o["units"] == data["units"] > 0
    assert data["disagreement_count"] == o["units"] - o["agreements"] > 0
    assert 0 < o["kappa"] < 1 and 0 < o["alpha"] < 1
    for d in data["disagreements"]:
        assert codes(d)["anna"] != codes(d)["ben"]
    out = demo_cli.ok("agreement", "--coders", "anna,ben", "--show", "1").stdout
    assert "OVERALL" in out and "more (--show N" in out
    assert json.loads(demo_cli.ok("agreement", "--coders", "anna,ben", "--json").stdout)[
        "coders"
    ] == ["anna", "ben"]


def test_coefficients_directly():
    from collections import Counter

    from qualcode.agreement import cohen_kappa, krippendorff_alpha_nominal

    kappa, po, pe = cohen_kappa(Counter({(1, 1): 4, (1, 0): 1, (0, 1): 1, (0, 0): 4}))
    assert (round(kappa, 6), po, pe) == (0.6, 0.8, 0.5)
    assert cohen_kappa(Counter({(1, 1): 5})) == (None, 1.0, 1.0)
    assert cohen_kappa(Counter()) == (None, None, None)
    # missing values (None) are skipped; a unit with one value is not pairable
    assert krippendorff_alpha_nominal(
        [((1, 1), 4), ((1, 0), 1), ((0, 1), 1), ((0, 0), 4), ((1, None), 3)]
    ) == pytest.approx(0.62)
    assert krippendorff_alpha_nominal([((1, 1), 3)]) is None


def test_agreement_exports(cli, ten_units, tmp_path):
    import openpyxl

    out = tmp_path / "a.xlsx"
    cli.ok("agreement", "--coders", "anna,ben", "-o", str(out))
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Übereinstimmung", "Abweichungen"]
    ws = wb["Übereinstimmung"]
    assert [c.value for c in ws[1]][:8] == [
        "Kategorie",
        "Einheiten",
        "kodiert von anna",
        "kodiert von ben",
        "von allen",
        "Übereinstimmung",
        "Cohens Kappa",
        "Krippendorffs Alpha",
    ]
    assert [c.value for c in ws[2]][:8] == [X, 10, 5, 5, 4, 0.8, 0.6, 0.62]
    assert ws.cell(row=2, column=6).number_format == "0.0%"
    assert ws.freeze_panes == "B2"
    dis = wb["Abweichungen"]
    assert [c.value for c in dis[2]][4:] == [X, "(kein Code)"]
    text = cli.ok("agreement", "--coders", "anna,ben", "-f", "csv", "--excel").stdout
    assert text.splitlines()[1] == "Kat/X;10;5;5;4;80,0;0,600;0,620;"


def test_coefficients_match_reference_implementations_on_random_data():
    """Random nominal data (with missing values for alpha): kappa against scikit-learn,
    alpha against the krippendorff package."""
    import random
    from collections import Counter

    import krippendorff
    import numpy as np
    from sklearn.metrics import cohen_kappa_score

    from qualcode.agreement import cohen_kappa, krippendorff_alpha_nominal

    rng = random.Random(7)
    for _ in range(25):
        n = rng.randint(5, 40)
        k = rng.randint(2, 4)
        a = [rng.randrange(k) for _ in range(n)]
        b = [x if rng.random() < 0.6 else rng.randrange(k) for x in a]
        if len(set(a)) > 1 or len(set(b)) > 1:
            kappa, _po, _pe = cohen_kappa(Counter(zip(a, b, strict=True)))
            assert kappa == pytest.approx(cohen_kappa_score(a, b), abs=1e-9)
        m = rng.randint(2, 4)
        data = [
            [
                x if rng.random() < 0.8 else None
                for x in ([rng.randrange(k) for _ in range(n)] if c else a)
            ]
            for c in range(m)
        ]
        units = [(tuple(data[c][u] for c in range(m)), 1) for u in range(n)]
        ours = krippendorff_alpha_nominal(units)
        ref = np.array([[np.nan if v is None else v for v in row] for row in data], dtype=float)
        try:
            expected = krippendorff.alpha(reliability_data=ref, level_of_measurement="nominal")
        except ValueError:  # the package refuses data with a single value
            expected = None
        if ours is None or expected is None or np.isnan(expected):
            continue
        assert ours == pytest.approx(expected, abs=1e-9)


def test_document_unit(cli, write_file, tmp_path):
    a = make_doc(cli, write_file, "a.txt", ["Eins.", "Zwei."])
    b = make_doc(cli, write_file, "b.txt", ["Drei.", "Vier."])
    c = make_doc(cli, write_file, "c.txt", ["Fünf."])
    rows = [
        ("a.txt", *a[0], X, "anna"),
        ("a.txt", *a[1], X, "ben"),  # another paragraph, same document: agreement on the document
        ("b.txt", *b[0], X, "anna"),
        ("b.txt", *b[0], Y, "ben"),
        ("c.txt", *c[0], Y, "anna"),
        ("c.txt", *c[0], Y, "ben"),
    ]
    import_codings(cli, tmp_path, rows)
    data = cli.json("agreement", "--coders", "anna,ben", "--unit", "document")
    assert data["unit"] == "document" and data["units"] == 3
    # X: anna {a, b}, ben {a} → agree on a and c, differ on b
    x = code_row(data, X)
    assert (x["agreements"], coded(x)) == (2, {"anna": 2, "ben": 1})
    # kappa: table 1/1/0/1 → po = 2/3, pe = 2/3·1/3 + 1/3·2/3 = 4/9 → κ = (2/3 − 4/9)/(5/9) = 0.4
    assert x["kappa"] == pytest.approx(0.4)
    assert [(d["document"], codes(d)) for d in data["disagreements"]] == [
        ("b.txt", {"anna": [X], "ben": [Y]})
    ]
    passage = cli.json("agreement", "--coders", "anna,ben")
    # on the 5 paragraphs a0, a1 and b0 differ on X; b1 and c0 agree
    assert (passage["units"], code_row(passage, X)["agreements"]) == (5, 2)
