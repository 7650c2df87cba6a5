"""Private files: the home 0700, its files 0600 under a loose umask; a database password
never printed, logged or written."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from matcher.cli import main
from matcher.demo import sample_dir

AS_OF = "2026-11-20"


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def cli(home: Path, *args, ok: bool = True):
    result = CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def fill(home: Path) -> list[str]:
    """A home through init, feeds, contacts, a night and a report; every output."""
    outputs = [cli(home, "init").output]
    for feed in sorted((sample_dir() / "feeds").glob("*.xml")):
        outputs.append(cli(home, "feeds", "add", str(feed)).output)
    outputs.append(cli(home, "contacts", "import", str(sample_dir() / "contacts.yaml"), "--as-of", AS_OF).output)
    outputs.append(cli(home, "run", "--as-of", AS_OF).output)
    for command in (["run", "--json"], ["feeds", "status", "--json"], ["feeds", "status"], ["contacts", "list", "--json"],
                    ["suggestions", "--json"], ["why", "Luca Ferrari"], ["report", "--html", str(home / "report.html")]):
        outputs.append(cli(home, *command, "--as-of", AS_OF).output if command[0] in ("run", "why", "report", "suggestions")
                       else cli(home, *command).output)
    return outputs


def modes(home: Path) -> dict[str, int]:
    return {str(p.relative_to(home.parent)): stat.S_IMODE(p.stat().st_mode) for p in [home, *home.rglob("*")]}


def test_the_home_and_its_files_are_private_under_a_loose_umask(tmp_path, loose_umask):
    home = tmp_path / "home"
    fill(home)
    seen = modes(home)
    assert {"home/matcher.toml", "home/matcher.log", "home/cache/index.pkl", "home/report.html"} <= set(seen)
    loose = {name: oct(mode) for name, mode in seen.items() if mode & 0o077}
    assert loose == {}


def test_a_home_made_loose_is_tightened_when_opened(tmp_path, loose_umask):
    home = tmp_path / "home"
    cli(home, "init")
    os.chmod(home, 0o755)
    for path in home.iterdir():
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    cli(home, "contacts", "list")
    assert {name: oct(mode) for name, mode in modes(home).items() if mode & 0o077} == {}


def test_a_stricter_umask_is_respected(tmp_path):
    old = os.umask(0o077)
    try:
        home = tmp_path / "home"
        cli(home, "init")
        assert stat.S_IMODE(home.stat().st_mode) == 0o700
        assert stat.S_IMODE((home / "matcher.toml").stat().st_mode) == 0o600
    finally:
        os.umask(old)


SECRET = "s3cr3t-Pw0rd"


def test_an_unreachable_servers_password_is_never_printed(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHER_DB", f"postgresql+psycopg://someone:{SECRET}@127.0.0.1:9/matcher")
    home = tmp_path / "home"
    for command in (["init"], ["feeds", "status", "--json"], ["run"], ["contacts", "list", "--json"]):
        result = cli(home, *command, ok=False)
        assert result.exit_code != 0 and "someone" in result.output  # the error names the server...
        assert SECRET not in result.output                            # ...and not the password


def test_a_servers_password_never_reaches_outputs_log_or_files(tmp_path, monkeypatch, pg_url):
    url = make_url(pg_url).set(password=SECRET).render_as_string(hide_password=False)
    monkeypatch.setenv("MATCHER_DB", url)  # the test server trusts loopback: any password opens it
    home = tmp_path / "home"
    outputs = fill(home)
    assert all(SECRET not in out for out in outputs), [out for out in outputs if SECRET in out][:1]
    files = [p for p in home.rglob("*") if p.is_file()]
    assert files and all(SECRET.encode() not in p.read_bytes() for p in files)
