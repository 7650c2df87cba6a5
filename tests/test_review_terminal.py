"""The morning review as a person sees it: `matcher review` in a real pseudo-terminal,
driven through every key, with a scripted editor, a fake desktop opener (`xdg-open`) and a
machine without a clipboard; then the database shows what was decided."""

from __future__ import annotations

import io
import json
import os
import shlex
import stat
import sys

import pytest

pexpect = pytest.importorskip("pexpect")

DAY = "2026-11-20"
# Rewrites the file click.edit hands it, as a person would in their editor.
EDITOR = """import sys
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
open(path, "w", encoding="utf-8").write(text.replace("Ciao Elena", "Cara Elena") + "\\nPerché no? È già là.\\n")
"""
LINKEDIN = """First Name,Last Name,URL,Email Address,Company,Position,Connected On
Giulia,Conti,https://www.linkedin.com/in/giulia-conti-4a1b2c,giulia.conti@example.com,Caffè Aurora,Head of sourcing,15 Mar 2024
"""


def executable(path, text: str):
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.slow  # the demo loads the sentence encoder
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the desktop opener faked here is xdg-open")
def test_review_in_a_terminal_through_every_key(cli, tmp_path):
    home = tmp_path / "demo"
    cli("demo", "--keep", str(home), home=None)
    (tmp_path / "linkedin.csv").write_text(LINKEDIN, encoding="utf-8")
    cli("contacts", "import", str(tmp_path / "linkedin.csv"), "--format", "linkedin", "--as-of", DAY, home=home)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    opened = tmp_path / "opened.txt"
    executable(bin_dir / "xdg-open", f'#!/bin/sh\necho "$1" >> {shlex.quote(str(opened))}\n')
    editor = f"{shlex.quote(sys.executable)} {shlex.quote(str(executable(tmp_path / 'edit.py', EDITOR)))}"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}  # no clipboard
    env.update(TERM="dumb", EDITOR=editor, VISUAL=editor, PATH=f"{bin_dir}{os.pathsep}{env['PATH']}")
    screen = io.StringIO()
    child = pexpect.spawn(sys.executable, ["-m", "matcher", "--home", str(home), "review", "--as-of", DAY,
                                           "--print-url"],
                          env=env, encoding="utf-8", timeout=60, dimensions=(50, 110))
    child.logfile_read = screen
    keys = r"\[e\]dit  \[q\]uit"
    try:
        child.expect("5 pending")
        # first the congratulation on good news about Giulia's company, then the articles, best first
        child.expect(r"Giulia Conti.*Elena Marchetti.*Francesca Ricci.*Luca Ferrari.*Marco Bellini")
        # card 1: the profile (from the LinkedIn import), sent
        child.expect(r"congratulation \d+ · 1 of 5")
        child.expect(keys)
        child.send("p")
        child.expect("opening https://www.linkedin.com/in/giulia-conti-4a1b2c")
        child.expect(r"sent\? \[y/N\]")
        child.sendline("y")
        # card 2: edit, then mail (the URL printed), sent
        child.expect(r"suggestion \d+ · 2 of 5")
        child.expect(keys)
        child.send("e")
        child.expect("edited draft:")
        child.expect("Cara Elena")
        child.expect("Perché no\\? È già là.")
        child.expect(keys)
        child.send("m")
        child.expect(r"mailto:elena\.marchetti@example\.org\?subject=EU%20AI%20Act")
        child.expect("Cara%20Elena")
        child.expect(r"sent\? \[y/N\]")
        child.sendline("y")
        # card 3: open the article, then later
        child.expect("3 of 5")
        child.expect(keys)
        child.send("o")
        child.expect("opening https://")
        child.expect(keys)
        child.send("l")
        # card 4: no profile URL, so no "sent?"; copy where no clipboard exists, not sent;
        # then skip with a reason
        child.expect("4 of 5")
        child.expect(keys)
        child.send("p")
        child.expect("no profile URL for Luca Ferrari")
        child.expect(keys)
        child.send("c")
        child.expect("no clipboard on this machine \\(install xclip, xsel or wl-clipboard\\); copy the draft from here:")
        child.expect("Ciao Luca")
        child.expect(r"sent\? \[y/N\]")
        child.sendline("")
        child.expect(keys)
        child.send("k")
        child.expect(r"reason \(optional, e\.g\. off-topic\)")
        child.sendline("off-topic")
        # card 5: quit
        child.expect("5 of 5")
        child.expect(keys)
        child.send("q")
        child.expect("2 sent, 1 skipped, 1 for later, 1 edited")
        child.expect(pexpect.EOF)
    finally:
        child.close()
        print(screen.getvalue())  # the screen, shown when the test fails (or with -s)
    assert child.exitstatus == 0

    rows = {r["contact"]: r for r in json.loads(
        cli("suggestions", "--status", "all", "--json", "--as-of", DAY, home=home).stdout)}
    assert {name: r["status"] for name, r in rows.items()} == {
        "Elena Marchetti": "sent", "Luca Ferrari": "skipped", "Giulia Conti": "sent",
        "Marco Bellini": "pending", "Francesca Ricci": "pending"}
    assert rows["Luca Ferrari"]["skip_reason"] == "off-topic"
    elena = rows["Elena Marchetti"]
    assert elena["draft"].startswith("Ciao Elena") and elena["edited"].startswith("Cara Elena")
    assert elena["edited"].endswith("Perché no? È già là.")
    shown = json.loads(cli("contacts", "show", "Elena Marchetti", "--json", "--as-of", DAY, home=home).stdout)[0]
    assert [t["message"] for t in shown["touches"]] == [elena["edited"]]
    # the fake opener got the profile and the article, never the mail (printed instead)
    assert opened.read_text(encoding="utf-8").splitlines() == [
        "https://www.linkedin.com/in/giulia-conti-4a1b2c", rows["Francesca Ricci"]["article_url"]]
