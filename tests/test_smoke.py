def test_demo_project_has_coded_half(demo_cli):
    status = demo_cli.json("status")
    assert status["documents"] == 14
    assert status["codings"] > 100
    docs = demo_cli.json("docs", "list")
    coded = [d for d in docs if d["codings"]]
    assert len(coded) == 7
