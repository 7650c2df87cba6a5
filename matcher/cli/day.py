"""The night and the morning: `run`, `suggestions`, `mark`, `review`, `top`, `why`, `log`."""

from __future__ import annotations

import sys

import click
from rich.table import Table

from matcher.cli.shared import (
    as_of_option, console, d, err_console, home_command, json_option, main, print_json, print_suggestions, safe,
    short,
)
from matcher.textsafe import clean


# --- the night -------------------------------------------------------------------------

@main.command()
@click.option("--quiet", "-q", is_flag=True, help="For cron: print only failures.")
@json_option
@as_of_option
@home_command
def run(home, quiet, as_json, as_of):
    """The nightly job: ingest feeds, match, propose suggestions. Safe to run from cron.

    Example: matcher run --quiet
    """
    from matcher.night import run_night
    from matcher.progress import night_progress
    show = not quiet and not as_json and sys.stderr.isatty()
    with night_progress(show) as progress:
        report = run_night(home, as_of, progress=progress)
    if as_json:
        return print_json([report.to_dict()])
    for url, error in report.feeds_failed:
        err_console.print(f"feed failed: {short(url, 80)}: {short(error, 120)}")
    if not quiet:
        click.echo(
            f"{d(as_of)}: {report.feeds_ok} feeds ok ({report.not_modified} not modified), "
            f"{len(report.feeds_failed)} failed; {report.articles_new} new articles "
            f"({report.pages_fetched} pages fetched); {len(report.suggestions_new)} new suggestions; "
            + (f"{len(report.greetings_new)} greetings; " if report.greetings_new else "") +
            f"{report.seconds:.2f}s"
        )


# --- suggestions -----------------------------------------------------------------------

@main.command()
@click.option("--status", type=click.Choice(["pending", "sent", "skipped", "expired", "all"]), default="pending",
              show_default=True)
@json_option
@as_of_option
@home_command(read_only=True)
def suggestions(home, status, as_json, as_of):
    """List suggestions.

    Example: matcher suggestions --status all --json
    """
    from matcher.review import suggestion_rows
    rows = suggestion_rows(home.db, status, as_of)
    if as_json:
        return print_json(rows)
    print_suggestions(rows)


@main.command()
@click.argument("suggestion_id", type=int)
@click.argument("status", type=click.Choice(["sent", "skipped"]))
@click.option("--reason", help="Why it was skipped (e.g. off-topic).")
@as_of_option
@home_command
def mark(home, suggestion_id, status, reason, as_of):
    """Mark one suggestion sent or skipped (sent records a touch).

    Example: matcher mark 12 skipped --reason off-topic
    """
    from matcher.review import mark_one
    s = mark_one(home.db, suggestion_id, status, as_of, reason)
    click.echo(f"suggestion {s['id']} to {clean(s['contact'], single_line=True)}: {s['status']} on {d(as_of)}")


@main.command()
@click.option("--kind", type=click.Choice(["article", "news", "greeting", "congratulation"]),
              help="Only suggestions of this kind.")
@click.option("--print-url", is_flag=True, help="[m]ail prints the mailto: URL instead of opening the mail client.")
@as_of_option
@home_command
def review(home, kind, print_url, as_of):
    """The day's list, then one card at a time: [s]ent, s[k]ip, [l]ater, [o]pen the article,
    [m]ail it, [c]opy the draft, open the [p]rofile, [e]dit the draft, [q]uit.

    Example: matcher review --kind greeting
    """
    from matcher.review import Desk, review_in
    desk = Desk(
        read_key=click.getchar if sys.stdin.isatty() else lambda: sys.stdin.readline().strip()[:1],
        ask=lambda prompt: click.prompt(prompt, default="", show_default=False),
        print_url=print_url,
    )
    summary = review_in(home.db, as_of, console, desk, kind)
    click.echo(f"{summary.sent} sent, {summary.skipped} skipped, {summary.later} for later"
               + (f", {summary.edited} edited" if summary.edited else ""))


