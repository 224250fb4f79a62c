"""`qualcode serve` without a browser: users.toml, the access rules, logins over plain HTTP,
the rate limit, and what a workbench process is told about its coder."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import ROOT, WAIT_LIMIT
from serving import RawWebSocket, Server

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


def test_users_commands(cli, tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "users.toml"
    result = cli.ok("users", "add", "anna", "--file", str(path), input=f"{PASSWORD}\n{PASSWORD}\n")
    assert f"added anna in {path}" in result.output
    cli.ok("users", "add", "ben", "--file", str(path), "--password-stdin", input="ben-secret\n")
    assert cli.json("users", "list", "--file", str(path)) == [{"coder": "anna"}, {"coder": "ben"}]
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
        "coder": "ben",
        "file": str(path),
        "deleted": True,
    }
    assert cli.json("users", "list", "--file", str(path)) == [{"coder": "anna"}]
    added = cli.json("users", "add", "cleo", "--file", str(path), input="cleo-secret\n" * 2)
    assert added == {"coder": "cleo", "file": str(path), "created": True}
    again = cli.json("users", "add", "cleo", "--file", str(path), input="cleo-secret2\n" * 2)
    assert again["created"] is False  # the coder was there: a new password
    # the file is always the full path, also when given relative to the working directory
    monkeypatch.chdir(tmp_path)
    added = cli.json("users", "add", "dora", "--file", "rel.toml", input="dora-secret\n" * 2)
    assert added["file"] == str((tmp_path / "rel.toml").resolve())


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
        reply = server.websocket(cookie=f"{server.cookie_name}=made-up")
        assert reply.status == 401 and not reply.is_workbench
        for name, password in [("anna", "geheim-124"), ("nobody", PASSWORD), ("", "")]:
            reply = server.login(name, password)
            assert reply.status == 401 and reply.is_login and not reply.cookie
            assert "wrong name or password" in reply.text
        # the right password: a session cookie, then the workbench and its websocket
        reply = server.login("anna", PASSWORD)
        assert reply.status == 303 and reply.cookie.startswith(f"{server.cookie_name}=")
        cookie = reply.cookie
        assert "HttpOnly" in reply.headers["set-cookie"]
        # no Path: the browser scopes it to the folder of the login (a proxy's prefix)
        assert "path=" not in reply.headers["set-cookie"].lower()
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
        # the output is no terminal (a log, the journal): the token is not written into it
        assert server.url == server.base
        assert server.request("GET", "/").status == 401
        assert server.request("GET", "/?token=wrong-token-wrong-token").status == 401
        reply = server.request("POST", "/login", body={"token": "nope"})
        assert reply.status == 401 and "wrong token" in reply.text
        reply = server.request("GET", f"/?token={token}")
        assert reply.status == 303 and reply.headers["location"] == "./" and reply.cookie
        page = server.request("GET", "/", headers={"Cookie": reply.cookie})
        assert page.is_workbench and "cleo" in page.text
    assert token not in server.output and "?token=" not in server.output


def test_on_a_terminal_the_address_carries_a_new_token(demo_db: str) -> None:
    import pty
    import re
    import select
    import signal
    import time

    env = {k: v for k, v in os.environ.items() if k != "QUALCODE_SERVE_TOKEN"}
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "qualcode", "--db", demo_db, "serve", "--token", "--port", "0"],
        cwd=ROOT,
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    seen = b""
    try:
        deadline = time.monotonic() + WAIT_LIMIT
        while b"?token=" not in seen and time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                try:
                    seen += os.read(master, 4096)
                except OSError:
                    break
        match = re.search(rb"the workbench is at (http://\S+/\?token=([\w-]+))", seen)
        assert match and len(match.group(2)) >= 16, seen
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=WAIT_LIMIT)
        os.close(master)


def test_a_new_token_is_never_written_into_a_log(demo_db: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "QUALCODE_SERVE_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "qualcode", "--db", demo_db, "serve", "--token", "--port", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=WAIT_LIMIT,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "QUALCODE_SERVE_TOKEN" in lines[0], result.stderr
    assert "token=" not in result.stdout + result.stderr


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


# --- a lab server: bursts, a changing users file, logouts, leaks ---------------------------------


def _parallel(count: int, call) -> list[int]:
    """``call(i)`` in ``count`` threads started at once; their statuses, sorted."""
    statuses: list[int] = []
    start = threading.Barrier(count)

    def run(i: int) -> None:
        start.wait()
        statuses.append(call(i).status)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_LIMIT * 4)
    return sorted(statuses)


def test_a_parallel_burst_of_wrong_passwords_gets_429_after_the_limit(
    demo_db: str, users_file: Path
) -> None:
    with Server(demo_db, "--users", str(users_file), "--behind-proxy") as server:

        def login(client: str, name: str, password: str):
            return server.login(name, password, headers={"X-Forwarded-For": client})

        # 30 at once from one address: 5 are checked, 25 refused before any hash
        statuses = _parallel(30, lambda _i: login("203.0.113.5", "anna", "wrong-password"))
        assert statuses == [401] * 5 + [429] * 25
        server.wait_output("failed login for 'anna' from 203.0.113.5")
        # 14 at once for one name from 14 addresses: the name's limit (10) holds too
        statuses = _parallel(14, lambda i: login(f"198.51.100.{i}", "Cleo ", "wrong-password"))
        assert statuses == [401] * 10 + [429] * 4
        users.add_user(users_file, "cleo", "cleo-secret")
        assert login("192.0.2.1", "cleo", "cleo-secret").status == 429  # cleo waits a minute
        # other coders and other addresses are not locked out; a success costs nothing
        users.add_user(users_file, "ben", "ben-secret")
        for _ in range(7):
            assert login("192.0.2.2", "ben", "ben-secret").status == 303
    assert server.output.count("failed login for 'anna' from 203.0.113.5") == 5
    assert server.output.count("failed login for 'Cleo ' from 198.51.100.") == 10


def test_the_users_file_is_re_read_and_ends_the_sessions_it_no_longer_allows(
    demo_db: str, users_file: Path
) -> None:
    users.add_user(users_file, "ben", "ben-secret")
    with Server(demo_db, "--users", str(users_file)) as server:
        anna = server.login("anna", PASSWORD).cookie
        ben = server.login("ben", "ben-secret").cookie
        cleo_reply = server.login("cleo", "cleo-secret")
        assert cleo_reply.status == 401
        tab = RawWebSocket(server, ben)  # ben's open workbench
        try:
            assert tab.status == 101
            tab.wait_for_data()
            # a new coder may log in at once; a new password replaces the old one
            users.add_user(users_file, "cleo", "cleo-secret")
            users.add_user(users_file, "anna", "ein-anderes")
            assert server.login("cleo", "cleo-secret").status == 303
            assert server.request("GET", "/", headers={"Cookie": anna}).status == 401
            assert server.login("anna", PASSWORD).status == 401
            assert server.login("anna", "ein-anderes").status == 303
            # ben removed: his open workbench ends without any request of his
            users.remove_user(users_file, "ben")
            frame = tab.wait(lambda op: op == 8, "ben's workbench to be closed")
            assert frame is None or b"removed from the users file" in frame[1]
            server.wait_output("workbench closed for ben")
            assert server.request("GET", "/", headers={"Cookie": ben}).status == 401
            assert server.login("ben", "ben-secret").status == 401
        finally:
            tab.close()
    assert "removed ben" in server.output and "new password for anna" in server.output


def test_logout_ends_every_workbench_of_the_session(demo_db: str, users_file: Path) -> None:
    users.add_user(users_file, "ben", "ben-secret")
    with Server(demo_db, "--users", str(users_file)) as server:
        anna = server.login("anna", PASSWORD).cookie
        other_anna = server.login("anna", PASSWORD).cookie  # anna on another computer
        ben = server.login("ben", "ben-secret").cookie
        tabs = [RawWebSocket(server, c) for c in (anna, anna, other_anna, ben)]
        try:
            for tab in tabs:
                assert tab.status == 101
                tab.wait_for_data()
            server.request("GET", "/logout", headers={"Cookie": anna})
            for tab in tabs[:2]:
                frame = tab.wait(lambda op: op == 8, "the logged-out tab to be closed")
                assert frame is None or b"logged out" in frame[1]
            wait_closed = lambda: server.output.count("workbench closed for anna") == 2  # noqa: E731
            server.wait_output("workbench closed for anna")
            from conftest import wait_for

            wait_for(wait_closed, "both workbenches of the session closed")
            # the other session and the other coder work on
            assert server.request("GET", "/", headers={"Cookie": other_anna}).is_workbench
            assert server.request("GET", "/", headers={"Cookie": ben}).is_workbench
            assert "workbench closed for ben" not in server.output
            assert server.output.count("workbench closed for anna") == 2
        finally:
            for tab in tabs:
                tab.close()


def test_the_websocket_is_kept_alive_with_pings(demo_db: str) -> None:
    with Server(demo_db, env={"QUALCODE_CODER": "dora"}) as server:
        tab = RawWebSocket(server)
        try:
            assert tab.status == 101
            tab.wait(lambda op: op == 9, "a ping from the server", limit=WAIT_LIMIT * 2)
            assert not tab.ended
        finally:
            tab.close()


def test_users_add_keeps_owner_group_and_mode_of_the_file(cli, tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root (chown to another owner), as in CI")
    import grp
    import pwd

    nobody = pwd.getpwnam("nobody")
    group = grp.getgrgid(nobody.pw_gid)
    path = tmp_path / "users.toml"
    users.add_user(path, "anna", PASSWORD)
    os.chown(path, nobody.pw_uid, group.gr_gid)
    os.chmod(path, 0o640)
    before = path.stat()
    cli.ok("users", "add", "ben", "--file", str(path), "--password-stdin", input="ben-secret\n")
    # replaced atomically (a new file renamed over the old one), not rewritten in place
    assert path.stat().st_ino != before.st_ino
    cli.ok("users", "remove", "anna", "--file", str(path))
    after = path.stat()
    assert (after.st_uid, after.st_gid) == (nobody.pw_uid, group.gr_gid)
    assert stat.S_IMODE(after.st_mode) == 0o640
    assert list(users.load_users(path)) == ["ben"]
    # no temporary file left (the `cli` fixture's project lies in the same folder)
    assert [p.name for p in tmp_path.iterdir() if "users" in p.name] == ["users.toml"]


def test_a_users_file_others_may_write_is_refused_and_one_they_may_read_warned_about(
    demo_db: str, demo_cli, users_file: Path
) -> None:
    os.chmod(users_file, 0o666)
    result = demo_cli("serve", "--users", str(users_file))
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "may be written by anyone" in lines[0] and "0666" in lines[0]
    os.chmod(users_file, 0o644)
    with Server(demo_db, "--users", str(users_file)) as server:
        assert server.login("anna", PASSWORD).status == 303
    assert "may be read by anyone (mode 0644)" in server.output


def test_two_servers_on_one_host_have_their_own_cookies(demo_db: str, users_file: Path) -> None:
    with (
        Server(demo_db, "--users", str(users_file)) as one,
        Server(demo_db, "--users", str(users_file)) as two,
    ):
        first, second = one.login("anna", PASSWORD), two.login("anna", PASSWORD)
        assert first.cookie.split("=")[0] != second.cookie.split("=")[0]
        # a browser sends both (cookies do not tell ports apart): each server finds its own
        both = f"{first.cookie}; {second.cookie}"
        assert one.request("GET", "/", headers={"Cookie": both}).is_workbench
        assert two.request("GET", "/", headers={"Cookie": both}).is_workbench


def test_small_leaks_are_closed(demo_db: str, users_file: Path) -> None:
    with Server(demo_db, "--users", str(users_file)) as server:
        for reply in [server.request("GET", "/login"), server.request("GET", "/")]:
            assert reply.headers["server"] == "qualcode"
        # a 20 kB cookie: a clean 400, one line in the log, no traceback
        reply = server.request("GET", "/", headers={"Cookie": "x=" + "y" * 20_000})
        assert reply.status in (400, 431) and reply.headers["server"] == "qualcode"
        # a login form too large to read is no failed login of "(token)"
        reply = server.request("POST", "/login", body={"name": "anna", "password": "p" * 100_000})
        assert reply.status == 413 and reply.is_login and not reply.cookie
        assert server.login("anna", PASSWORD).status == 303  # and costs no attempt
        # the icon the browser asks for, before anyone logged in
        icon = server.request("GET", "/favicon.ico")
        assert icon.status == 200 and icon.headers["content-type"] == "image/x-icon"
        server.wait_output("login form too large")
        server.wait_output("bad request refused (400)")
    assert "Traceback" not in server.output
    assert "(token)" not in server.output and "failed login" not in server.output
