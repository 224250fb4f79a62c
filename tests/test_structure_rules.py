"""Which passages are structural (`qualcode.structure`): headings, the title, metadata blocks
and the agenda — on real lines of the demo protocols and the German seed documents — and
no false positives on content sentences with a colon."""

from __future__ import annotations

import sqlite3

import pytest

from qualcode.structure import (
    CONTENT,
    HEADING,
    METADATA,
    TITLE,
    content_flags,
    is_structural,
    passage_kind,
    structural_flags,
)
from qualcode.textutil import paragraphs

HEADINGS = [
    "TOP 2: Kurzvortrag „Kooperationsverbünde in Sachsen“",  # protokoll_02: was content
    'TOP 2: Kurzvortrag "Inklusion gemeinsam gestalten"',
    "TOP 3 – Austausch",
    "TOP 1 – Begrüßung",
    "TOP 4: Festlegungen",
    "TOP 2.1: Bericht der AG Übergang",
    "Tagesordnungspunkt 4",
    "Tagesordnungspunkt 5: Verschiedenes",
    "## TOP 2 Kurzvortrag zum Aufbau der Kooperationsverbünde",
    "# Protokoll der konstituierenden Beratung des Kooperationsverbundes Oberlausitz-Nord",
    "### Wie kann man Netzwerke (über)lebensfähig machen?",
    "2.",
    "2. Kurzvortrag BAKO_SN",
    "2.1 Ziele",
    "3.2 Zielformulierungen",
    "**1. Begrüßung**",
    "**Ziele aus Sicht der Teilnehmenden**",
    "Zielformulierungen aus den Tischgruppen:",
    "Herausforderungen (Kartenabfrage, geclustert):",
    "Vereinbarte Handlungsschritte:",
    "Perspektivendiskussion",
    "Verschiedenes und nächster Termin",
]

METADATA_BLOCKS = [
    # protokoll_01
    "Ort: Oberschule „Am Wiesengrund“ Niesky, Aula\nZeit: 14:00 – 16:45 Uhr\n"
    "Moderation: Dr. Katrin Wendler (Moderatorin des Kooperationsverbundes)\n"
    "Protokoll: Lisa Brandt (Projekt BAKO_SN, Hochschule Zittau/Görlitz)",
    # protokoll_04 (bold keys)
    "**Ort:** Oberschule Probstheida, Speiseraum\n**Zeit:** 15:30 – 18:00 Uhr\n"
    "**Moderation:** Jens Hofmann",
    # protokoll_11: a long list of participants (was content)
    "Online-Plattform: Webex, Einwahl über Link der Hochschule Zittau/Görlitz\n"
    "Moderation: Ralf Günther\nProtokoll: Mareike Sommer (BAKO_SN)\n"
    "Teilnehmende: 22 (Schulen aus Torgau, Oschatz, Dahlen und Belgern, Förderschule Torgau, "
    "Landratsamt Nordsachsen mit Jugendamt und Sozialamt, Schulpsychologie LaSuB Leipzig, "
    "Agentur für Arbeit Oschatz)",
    # protokoll_13: a line without a key (was content)
    "Videokonferenz (Webex) | 15:00 – 17:00 Uhr\nModeration: Heike Nitsche\n"
    "Protokoll: Felix Hartmann (BAKO_SN)",
    # the seed handout: short keys with short values, an imprint
    "**Modul:** IT-Steuerung und Kooperation  \n**Baustein:** Interkommunale Kooperation",
    "Herausgeber: PD – Berater der öffentlichen Hand GmbH  \nFriedrichstr. 149  \n"
    "10117 Berlin  \n<https://www.pd-g.de/>",
    "Stand: 06.12.2023",
    "Datum: 14.11.2019",
    "Beginn: 15:00 Uhr, Ende: 17:30 Uhr",
    "Verteiler: alle Mitglieder des Verbundes",
]

# Content sentences (most of them from the demo and the seeds) with a colon, short ones,
# lead-ins ending in a colon, interview turns: none of them is structural.
CONTENT_SENTENCES = [
    "Ziel: Die Schulen wollen sich regelmäßig über ihre Förderangebote austauschen.",
    "Ziel: Vernetzung",
    "Ziel: Regelmäßiger, unkomplizierter Austausch zwischen Schule und Jugendhilfe – auch "
    "zwischen den Sitzungen, etwa über eine gemeinsame Plattform.",
    "Raum A: Die Lehrkräfte sind durch Wechselunterricht, Notbetreuung und Hygieneauflagen "
    "bis an die Grenze belastet.",
    "Cluster „Personal“: Zu wenig Fachpersonal für Förderung und Beratung.",
    "Entwicklungsziel 1: Gestaltung eines abgestimmten Übergangsmanagements Schule – Beruf "
    "unter Beteiligung der Oberschulen.",
    "Handlungsschritt: Die AG „Übergang Schule – Beruf“ wird gebildet.\n"
    "Mitglieder: Herr Jentsch (BSZ Riesa), Frau Lorenz (OS Gröditz)",
    "Rückfrage Gymnasium: Sind Gymnasien überhaupt gemeint? Antwort Herr Köhler: Ja, alle "
    "Schularten gehören zum Verbund.",
    "Ausstattung: Schulgebäude sind teils nicht barrierefrei (kein Aufzug in der Oberschule "
    "Thum), es fehlen Rückzugsräume.",
    "Nächste Sitzung: 11.03.2020, 13:30 Uhr, Oberschule Zwönitz.",
    "Protokoll: Das Protokoll wird innerhalb von zwei Wochen versandt.",
    "Nach Auswertung der Tischgruppen werden folgende Gestaltungs- und Entwicklungsziele "
    "beschlossen:",
    "Aus der anschließenden Diskussion ergeben sich die folgenden Zielvorstellungen:",
    "Zu folgenden Punkten sollten Vereinbarungen getroffen werden:",
    "Die Tagesordnung wird ohne Änderungen bestätigt.",
    "TOP 3: Die Diskussion wird in drei Tischgruppen geführt, die Ergebnisse werden "
    "anschließend im Plenum zusammengetragen.",
    "1. Die Schulen melden bis zum 18. Dezember ihre Stunden.",
    "- Personal: fehlende personelle Ressourcen in allen Bereichen",
    "- Nächster Termin: 2. Juni 2021, 15:00 Uhr, Webex",
    "Interviewerin: Wie lange arbeiten Sie schon an der Schule?\nLehrerin: Seit zehn Jahren.",
    "I: Und dann?\nB: Dann haben wir eine Fallberatung gemacht.",
    "Schulsozialarbeit soll an jeder Oberschule vertreten sein",
]