@main.command()
@click.argument("contact")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1))
@json_option
@as_of_option
@home_command(read_only=True)
def top(home, contact, limit, as_json, as_of):
    """The best-matching fresh articles for one contact, ignoring the throttle.

    Example: matcher top "Giulia Conti" --limit 5
    """
    from matcher.explain import top_rows
    name, data = top_rows(home.db, home.settings, contact, as_of, limit)
    if as_json:
        return print_json(data)
    if not data:
        console.print(f"nothing fresh matches {safe(name)}")
        return
    t = home.settings.throttle
    table = Table("score", "meaning", "words", "date", "title", "matching", title=safe(name),
                  caption=f"✓ passes the threshold: score ≥ {t.min_score:.2f}, meaning (sentence vectors) "
                          f"≥ {t.min_semantic:.2f}, words (in the article's language) ≥ {t.min_lexical:.2f}")
    for r in data:
        table.add_row(f"{r['score']:.2f}{' ✓' if r['passes'] else ''}", f"{r['semantic']:.2f}", f"{r['lexical']:.2f}",
                      r["published"] or "", short(r["title"], 50) + _about(r["mentions"]),
                      short(", ".join(r["reasons"]), 36))
    console.print(table)


def _about(mentions: list[dict]) -> str:
    """The line under a `top` row whose article names the contact's company."""
    return "".join(f"\n[dim]about {short(m['company_words'], 30)} ({short(m['tone_reason'], 40)})[/dim]"
                   for m in mentions)


@main.command()
@click.argument("contact")
@json_option
@as_of_option
@home_command(read_only=True)
def why(home, contact, as_json, as_of):
    """What the courtesy throttle says about a contact today, and from when it would pass;
    and whether a greeting or congratulation would be proposed, or which rule holds it.

    Example: matcher why "Giulia Conti"
    """
    from matcher.explain import why_row
    row = why_row(home.db, home.settings, contact, as_of)
    if as_json:
        return print_json([row])
    name = clean(row["contact"], single_line=True)
    if row["ok"]:
        click.echo(f"{name}: courteous today ({d(as_of)})")
        if row["best_kind"] == "congratulation":
            click.echo(f"  would propose a congratulation: {short(row['best_article_title'], 80)} "
                       f"({short('; '.join(row['best_reasons']), 80)})")
        elif row["best_article_title"]:
            click.echo(f"  would propose: {short(row['best_article_title'], 80)} (score {row['best_score']:.2f}; "
                       f"meaning {row['best_semantic']:.2f}, words {row['best_lexical']:.2f})")
        if row["best_article_title"] and row["draft_note"]:
            click.echo(f"  {row['draft_note']}")
        if row["held_back"]:
            held = row["held_back"]
            click.echo(f"  held back by rule {held['rule']} ({held['rule_name']}): {clean(held['reason'])}")
    else:
        click.echo(f"{name}: held back by rule {row['rule']} ({row['rule_name']}): {clean(row['reason'])}")
        if row["passes_on"]:
            click.echo(f"  passes from {row['passes_on']}")
    click.echo(f"  cadence {row['cadence_days']} days; last touch {row['last_touch'] or 'never'}; "
               f"{row['unreplied']} unreplied in a row")
    for o in row["occasions"]:
        what = f"{o['message']} for {clean(o['title'], single_line=True)} ({o['date']})"
        if o["ok"]:
            click.echo(f"  would propose a {what}" + (f"; {o['draft_note']}" if o["draft_note"] else ""))
        else:
            click.echo(f"  {what} held back by rule {o['rule']} ({o['rule_name']}): {clean(o['reason'])}"
                       + (f"; passes from {o['passes_on']}" if o["passes_on"] else ""))
    if not row["occasions"]:
        nxt = row["next_occasion"]
        click.echo("  no occasion in its greeting window today"
                   + (f"; next: {clean(nxt['title'], single_line=True)} on {nxt['date']} "
                      f"(a {nxt['message']}, proposed from {nxt['opens']})" if nxt else ""))


@main.command("log")
@click.argument("contact")
@click.argument("kind", type=click.Choice(["email", "call", "meeting", "message", "reply", "ask", "greeting",
                                           "congratulation"]))
@click.option("--note", default="")
@as_of_option
@home_command
def log_touch(home, contact, kind, note, as_of):
    """Record a touch made outside the tool (a reply is a touch from them).

    Example: matcher log "Giulia Conti" reply --note "thanked for the coffee article"
    """
    from matcher.touches import log_touch as record_touch
    logged = record_touch(home.db, contact, kind, as_of, note)
    click.echo(f"logged {kind} with {clean(logged.contact, single_line=True)} on {d(as_of)}")
    if kind == "ask" and logged.gives_before < 2:
        since = "since your last ask to" if logged.asked_before else "so far to"
        err_console.print(f"warning: only {logged.gives_before} give(s) {since} {safe(logged.contact)}: "
                          "give before you ask" + (" again" if logged.asked_before else ""))
