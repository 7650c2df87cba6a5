"""Private files: the home 0700, its files 0600 under a loose umask; a database password
never printed, logged or written."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from matcher.demo import sample_dir

AS_OF = "2026-11-20"


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def fill(cli, home: Path) -> list[str]:
    """A home through init, feeds, contacts, a night and a report; every output."""
    outputs = [cli("init", home=home).output]
    for feed in sorted((sample_dir() / "feeds").glob("*.xml")):
        outputs.append(cli("feeds", "add", str(feed), home=home).output)
    outputs.append(cli("contacts", "import", str(sample_dir() / "contacts.yaml"), "--as-of", AS_OF, home=home).output)
    outputs.append(cli("run", "--as-of", AS_OF, home=home).output)
    for command in (["run", "--json"], ["feeds", "status", "--json"], ["feeds", "status"], ["contacts", "list", "--json"],
                    ["suggestions", "--json"], ["why", "Luca Ferrari"], ["report", "--html", str(home / "report.html")]):
        outputs.append(cli(*command, "--as-of", AS_OF, home=home).output if command[0] in ("run", "why", "report", "suggestions")
                       else cli(*command, home=home).output)
    return outputs


def modes(home: Path) -> dict[str, int]:
    return {str(p.relative_to(home.parent)): stat.S_IMODE(p.stat().st_mode) for p in [home, *home.rglob("*")]}


@pytest.mark.slow
def test_the_home_and_its_files_are_private_under_a_loose_umask(tmp_path, loose_umask, cli):
    home = tmp_path / "home"
    fill(cli, home)
    seen = modes(home)
    assert {"home/matcher.toml", "home/matcher.log", "home/cache/index.pkl", "home/report.html"} <= set(seen)
    loose = {name: oct(mode) for name, mode in seen.items() if mode & 0o077}
    assert loose == {}


def test_a_home_made_loose_is_tightened_when_opened(tmp_path, loose_umask, cli):
    home = tmp_path / "home"
    cli("init", home=home)
    os.chmod(home, 0o755)
    for path in home.iterdir():
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    cli("contacts", "list", home=home)
    assert {name: oct(mode) for name, mode in modes(home).items() if mode & 0o077} == {}


def test_a_stricter_umask_is_respected(tmp_path, cli):
    old = os.umask(0o077)
    try:
        home = tmp_path / "home"
        cli("init", home=home)
        assert stat.S_IMODE(home.stat().st_mode) == 0o700
        assert stat.S_IMODE((home / "matcher.toml").stat().st_mode) == 0o600
    finally:
        os.umask(old)


SECRET = "s3cr3t-Pw0rd"


def test_an_unreachable_servers_password_is_never_printed(tmp_path, monkeypatch, cli):
    monkeypatch.setenv("MATCHER_DB", f"postgresql+psycopg://someone:{SECRET}@127.0.0.1:9/matcher")
    home = tmp_path / "home"
    for command in (["init"], ["feeds", "status", "--json"], ["run"], ["contacts", "list", "--json"]):
        result = cli(*command, ok=False, home=home)
        assert result.exit_code != 0 and "someone" in result.output  # the error names the server...
        assert SECRET not in result.output                            # ...and not the password


@pytest.mark.slow
def test_a_servers_password_never_reaches_outputs_log_or_files(tmp_path, monkeypatch, pg_url, cli):
    url = make_url(pg_url).set(password=SECRET).render_as_string(hide_password=False)
    monkeypatch.setenv("MATCHER_DB", url)  # the test server trusts loopback: any password opens it
    home = tmp_path / "home"
    outputs = fill(cli, home)
    assert all(SECRET not in out for out in outputs), [out for out in outputs if SECRET in out][:1]
    files = [p for p in home.rglob("*") if p.is_file()]
    assert files and all(SECRET.encode() not in p.read_bytes() for p in files)