@pytest.mark.parametrize("line", HEADINGS)
def test_headings(line):
    assert passage_kind(line) == HEADING


@pytest.mark.parametrize("block", METADATA_BLOCKS)
def test_metadata_blocks(block):
    assert passage_kind(block) == METADATA


@pytest.mark.parametrize("text", CONTENT_SENTENCES)
def test_content_with_colons_is_no_structure(text):
    assert passage_kind(text) == CONTENT
    assert not is_structural(text)


def test_agenda_and_empty_passages():
    agenda = "Tagesordnung:\n1. Begrüßung\n2. Kurzvortrag BAKO_SN\n3. Perspektivendiskussion"
    assert is_structural(agenda) and is_structural("---") and is_structural("  \n ")


def test_the_title_is_the_first_short_passage():
    title = (
        "Protokoll der konstituierenden Beratung des Kooperationsverbundes "
        "Nordsachsen-Ost im Landkreis Nordsachsen am 24. November 2020"
    )  # 15 words: too long for a heading anywhere else
    text = f"{title}\n\nOrt: Aula\nZeit: 14 Uhr\n\nFrau X begrüßt die Anwesenden.\n\n{title}"
    units = paragraphs(text)
    assert passage_kind(title, first=True) == TITLE
    assert passage_kind(title) == CONTENT
    assert structural_flags(text, units) == [True, True, False, False]
    assert content_flags(text, units) == [False, False, True, True]


def test_lines_of_a_pdf_that_run_on_are_no_headings():
    # seed 000: one line of the PDF per paragraph; a short line in mid-sentence is prose
    text = (
        "Zusammenfassung\n\n"
        "Angesprochen waren insbesondere die Entscheider und Entscheiderinnen und Manager\n\n"
        "und Managerinnen, denen es um die Steuerung, Prozessunterstützung, Etablierung und\n\n"
        "Weiterentwicklung des Systems Kooperationsverbünde geht.\n\n"
        "Das mit Abstand umfangreichste Arbeitspaket (ca. 2/3 des Aufwandes) beinhaltete die\n\n"
        "Durchführung von 64 Gründungsveranstaltungen (konstituierende Beratungen), davon\n\n"
        "zwei als Webkonferenz.\n\n"
        "Ergebnisse"
    )
    units = paragraphs(text)
    assert structural_flags(text, units) == [True, False, False, False, False, False, False, True]
    # …but an item "a) …" or a speaker's excerpt starting in mid-sentence does not make the
    # heading before it run on (the plenary protocols of the Bundestag corpus)
    text = (
        "Tagesordnungspunkt 18\n\n"
        "a) Beratung des Antrags der Fraktion der CDU/CSU\n\n"
        "Einsetzung des 1. Untersuchungsausschusses\n\n"
        "b) Beratung des Antrags der Fraktion DIE LINKE\n\n"
        "Dr. Katarina Barley, Bundesministerin für Familie, Senioren, Frauen und Jugend:\n\n"
        "dass trotz Boom die Armut nicht abnimmt, ist ein Befund.\n"
    )
    assert structural_flags(text, paragraphs(text)) == [True, True, True, True, True, False]


def _demo_flags(db: str) -> dict[str, list[tuple[bool, str]]]:
    con = sqlite3.connect(db)
    out = {}
    for did, name, text in con.execute("SELECT id, name, text FROM document ORDER BY name"):
        units = con.execute(
            "SELECT start, \"end\" FROM passage WHERE unit = 'paragraph' AND document_id = ? "
            "ORDER BY start",
            (did,),
        ).fetchall()
        out[name] = [
            (f, text[s:e]) for (s, e), f in zip(units, structural_flags(text, units), strict=True)
        ]
    con.close()
    return out


def test_demo_corpus(demo_db):
    flags = _demo_flags(demo_db)
    every = [(f, t) for doc in flags.values() for f, t in doc]
    assert len(every) == 424 and sum(1 for f, _ in every if not f) == 305
    for name, doc in flags.items():
        assert doc[0][0], f"{name}: the title"
        meta = [t for f, t in doc if "\nModeration:" in t.replace("*", "")]
        assert meta and all(is_structural(t) for t in meta), name  # every metadata block
    p02 = dict((t, f) for f, t in flags["protokoll_02.md"])
    assert p02["TOP 2: Kurzvortrag „Kooperationsverbünde in Sachsen“"]
    assert not p02[
        "Nach Auswertung der Tischgruppen werden folgende Gestaltungs- und "
        "Entwicklungsziele beschlossen:"
    ]
    p13 = [t for f, t in flags["protokoll_13.md"] if f and t.startswith("Videokonferenz")]
    assert p13  # the metadata block that starts without a key
