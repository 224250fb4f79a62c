"""`qualcode serve` without a browser: users.toml, the access rules, logins over plain HTTP,
the rate limit, and what a workbench process is told about its coder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, WAIT_LIMIT
from serving import Server

pytest.importorskip("textual_serve")
pytest.importorskip("argon2")

from qualcode.errors import InvalidInput, NotFound  # noqa: E402
from qualcode.web import users  # noqa: E402
from qualcode.web.auth import RateLimiter, Sessions, is_loopback  # noqa: E402

PASSWORD = "geheim-123"


@pytest.fixture
def users_file(tmp_path: Path) -> Path:
    path = tmp_path / "users.toml"
    users.add_user(path, "anna", PASSWORD)
    return path


# --- users.toml ----------------------------------------------------------------------------------


def test_users_file_keeps_hashes_not_passwords(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    assert users.add_user(path, "anna", PASSWORD) is True
    assert users.add_user(path, ' Ben "B." Ö ', "noch-geheimer") is True
    text = path.read_text(encoding="utf-8")
    assert PASSWORD not in text and "noch-geheimer" not in text
    assert text.count("$argon2id$") == 2
    assert path.stat().st_mode & 0o077 == 0  # readable by the owner only
    loaded = users.load_users(path)
    assert sorted(loaded) == ['Ben "B." Ö', "anna"]
    assert users.verify(loaded, "anna", PASSWORD) == "anna"
    assert users.verify(loaded, 'Ben "B." Ö', "noch-geheimer") == 'Ben "B." Ö'
    # a new password replaces the old one
    assert users.add_user(path, "anna", "ein-anderes") is False
    loaded = users.load_users(path)
    assert users.verify(loaded, "anna", PASSWORD) is None
    assert users.verify(loaded, "anna", "ein-anderes") == "anna"


def test_verify_refuses_wrong_password_unknown_name_and_the_hash_itself(users_file: Path) -> None:
    loaded = users.load_users(users_file)
    assert users.verify(loaded, "anna", "geheim-124") is None
    assert users.verify(loaded, "anna", "") is None
    assert users.verify(loaded, "nobody", PASSWORD) is None
    assert users.verify(loaded, "anna", loaded["anna"]) is None
    assert users.verify(loaded, "anna", PASSWORD * 1000) is None


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("[users.anna\n", "not valid TOML"),
        ('[users.anna]\npassword = "geheim-123"\n', "no password_hash"),
        ('[users.anna]\npassword_hash = "geheim-123"\n', "not an argon2 hash"),
        ('[people.anna]\npassword_hash = "x"\n', "unexpected entries"),
        ("users = 3\n", "unexpected entries"),
        (b"\xff\xfe".decode("latin-1"), "not valid TOML"),
    ],
)
def test_a_bad_users_file_is_a_clear_error(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "users.toml"
    path.write_text(content, encoding="latin-1" if "\xff" in content else "utf-8")
    with pytest.raises(InvalidInput) as info:
        users.load_users(path)
    assert words in str(info.value) and str(path) in str(info.value)


def test_names_and_passwords_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    for name in ["", "   ", "auto", "a\tb", "x" * 101]:
        with pytest.raises(InvalidInput):
            users.add_user(path, name, PASSWORD)
    with pytest.raises(InvalidInput, match="shorter than 8"):
        users.add_user(path, "anna", "kurz")
    assert not path.exists()
    users.add_user(path, "anna", PASSWORD)
    with pytest.raises(NotFound):
        users.remove_user(path, "ben")
    users.remove_user(path, "anna")
    assert users.load_users(path) == {}


def test_users_commands(cli, tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    result = cli.ok("users", "add", "anna", "--file", str(path), input=f"{PASSWORD}\n{PASSWORD}\n")
    assert f"added anna in {path}" in result.output
    cli.ok("users", "add", "ben", "--file", str(path), "--password-stdin", input="ben-secret\n")
    assert cli.json("users", "list", "--file", str(path)) == [{"name": "anna"}, {"name": "ben"}]
    loaded = users.load_users(path)
    assert users.verify(loaded, "ben", "ben-secret") == "ben"
    # a typo in the repeated password: nothing written
    result = cli("users", "add", "cleo", "--file", str(path), input=f"{PASSWORD}\nother-pw\n" * 3)
    assert result.exit_code != 0 and "cleo" not in users.load_users(path)
    result = cli("users", "add", "cleo", "--file", str(path), "--password-stdin", input="kurz\n")
    assert result.exit_code == 2 and "shorter than 8 characters" in result.output
    result = cli("users", "remove", "dora", "--file", str(path))
    assert result.exit_code == 2 and "no coder 'dora'" in result.output
    assert cli.json("users", "remove", "ben", "--file", str(path)) == {
        "name": "ben",
        "file": str(path),
        "removed": True,
    }
    assert cli.json("users", "list", "--file", str(path)) == [{"name": "anna"}]
    added = cli.json("users", "add", "cleo", "--file", str(path), input="cleo-secret\n" * 2)
    assert added == {"name": "cleo", "file": str(path), "added": True}


# --- who may serve where -------------------------------------------------------------------------


def test_a_non_loopback_host_without_login_is_refused_in_one_line(demo_db: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "qualcode", "--db", demo_db, "serve", "--host", "0.0.0.0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=WAIT_LIMIT,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "--host 0.0.0.0" in lines[0] and "--users" in lines[0] and "--token" in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--host", "192.0.2.1"], "--host 192.0.2.1 lets other machines"),
        (["--host", "example.org"], "--host example.org lets other machines"),
        (["--behind-proxy"], "--behind-proxy serves the workbench"),
        (["--users", "u.toml", "--token"], "exclude each other"),
        (["--users", "missing.toml"], "does not exist"),
        (["--port", "70000"], "--port must be at most 65535"),
    ],
)
def test_serve_refuses_bad_setups(demo_cli, args: list[str], words: str) -> None:
    result = demo_cli("serve", *args)
    assert result.exit_code == 2 and words in result.output, result.output


def test_serve_refuses_an_empty_users_file_and_a_missing_project(demo_cli, tmp_path) -> None:
    empty = tmp_path / "users.toml"
    users.save_users(empty, {})
    result = demo_cli("serve", "--users", str(empty))
    assert result.exit_code == 2 and "names no coder" in result.output
    result = demo_cli("serve", "--db", str(tmp_path / "nope.sqlite"))
    assert result.exit_code == 2 and "no qualcode project at" in result.output


def test_loopback_names() -> None:
    for host in ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"]:
        assert is_loopback(host), host
    for host in ["0.0.0.0", "::", "192.168.1.10", "example.org", "localhost.example.org"]:
        assert not is_loopback(host), host


# --- the rate limit and sessions (own clock) --------------------------------------------------


def test_rate_limiter_blocks_after_five_failures_per_address_for_a_minute() -> None:
    now = [1000.0]
    limiter = RateLimiter(limit=5, window=60.0, clock=lambda: now[0])
    for _ in range(5):
        assert limiter.retry_after("10.0.0.1") is None
        limiter.failed("10.0.0.1")
    assert limiter.retry_after("10.0.0.1") == pytest.approx(60.0)
    assert limiter.retry_after("10.0.0.2") is None  # per address
    now[0] += 30
    assert limiter.retry_after("10.0.0.1") == pytest.approx(30.0)
    now[0] += 30
    assert limiter.retry_after("10.0.0.1") is None


def test_sessions_expire_and_are_dropped() -> None:
    now = [0.0]
    sessions = Sessions(ttl=100.0, clock=lambda: now[0])
    cookie = sessions.create("anna")
    assert sessions.coder(cookie) == "anna"
    assert sessions.coder(cookie + "x") is None and sessions.coder(None) is None
    now[0] = 99.0
    assert sessions.coder(cookie) == "anna"
    now[0] = 100.0
    assert sessions.coder(cookie) is None
    other = sessions.create("ben")
    sessions.drop(other)
    assert sessions.coder(other) is None


def test_the_workbench_process_runs_as_the_authenticated_coder(monkeypatch) -> None:
    from textual_serve.download_manager import DownloadManager

    from qualcode.web.server import CoderAppService

    monkeypatch.setenv("QUALCODE_CODER", "whoever-started-the-server")
    monkeypatch.setenv("QUALCODE_SERVE_TOKEN", "the-servers-secret-token")
    monkeypatch.setenv("QUALCODE_DB", "elsewhere.sqlite")

    async def nothing(*_a) -> None:
        return None

    service = CoderAppService(
        "true",
        coder="anna",
        db="sqlite:////srv/project.sqlite",
        write_bytes=nothing,
        write_str=nothing,
        close=nothing,
        download_manager=DownloadManager(),
    )
    env = service._build_environment(100, 30)
    assert env["QUALCODE_CODER"] == "anna"
    assert env["QUALCODE_DB"] == "sqlite:////srv/project.sqlite"
    assert "QUALCODE_SERVE_TOKEN" not in env
    assert env["TEXTUAL_DRIVER"].startswith("textual.drivers.web_driver")


# --- a real server over plain HTTP ---------------------------------------------------------------


def test_without_the_right_password_there_is_only_the_login_page(
    demo_db: str, users_file: Path
) -> None:
    with Server(demo_db, "--users", str(users_file)) as server:
        assert server.url == server.base  # no secret in the address
        for path in ["/", "/?coder=anna", "/static/js/textual.js", "/download/x", "/nothing"]:
            reply = server.request("GET", path)
            assert reply.status == 401 and reply.is_login, (path, reply.status)
        reply = server.websocket()
        assert reply.status == 401 and not reply.is_workbench
        reply = server.websocket(cookie="qualcode_session=made-up")
        assert reply.status == 401 and not reply.is_workbench
        for name, password in [("anna", "geheim-124"), ("nobody", PASSWORD), ("", "")]:
            reply = server.login(name, password)
            assert reply.status == 401 and reply.is_login and not reply.cookie
            assert "wrong name or password" in reply.text
        # the right password: a session cookie, then the workbench and its websocket
        reply = server.login("anna", PASSWORD)
        assert reply.status == 303 and reply.cookie.startswith("qualcode_session=")
        cookie = reply.cookie
        assert "HttpOnly" in reply.headers["set-cookie"]
        page = server.request("GET", "/", headers={"Cookie": cookie})
        assert page.status == 200 and page.is_workbench and "anna" in page.text
        assert (
            server.request("GET", "/static/js/textual.js", headers={"Cookie": cookie}).status == 200
        )
        assert server.websocket(cookie=cookie).status == 101
        # another site's page cannot open the websocket with the coder's cookie
        reply = server.websocket(cookie=cookie, origin="http://evil.example")
        assert reply.status == 403
        # logging out ends the session
        server.request("GET", "/logout", headers={"Cookie": cookie})
        assert server.request("GET", "/", headers={"Cookie": cookie}).status == 401
    assert "failed login for 'nobody'" in server.output


def test_failed_logins_are_rate_limited(demo_db: str, users_file: Path) -> None:
    with Server(demo_db, "--users", str(users_file)) as server:
        for _ in range(5):
            assert server.login("anna", "wrong-password").status == 401
        reply = server.login("anna", "wrong-password")
        assert reply.status == 429 and int(reply.headers["retry-after"]) > 0
        assert "too many failed logins" in reply.text
        # while blocked, not even the right password is checked
        reply = server.login("anna", PASSWORD)
        assert reply.status == 429 and not reply.cookie


def test_token_mode(demo_db: str) -> None:
    token = "a-long-enough-secret-token"
    env = {"QUALCODE_SERVE_TOKEN": token, "QUALCODE_CODER": "cleo"}
    with Server(demo_db, "--token", env=env) as server:
        assert server.url == f"{server.base}?token={token}"
        assert server.request("GET", "/").status == 401
        assert server.request("GET", "/?token=wrong-token-wrong-token").status == 401
        reply = server.request("POST", "/login", body={"token": "nope"})
        assert reply.status == 401 and "wrong token" in reply.text
        reply = server.request("GET", f"/?token={token}")
        assert reply.status == 303 and reply.headers["location"] == "./" and reply.cookie
        page = server.request("GET", "/", headers={"Cookie": reply.cookie})
        assert page.is_workbench and "cleo" in page.text


def test_open_mode_answers_only_to_loopback_names_and_its_own_pages(demo_db: str) -> None:
    with Server(demo_db, env={"QUALCODE_CODER": "dora"}) as server:
        page = server.request("GET", "/")
        assert page.status == 200 and page.is_workbench and "dora" in page.text
        assert server.request("GET", "/", headers={"Host": "evil.example"}).status == 403
        assert server.websocket(origin="http://evil.example").status == 403
        assert server.websocket(origin=server.base.rstrip("/")).status == 101
        # SIGTERM (as Ctrl+C) stops the server and its workbenches cleanly
        assert server.stop() == 0
    assert "qualcode serve: stopping" in server.output
    assert "Traceback" not in server.output


def test_behind_a_proxy_the_forwarded_client_address_counts(demo_db: str, users_file: Path) -> None:
    with Server(demo_db, "--users", str(users_file), "--behind-proxy") as server:

        def login(client: str, password: str):
            return server.request(
                "POST",
                "/login",
                body={"name": "anna", "password": password},
                headers={
                    "X-Forwarded-For": f"198.51.100.7, {client}",
                    "X-Forwarded-Proto": "https",
                },
            )

        for _ in range(5):
            assert login("203.0.113.5", "wrong-password").status == 401
        assert login("203.0.113.5", "wrong-password").status == 429
        assert login("203.0.113.5", PASSWORD).status == 429
        # another client behind the same proxy is not locked out
        reply = login("203.0.113.6", PASSWORD)
        assert reply.status == 303
        assert "Secure" in reply.headers["set-cookie"]  # the proxy speaks HTTPS to the browser
    assert "failed login for 'anna' from 203.0.113.5" in server.output
