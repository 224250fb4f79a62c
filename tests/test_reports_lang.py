"""One report language per project (German or English), its number format, and figures
that print: nothing cut off, PNG at 300 dpi with SVG and PDF beside it, fonts embedded."""

from __future__ import annotations

import re
import sqlite3
from html.parser import HTMLParser

import pytest

from qualcode.reports.lang import detect
from qualcode.reports.numbers import coef, num, pct

H = "Herausforderungen und Hindernisse"

# --- numbers --------------------------------------------------------------------------------


def test_numbers_in_german_and_english():
    assert (num(1234, 0, "de"), num(1234, 0, "en")) == ("1.234", "1,234")
    assert (num(1234567.891, 2, "de"), num(-0.5, 1, "en")) == ("1.234.567,89", "-0.5")
    assert (pct(0.5, 1, "de"), pct(0.895, 1, "de"), pct(0.895, 1, "en")) == (
        "50,0 %",
        "89,5 %",
        "89.5%",
    )
    assert (coef(0.8514, 3, "de"), coef(0.8514, 3, "en"), coef(None)) == ("0,851", "0.851", "—")


def test_detect_language():
    assert detect(["Die Schule und das Jugendamt sind nicht erreichbar."]) == "de"
    assert detect(["The school and the youth office were not available."]) == "en"
    assert detect(["alpha beta", ""]) is None


# --- the setting ----------------------------------------------------------------------------


def test_report_lang_setting_and_option(demo_cli, tmp_path):
    md = tmp_path / "f.md"
    demo_cli.ok("report", "freq", "--by", "Format", "-o", str(md))  # the documents are German
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Kategorienhäufigkeiten nach Format")
    # German number format: 7 of 14 documents; 41 distinct passages (sqlite3 by hand)
    assert f"| **{H}**" not in text and "| 41 | 7 | 50,0 % |" in text
    demo_cli.ok("config", "set", "report.lang", "en")
    assert demo_cli.json("config", "show")["report.lang"] == "en"
    demo_cli.ok("report", "freq", "--by", "Format", "-o", str(md))
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Category frequencies by Format")
    assert "| Category | Segments | Documents | % documents |" in text
    assert "| 41 | 7 | 50.0% |" in text
    demo_cli.ok("report", "freq", "--by", "Format", "-o", str(md), "--lang", "de")  # overrides
    assert md.read_text(encoding="utf-8").startswith("# Kategorienhäufigkeiten")
    demo_cli.ok("config", "set", "report.lang", "")  # reset: the documents decide again
    demo_cli.ok("report", "freq", "-o", str(md))
    assert md.read_text(encoding="utf-8").startswith("# Kategorienhäufigkeiten")
    bad = demo_cli("config", "set", "report.lang", "fr")
    assert bad.exit_code == 2
    assert bad.stderr.strip() == (
        "error: unknown report language 'fr' — use de or en (or an empty value: follow the "
        "documents)"
    )
    bad = demo_cli("report", "freq", "-o", str(md), "--lang", "fr")
    assert bad.exit_code == 2 and "unknown report language 'fr'" in bad.stderr


def test_disagreements_german_numbers_and_rule(demo_cli, tmp_path):
    md = tmp_path / "d.md"
    demo_cli.ok("report", "disagreements", "--coders", "anna,ben", "-o", str(md))
    data = demo_cli.json("agreement", "--coders", "anna,ben")
    text = md.read_text(encoding="utf-8")
    o = data["overall"]
    share = f"{100 * o['percent_agreement']:.1f}".replace(".", ",")
    kappa = f"{o['kappa']:.3f}".replace(".", ",")
    assert f"Übereinstimmung: {share} %, Cohens κ = {kappa}, Krippendorffs α = " in text
    assert "Regel: die inhaltlichen Absätze der Dokumente, die alle von anna, ben kodiert" in text
    assert "units:" not in text and "coded" not in text


# --- every report in both languages ---------------------------------------------------------

