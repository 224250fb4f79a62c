"""The spaCy loader works offline and reports what is active (issue 2)."""

from __future__ import annotations

import socket


def test_default_pipeline_offline(monkeypatch):
    def no_network(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    from qualcode import nlp

    nlp._cache.clear()
    obj = nlp.load()
    assert obj.level == "lookup"
    [lemmas] = nlp.lemmas(
        obj, ["Die Schülerinnen sahen zu wenig Personal und fehlende Ressourcen."]
    )
    assert "schülerin" in lemmas and "ressource" in lemmas and "sehen" in lemmas
    assert "die" not in lemmas and "zu" not in lemmas  # stop words out
    nlp._cache.clear()


def test_status_reports_pipeline(cli):
    cli.ok("codes", "add", "X")
    status = cli.json("status")
    assert "lookup lemmatizer" in status["nlp"]
    assert status["backend"] == "sqlite"


def test_configured_setting_is_reported(cli):
    cli.ok("codes", "add", "X")
    result = cli("config", "set", "nlp.model", "de_core_news_missing")
    assert result.exit_code == 2 and "not installed" in result.stderr