# Words only the generated text of a report uses (headings, sentences, notes, headers).
MARKERS = {
    "de": {
        "Kategorie", "Kategorien", "Dokument", "Dokumente", "Dokumenten", "Einheiten",
        "Übereinstimmung", "Abweichungen", "Kodierleitfaden", "Kodierregel", "Ankerbeispiel",
        "Zeichen", "Segmente", "kodierte", "Häufigkeiten", "Kodierungen", "Anteil", "Summe",
        "Fundstelle", "Konsens", "Methode", "Überschneidungen", "Absätze", "Regel", "Gesamt",
        "Hinweis", "Merkmale", "Zusammenfassungen", "Auswertung", "inkl", "nach", "von", "mit",
        "Wörter", "Paare", "Kodierende", "Person",
    },
    "en": {
        "the", "of", "and", "with", "by", "in", "per", "Category", "Categories", "category",
        "documents", "Documents", "document", "Units", "units", "Agreement", "Disagreements",
        "Segments", "segments", "coded", "Frequencies", "frequencies", "paragraphs",
        "characters", "Overall", "Note", "Rule", "Coding", "coding", "Share", "Summaries",
        "Summary", "Method", "Consensus", "Source", "Count", "Words", "words", "pairs", "coder",
    },
}  # fmt: skip


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = False

    def handle_starttag(self, tag, attrs):
        self._skip = tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip = False

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[^\W\d_]+", text))


def _content_words(db: str) -> set[str]:
    """Every word of the project's own material (documents, codes, memos, attributes, names):
    these may appear in a report of either language."""
    con = sqlite3.connect(db)
    try:
        sql = [
            "SELECT text FROM document",
            "SELECT name FROM document",
            "SELECT name || ' ' || coalesce(definition, '') || ' ' || coalesce(anchor, '') || ' '"
            " || coalesce(rule, '') || ' ' || coalesce(description, '') FROM code",
            "SELECT coalesce(title, '') || ' ' || text FROM memo",
            "SELECT key || ' ' || value FROM document_attribute",
            "SELECT name FROM coder",
        ]
        return {w for q in sql for (t,) in con.execute(q) for w in _words(t or "")}
    finally:
        con.close()


REPORTS = [
    ("freq", ["report", "freq", "--by", "Format"], "md"),
    ("cooc", ["report", "cooc"], "md"),
    ("crosstab", ["report", "crosstab", "--by", "Format", "--by", "Region"], "md"),
    ("matrix", ["report", "matrix"], "md"),
    ("segments", ["report", "segments", "--code", f"{H}/Zeitmangel"], "md"),
    ("words", ["report", "words"], "md"),
    ("agreement", ["agreement", "--coders", "anna,ben"], "md"),
    ("agenda", ["report", "agenda"], "md"),
    ("summaries", ["report", "summaries"], "md"),
    ("disagreements", ["report", "disagreements", "--coders", "anna,ben"], "md"),
    ("disagreements", ["report", "disagreements", "--coders", "anna,ben"], "html"),
    ("full", ["report", "full"], "html"),
]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_report_in_one_language(demo_cli, demo_db, tmp_path, lang):
    other = "en" if lang == "de" else "de"
    demo_cli.ok("summary", "set", "protokoll_01.md", H, "Zeit und Personal fehlen.")
    content = _content_words(demo_db) | {"Zeit", "Personal", "fehlen", "Jaccard", "κ", "α"}
    found = {}
    for name, args, suffix in REPORTS:
        out = tmp_path / f"{name}.{suffix}"
        demo_cli.ok(*args, "-o", str(out), "--lang", lang)
        text = out.read_text(encoding="utf-8")
        if suffix == "html":
            parser = _Text()
            parser.feed(text)
            text = " ".join(parser.parts)
            assert f'<html lang="{lang}">' in out.read_text(encoding="utf-8")
        generated = _words(text) - content
        found[name] = sorted(generated & MARKERS[other])
        assert generated & MARKERS[lang], f"{name}: no {lang} words at all"
    assert found == {name: [] for name, _a, _s in REPORTS}


# --- figures --------------------------------------------------------------------------------


def _figures(db: str, lang: str):
    """Every figure of the reports, built from the demo project as the CLI builds them."""
    from sqlmodel import Session

    from qualcode import nlp
    from qualcode.database import make_engine
    from qualcode.reports.chart import frequency_figure
    from qualcode.reports.cooccurrence import cooccurrence
    from qualcode.reports.frequency import frequency_table
    from qualcode.reports.matrix import code_matrix, matrix_figure
    from qualcode.reports.network import graph, network_figure
    from qualcode.reports.words import cloud_figure, word_frequencies, words_figure

    engine = make_engine(db)
    try:
        with Session(engine) as s:
            colors = {r["code"]: r["color"] for r in frequency_table(s)["rows"]}
            tables = {
                "freq": frequency_table(s),
                "freq-by": frequency_table(s, by="Format"),
                "freq-heat": frequency_table(s, by="Region"),
            }
            words = word_frequencies(s, nlp.load(None))
            one = word_frequencies(s, nlp.load(None), code=H)  # one narrow panel: the title
            cooc = cooccurrence(s, across_coders=True)
            matrix = code_matrix(s)
    finally:
        engine.dispose()
    nodes, edges = graph(cooc, colors)
    return [
        *[(k, lambda plt, t=t: frequency_figure(plt, t, lang=lang)) for k, t in tables.items()],
        ("words", lambda plt: words_figure(plt, words, lang=lang, colors=colors)),
        ("words-one", lambda plt: words_figure(plt, one, lang=lang, colors=colors)),
        ("cloud", lambda plt: cloud_figure(plt, words, lang=lang, colors=colors)),
        ("network", lambda plt: network_figure(plt, cooc, nodes, edges, lang)),
        ("matrix", lambda plt: matrix_figure(plt, matrix, lang=lang)),
    ], words


@pytest.mark.parametrize("lang", ["de", "en"])
def test_no_text_outside_any_figure(demo_db, lang):
    """Every text's bounding box lies inside the figure as it is saved, and no label is in
    the other language."""
    from qualcode.reports import figures

    makers, _words_data = _figures(demo_db, lang)
    other = "en" if lang == "de" else "de"
    content = _content_words(demo_db)
    for name, make in makers:
        with figures.style() as plt:
            fig = make(plt)
            assert figures.outside_texts(fig) == [], name
            assert round(fig.get_figwidth() * 2.54, 1) == 16.0, name  # an A4 text column
            labels = " ".join(t.get_text() for t in figures.texts(fig))
            assert (_words(labels) - content) & MARKERS[other] == set(), name


def test_word_cloud_words_as_written(demo_db):
    from qualcode.reports import figures

    makers, words = _figures(demo_db, "de")
    cloud = dict(makers)["cloud"]
    with figures.style() as plt:
        fig = cloud(plt)
        shown = [t.get_text() for t in fig.axes[0].texts]
    assert "sodass" not in {r["lemma"] for c in words["categories"] for r in c["rows"]}
    assert "sodass" not in shown
    assert {"Schule", "Jugendamt", "Raum", "Kind"} <= set(shown)  # nouns capitalised
    assert "schule" not in shown and "fehlen" in shown  # a verb stays lower case
    forms = {r["lemma"]: r["form"] for r in words["categories"][0]["rows"]}
    assert (forms["schule"], forms["fehlen"]) == ("Schule", "fehlen")


def test_network_edges_avoid_other_nodes(demo_db):
    """No edge comes closer to a node it does not connect than the node's radius."""
    import math

    from sqlmodel import Session

    from qualcode.database import make_engine
    from qualcode.reports.cooccurrence import cooccurrence
    from qualcode.reports.network import graph, network_layout

    engine = make_engine(demo_db)
    with Session(engine) as s:
        data = cooccurrence(s, across_coders=True)
    engine.dispose()
    nodes, edges = graph(data)
    assert len(nodes) == 24 and len(edges) >= 4
    pos, radius, curves = network_layout(nodes, edges)
    for node in nodes:
        x, y = pos[node["id"]]
        assert radius[node["id"]] >= 0.02  # still visible
        for e, pts in zip(edges, curves, strict=True):
            if node["id"] not in (e["source"], e["target"]):
                gap = min(math.hypot(x - px, y - py) for px, py in pts)
                assert gap > radius[node["id"]], (node["label"], e)


def test_figures_saved_as_png_svg_pdf(demo_cli, tmp_path):
    png = tmp_path / "words.png"
    r = demo_cli.ok("report", "words", "--chart", str(png))
    assert "wrote chart to" in r.stderr and "words.svg" in r.stderr and "words.pdf" in r.stderr
    from PIL import Image

    with Image.open(png) as img:
        assert img.width == int(16 / 2.54 * 300)  # 16 cm at 300 dpi
        assert round(img.info["dpi"][0]) == 300
    svg = (tmp_path / "words.svg").read_text(encoding="utf-8")
    assert "<text" not in svg and "<path" in svg  # glyphs as paths: no font needed to view
    pdf = (tmp_path / "words.pdf").read_bytes()
    assert b"/FontFile2" in pdf and b"DejaVuSans" in pdf  # TrueType embedded (fonttype 42)
    for args in (
        ["report", "freq", "--chart", str(tmp_path / "f.svg")],
        ["report", "matrix", "--chart", str(tmp_path / "m.pdf")],
        ["report", "cooc", "-o", str(tmp_path / "n.png")],
        ["report", "words", "--cloud", str(tmp_path / "c.png")],
    ):
        demo_cli.ok(*args)
    for stem in ("f", "m", "n", "c"):
        for suffix in (".png", ".svg", ".pdf"):
            assert (tmp_path / f"{stem}{suffix}").stat().st_size > 1000
