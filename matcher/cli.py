"""The `matcher` command: parse options, call one library function, print.

Library errors (`MatcherError`) become one clear line and exit status 1.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import gc
import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from matcher import __version__
from matcher.errors import MatcherError
from matcher.textsafe import clean

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


# --- shared options --------------------------------------------------------------------

def parse_day(_ctx, _param, value):
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-25") from None


as_of_option = click.option(
    "--as-of", "as_of", metavar="YYYY-MM-DD", callback=parse_day, expose_value=True,
    help="Act as if today were this day (replay a day).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON array for scripts.")


def print_json(rows) -> None:
    click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))


def home_command(func=None, *, read_only: bool = False):
    """Open the home for the command and turn library errors into one line.

    `@home_command(read_only=True)`: a command that only reads gets a home whose database
    refuses writes; it writes no file of the home either (not even matcher.log, which is the
    night's), so it works on a read-only copy of a home.
    """
    if func is None:
        return functools.partial(home_command, read_only=read_only)

    @click.pass_context
    @functools.wraps(func)
    def wrapper(ctx, *args, **kwargs):
        from matcher.home import open_home
        try:
            home = open_home(ctx.obj["home"], read_only=read_only)
            try:
                return func(home, *args, **kwargs)
            finally:
                home.close()
        except MatcherError as exc:
            raise click.ClickException(clean(str(exc), single_line=True)) from None
    return wrapper


def safe(text, width: int | None = None, single_line: bool = True) -> str:
    """Untrusted text made harmless for the terminal: no control sequences, no rich markup."""
    text = clean(str(text or ""), single_line=single_line)
    if width and len(text) > width:
        text = text[: width - 1] + "…"
    return escape(text)


def short(text: str, width: int) -> str:
    return safe(text, width)


def d(day) -> str:
    return day.isoformat() if day else ""


def fast_exit() -> None:
    """When the command ends the process ends: the operating system takes the heap back,
    and the interpreter's last collections need not walk it (0.8 s of the 4.1 s of CPU of
    `matcher top` on the demo home, median of 7). Objects kept only by reference cycles are
    then not finalised at exit; matcher closes its files and its database explicitly, so
    nothing waits on that."""
    atexit.register(gc.freeze)


def entry() -> None:
    """The `matcher` script (pyproject.toml): the CLI, then a quick exit."""
    fast_exit()
    main()


# --- the group -------------------------------------------------------------------------

@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), envvar="MATCHER_HOME",
              help="The home folder (config + database). Default: $MATCHER_HOME or ~/.local/share/matcher.")
@click.version_option(__version__, prog_name="matcher")
@click.pass_context
def main(ctx, home):
    """Opportune, not opportunistic: the right article, to the right person, at the right time.

    Example: matcher --home ~/network run --quiet
    """
    ctx.ensure_object(dict)
    ctx.obj["home"] = home


@main.command()
@click.pass_context
def init(ctx):
    """Create a home: matcher.toml, an empty database and a contacts template.

    Example: matcher --home ~/network init
    """
    from matcher.home import init_home
    try:
        report = init_home(ctx.obj["home"])
    except MatcherError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"home: {report.home}")
    for name in report.created:
        click.echo(f"  created {name}")
    click.echo(f"  database {report.database}")
    click.echo("Next: matcher feeds import feeds.opml; edit contacts.yaml and "
               "matcher contacts import contacts.yaml; matcher run")


@main.command()
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path),
              help="Build the demo home here and keep it (default: a temporary folder).")
@click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The sample folder (default: the bundled data/).")
def demo(keep, data_dir):
    """Run the whole pipeline offline on the bundled sample and show the suggestions.

    Example: matcher demo
    """
    from matcher.demo import run_demo
    try:
        result = run_demo(keep, data_dir)
    except MatcherError as exc:
        raise click.ClickException(str(exc)) from None
    r = result.night
    console.print(f"demo home: {result.home}  (as of {d(result.as_of)})")
    console.print(f"feeds: {r.feeds_ok} ok, {len(r.feeds_failed)} failed; "
                  f"{r.articles_new} new articles; {len(r.suggestions_new)} suggestions "
                  f"in {r.seconds:.2f}s")
    print_suggestions(result.suggestions)
    if result.suggestions:
        first = result.suggestions[0]
        console.print(f"\ndraft for {safe(first['contact'])}:", style="dim")
        console.print(safe(first["draft"], single_line=False), soft_wrap=True)
    console.print(f"\nTry: matcher --home {result.home} review --as-of {d(result.as_of)}"
                  if keep else "\nKeep the demo home with: matcher demo --keep DIR")


# --- feeds -----------------------------------------------------------------------------

@main.group()
def feeds():
    """Manage the feeds: import, list, add, remove, status, export.

    Example: matcher feeds import feeds.opml
    """


@feeds.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@home_command
def feeds_import(home, file):
    """Add the feeds of an OPML file (nested outlines; categories kept).

    Example: matcher feeds import feeds.opml
    """
    from matcher.feeds.ingest import import_opml
    summary = import_opml(home.db, file)
    click.echo(f"{summary.added} feeds added, {summary.existing} already there")


@feeds.command("add")
@click.argument("url")
@click.option("--title", default="")
@click.option("--category", default="")
@home_command
def feeds_add(home, url, title, category):
    """Subscribe to one feed (a URL, a file:// URL or a local path).

    Example: matcher feeds add https://www.ansa.it/sito/ansait_rss.xml --category News
    """
    from matcher.feeds.ingest import add_feed
    feed = add_feed(home.db, url, title, category)
    click.echo(f"added feed {feed.id}: {feed.url}")


@feeds.command("remove")
@click.argument("feed")
@home_command
def feeds_remove(home, feed):
    """Unsubscribe from a feed, by id or URL (its articles stay for past suggestions).

    Example: matcher feeds remove 12
    """
    from matcher.feeds.ingest import remove_feed
    remove_feed(home.db, feed)
    click.echo(f"removed {feed}")


def feed_to_dict(f) -> dict:
    return {
        "id": f.id, "url": f.url, "title": f.title, "category": f.category,
        "status": f.last_status, "last_error": f.last_error, "error_count": f.error_count,
        "last_checked": f.last_checked.isoformat(timespec="seconds") if f.last_checked else None,
        "next_check": f.next_check.isoformat(timespec="seconds") if f.next_check else None,
        "health": f.health, "retired_on": d(f.retired_on) or None,
    }


@feeds.command("list")
@json_option
@home_command
def feeds_list(home, as_json):
    """List the feeds.

    Example: matcher feeds list --json
    """
    from matcher.feeds.ingest import list_feeds
    rows = [feed_to_dict(f) for f in list_feeds(home.db)]
    if as_json:
        return print_json(rows)
    table = Table("id", "title", "category", "url")
    for r in rows:
        table.add_row(str(r["id"]), short(r["title"], 40), short(r["category"], 25), short(r["url"], 70))
    console.print(table)


@feeds.command("status")
@click.option("--failing", is_flag=True, help="Only feeds whose last check failed.")
@json_option
@home_command
def feeds_status(home, failing, as_json):
    """Health of each feed: last check, status, errors, next check.

    Example: matcher feeds status --failing
    """
    from matcher.feeds.ingest import list_feeds
    rows = [feed_to_dict(f) for f in list_feeds(home.db, failing=failing)]
    if as_json:
        return print_json(rows)
    table = Table("id", "title", "status", "errors", "last checked", "next check")
    for r in rows:
        table.add_row(str(r["id"]), short(r["title"] or r["url"], 40), short(r["status"] or "", 90),
                      str(r["error_count"]), (r["last_checked"] or "")[:16], (r["next_check"] or "")[:16])
    console.print(table)


@feeds.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
@home_command
def feeds_export(home, output):
    """Write the feeds as OPML.

    Example: matcher feeds export -o my-feeds.opml
    """
    from matcher.feeds.ingest import export_opml
    text = export_opml(home.db)
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")
    else:
        click.echo(text)


# --- contacts --------------------------------------------------------------------------

@main.group()
def contacts():
    """Manage contacts: import, list, show, add, edit, remove.

    Example: matcher contacts import contacts.yaml
    """


@contacts.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["yaml", "csv", "linkedin", "google", "vcard"]),
              help="Default: detected from the content (vCard, LinkedIn, Google) or the extension.")
@click.option("--dry-run", is_flag=True, help="Show what would change; store nothing.")
@as_of_option
@home_command
def contacts_import(home, file, fmt, dry_run, as_of):
    """Add or update contacts from YAML/CSV, LinkedIn Connections.csv, Google CSV or vCard.

    Re-importing merges (by email, then profile URL, then name), never duplicates; a new
    company or role is recorded as a job change dated --as-of.

    Example: matcher contacts import Connections.csv --dry-run
    """
    from matcher.contacts.importer import read_contacts
    from matcher.contacts.store import import_contacts
    records = read_contacts(file, fmt)
    report = import_contacts(home.db, records, as_of, dry_run=dry_run)
    if dry_run:
        for line in report.changes:
            click.echo(clean(line, single_line=True))
        click.echo(f"dry run, nothing stored: {report.added} would be added, "
                   f"{report.updated} updated, {report.unchanged} unchanged, "
                   f"{len(report.job_changes)} job changes")
        return
    for job in report.job_changes:
        click.echo(clean(f"job change {job.describe()} (projects to review: "
                         f"{len(job.projects_flagged)})", single_line=True))
    click.echo(f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged"
               + (f", {len(report.job_changes)} job changes" if report.job_changes else ""))


@contacts.command("list")
@json_option
@home_command
def contacts_list(home, as_json):
    """List contacts.

    Example: matcher contacts list --json
    """
    from matcher.contacts.show import contact_rows
    rows = contact_rows(home.db)
    if as_json:
        return print_json(rows)
    table = Table("id", "name", "kind", "company", "role", "email")
    for r in rows:
        table.add_row(str(r["id"]), short(r["name"], 30), r.get("kind") or "", short(r["company"] or "", 25),
                      short(r["role"] or "", 25), r["email"] or "")
    console.print(table)


@contacts.command("show")
@click.argument("contact")
@json_option
@as_of_option
@home_command
def contacts_show(home, contact, as_json, as_of):
    """Everything about one contact: fields, projects, touches.

    Example: matcher contacts show "Giulia Conti"
    """
    from matcher.contacts.show import contact_card
    row = contact_card(home.db, contact, as_of)
    if as_json:
        return print_json([row])
    for key, value in row.items():
        if key in ("projects", "touches"):
            continue
        if value not in (None, "", False):
            console.print(f"[dim]{key:>22}[/dim]  {safe(value)}")
    console.print("[bold]projects[/bold]")
    for p in row["projects"]:
        span = f"{p['since'] or '…'} → {p['until'] or 'now'}"
        console.print(f"  \\[{p['id']}] {safe(p['text'])}  [dim]{span}[/dim]")
    console.print("[bold]touches[/bold]")
    for t in row["touches"] or [{"date": "", "kind": "none yet", "direction": "", "note": ""}]:
        console.print(f"  {t['date']} {t['kind']} {t['direction']} {short(t['note'], 60)}")


CONTACT_FIELDS = [
    click.option("--email"), click.option("--kind"), click.option("--company"), click.option("--role"),
    click.option("--country"), click.option("--language"), click.option("--channel"), click.option("--notes"),
    click.option("--cadence", "cadence_days", type=click.IntRange(min=1), help="Days between touches."),
    click.option("--birthday", type=click.DateTime(["%Y-%m-%d"])),
]


def contact_fields(func):
    for option in reversed(CONTACT_FIELDS):
        func = option(func)
    return func


def _given(**values) -> dict:
    out = {k: v for k, v in values.items() if v is not None}
    if "birthday" in out:
        out["birthday"] = out["birthday"].date()
    return out


@contacts.command("add")
@click.argument("name")
@contact_fields
@click.option("--project", "projects", multiple=True, help="What they work on now (repeatable).")
@as_of_option
@home_command
def contacts_add(home, name, projects, as_of, **fields):
    """Add one contact.

    Example: matcher contacts add "Marco Bianchi" --kind colleague --project "Moving our data platform to Kubernetes"
    """
    from matcher.contacts.records import ContactRecord, ProjectRecord
    from matcher.contacts.store import add_contact
    record = ContactRecord(name=name, **_given(**fields),
                           projects=[ProjectRecord(text=p, since=as_of) for p in projects])
    contact = add_contact(home.db, record, as_of)
    click.echo(f"added contact {contact.id}: {contact.name}")


@contacts.command("edit")
@click.argument("contact")
@click.option("--name")
@contact_fields
@click.option("--do-not-contact/--may-contact", "do_not_contact", default=None)
@click.option("--snooze-until", "snoozed_until", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--add-project", help="Add a project starting today.")
@click.option("--end-project", type=int, help="End the project with this id today.")
@as_of_option
@home_command
def contacts_edit(home, contact, as_of, **fields):
    """Change a contact's fields or projects.

    Example: matcher contacts edit "Giulia Conti" --snooze-until 2027-01-10
    """
    from matcher.contacts.store import edit_contact
    changes = _given(**fields)
    if "snoozed_until" in changes:
        changes["snoozed_until"] = changes["snoozed_until"].date()
    c = edit_contact(home.db, contact, as_of=as_of, **changes)
    click.echo(f"updated contact {c.id}: {c.name}")


@contacts.command("remove")
@click.argument("contact")
@click.confirmation_option(prompt="Remove this contact and their history?")
@home_command
def contacts_remove(home, contact):
    """Remove a contact with their projects, touches and suggestions.

    Example: matcher contacts remove 7 --yes
    """
    from matcher.contacts.store import remove_contact
    removed = remove_contact(home.db, contact)
    click.echo(f"removed contact {removed.id}: {clean(removed.name, single_line=True)}")


@contacts.command("forget")
@click.argument("contact")
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@home_command
def contacts_forget(home, contact, dry_run, yes, as_json):
    """Forget a person (a request to be forgotten): the contact and everything about them —
    projects, suggestions and drafts, touches, dates, job changes, their lines in the
    nightly index and the log — in one transaction. Articles stay.

    Example: matcher contacts forget "Giulia Conti" --dry-run
    """
    from matcher.contacts.forget import forget
    if not dry_run and not yes:
        preview = forget(home.db, home.settings, contact, dry_run=True)
        click.confirm(f"Forget {clean(preview.name, single_line=True)} and everything about them?",
                      abort=True, err=True)
    done = forget(home.db, home.settings, contact, dry_run=dry_run)
    if as_json:
        return print_json([done.to_dict()])
    parts = ", ".join(f"{n} {part}" for part, n in done.removed.items() if n)
    verb = "would remove" if dry_run else "forgot"
    click.echo(f"{verb} contact {done.contact_id}: {clean(done.name, single_line=True)} ({parts})")
    for place in done.scrubbed:
        click.echo(f"  rewritten without them: {place}")


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

def print_suggestions(rows: list[dict]) -> None:
    """Two lines a suggestion: who and what, then why and where (fits an 80-column terminal)."""
    if not rows:
        console.print("no suggestions")
        return
    for r in rows:
        console.print(f"[bold]{r['id']:>4}[/bold]  {short(r['contact'], 22):<22} {r['score']:.2f}  "
                      f"{short(r['article_title'], 200)}", soft_wrap=True)
        when = f"pending since {r['created_on']}" if r["status"] == "pending" else f"{r['status']} on {r['decided_on']}"
        details = [when, r["published"] or "",
                   short(r["feed"], 30), "matching: " + short(", ".join(r["reasons"]), 60)]
        console.print("      " + " · ".join(x for x in details if x), style="dim", soft_wrap=True)


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
@as_of_option
@home_command
def review(home, as_of):
    """Go through pending suggestions: [s]ent, s[k]ip, [l]ater, [o]pen, [q]uit.

    Example: matcher review
    """
    from matcher.review import review_in
    summary = review_in(
        home.db, as_of, console,
        read_key=click.getchar if sys.stdin.isatty() else lambda: sys.stdin.readline().strip()[:1],
        ask=lambda prompt: click.prompt(prompt, default="", show_default=False),
    )
    click.echo(f"{summary.sent} sent, {summary.skipped} skipped, {summary.later} for later")


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
                      r["published"] or "", short(r["title"], 50), short(", ".join(r["reasons"]), 36))
    console.print(table)


@main.command()
@click.argument("contact")
@json_option
@as_of_option
@home_command(read_only=True)
def why(home, contact, as_json, as_of):
    """What the courtesy throttle says about a contact today, and from when it would pass.

    Example: matcher why "Giulia Conti"
    """
    from matcher.explain import why_row
    row = why_row(home.db, home.settings, contact, as_of)
    if as_json:
        return print_json([row])
    name = clean(row["contact"], single_line=True)
    if row["ok"]:
        click.echo(f"{name}: courteous today ({d(as_of)})")
        if row["best_article_title"]:
            click.echo(f"  would propose: {short(row['best_article_title'], 80)} (score {row['best_score']:.2f}; "
                       f"meaning {row['best_semantic']:.2f}, words {row['best_lexical']:.2f})")
    else:
        click.echo(f"{name}: held back by rule {row['rule']} ({row['rule_name']}): {clean(row['reason'])}")
        if row["passes_on"]:
            click.echo(f"  passes from {row['passes_on']}")
    click.echo(f"  cadence {row['cadence_days']} days; last touch {row['last_touch'] or 'never'}; "
               f"{row['unreplied']} unreplied in a row")


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


# --- occasions, agenda, news, report (issue 4) ------------------------------------------

@main.group()
def occasions():
    """Custom dates worth a greeting, per contact (holidays and birthdays come by themselves).

    Example: matcher occasions add "Giulia Conti" 06-29 "onomastico"
    """


@occasions.command("add")
@click.argument("contact")
@click.argument("day", metavar="DATE")
@click.argument("title")
@click.option("--once", is_flag=True, help="Only that day, not every year.")
@home_command
def occasions_add(home, contact, day, title, once):
    """Add a custom date (YYYY-MM-DD, or MM-DD for a yearly date without a year).

    Example: matcher occasions add "Giulia Conti" 2019-04-10 "Caffè Aurora's founding"
    """
    from matcher.greetings import add_occasion
    custom = add_occasion(home.db, contact, day, title, yearly=not once)
    click.echo(f"added occasion {custom['id']} for {safe(custom['contact'])}: {safe(title)}")


@occasions.command("list")
@click.argument("contact", required=False)
@json_option
@home_command
def occasions_list(home, contact, as_json):
    """List custom dates (of one contact, or everyone's).

    Example: matcher occasions list --json
    """
    from matcher.greetings import occasion_rows
    rows = occasion_rows(home.db, contact)
    if as_json:
        return print_json(rows)
    if not rows:
        console.print("no custom dates")
    for r in rows:
        console.print(f"{r['id']:>4}  {r['date']:<10}  {safe(r['contact'], 24):<24} {safe(r['title'], 60)}"
                      + ("" if r["yearly"] else "  (once)"))


@occasions.command("remove")
@click.argument("occasion_id", type=int)
@home_command
def occasions_remove(home, occasion_id):
    """Remove a custom date by its id.

    Example: matcher occasions remove 3
    """
    from matcher.greetings import remove_occasion
    remove_occasion(home.db, occasion_id)
    click.echo(f"removed occasion {occasion_id}")


@main.command()
@click.option("--days", default=30, show_default=True, type=click.IntRange(min=1, max=3660),
              help="How many days, starting with the as-of day.")
@click.option("--ics", "ics_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the items as an iCalendar (.ics) file.")
@json_option
@as_of_option
@home_command(read_only=True)
def agenda(home, days, ics_file, as_json, as_of):
    """Occasions, due follow-ups and stale projects in the coming days.

    Example: matcher agenda --days 14 --ics ~/matcher.ics
    """
    from matcher.agenda import agenda_in, to_ics
    items = agenda_in(home.db, home.settings, as_of, days)
    if ics_file:
        tmp = ics_file.with_name(ics_file.name + ".tmp")
        tmp.write_text(to_ics(items), encoding="utf-8", newline="")
        tmp.replace(ics_file)
    if as_json:
        return print_json([i.to_dict() for i in items])
    if not items:
        console.print(f"nothing in the {days} days from {d(as_of)}")
    for i in items:
        console.print(f"{d(i.date)}  {safe(i.contact, 22):<22} {i.kind:<16} {safe(i.title, 80)}", soft_wrap=True)
    if ics_file:
        click.echo(f"wrote {len(items)} events to {ics_file}")


@main.group()
def news():
    """Your own news: projects and achievements, proposed to the contacts they fit.

    Example: matcher news add "I led our move to a cloud data platform" --link https://example.com/post
    """


@news.command("add")
@click.argument("text")
@click.option("--link", default="", help="A page about it (http/https).")
@as_of_option
@home_command
def news_add(home, text, link, as_of):
    """Add a piece of your own news, dated --as-of (the night matches it like an article).

    Example: matcher news add "Il mio articolo sui contratti del caffè verde è uscito"
    """
    from matcher.news import add_news_item
    article = add_news_item(home.db, text, as_of, link)
    click.echo(f"added news {article['id']} on {d(as_of)}: {safe(article['title'], 80)}")


@news.command("list")
@json_option
@home_command
def news_list(home, as_json):
    """List your news, newest first.

    Example: matcher news list --json
    """
    from matcher.news import news_rows
    rows = news_rows(home.db)
    if as_json:
        return print_json(rows)
    if not rows:
        console.print("no news yet")
    for r in rows:
        console.print(f"{r['id']:>4}  {r['date']}  {safe(r['title'], 90)}" + (f"  {safe(r['link'])}" if r["link"] else ""))


@main.command()
@click.option("--html", "html_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report here.")
@as_of_option
@home_command(read_only=True)
def report(home, html_file, as_of):
    """A one-page relationship health report as static HTML (charts inline).

    Example: matcher report --html health.html
    """
    from matcher.report import write_report_of
    data = write_report_of(home.db, home.settings, as_of, html_file)
    click.echo(f"wrote {html_file}: {len(data.contacts)} contacts as of {d(as_of)}")


# --- the user's data: backup, restore, export (issue 12) ---------------------------------

@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@json_option
@home_command
def backup(home, file, as_json):
    """A consistent copy of the home's database (SQLite), even while a night is running.

    Example: matcher backup ~/backups/matcher-2026-11-20.db
    """
    from matcher.backup import backup as backup_database
    facts = backup_database(home, file)
    if as_json:
        return print_json([facts.to_dict()])
    click.echo(f"wrote {facts.path}: {facts.size:,} bytes, schema {facts.schema}, "
               f"{facts.contacts} contacts, {facts.suggestions} suggestions")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@home_command
def restore(home, file, yes, as_json):
    """Replace the home's database with a backup (an older one is migrated); the current
    database is kept as matcher.db.before-restore.

    Example: matcher restore ~/backups/matcher-2026-11-20.db --yes
    """
    from matcher.backup import restorable
    from matcher.backup import restore as restore_database
    if not yes:
        facts = restorable(home, file)
        click.confirm(f"Replace this home's database with {file} ({facts.contacts} contacts, "
                      f"{facts.suggestions} suggestions)?", abort=True, err=True)
    done = restore_database(home, file)
    if as_json:
        return print_json([done.to_dict()])
    migrated = f", migrated from schema {done.migrated_from}" if done.migrated_from else ""
    click.echo(f"restored {file}: {done.restored.contacts} contacts, {done.restored.suggestions} "
               f"suggestions{migrated}; the previous database is {done.safety_copy}")


@main.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Export as JSON (the one format).")
@home_command
def export(home, file, as_json):
    """Contacts, projects, dates, job changes, touches and suggestions with their marks, as
    one JSON document (to FILE, else standard output); read back with `contacts import`
    and `import-history`.

    Example: matcher export --json network.json
    """
    from matcher.export import export_json, write_export
    if not as_json:
        raise click.UsageError("say the format: matcher export --json [FILE]")
    text = export_json(home, dt.date.today())
    if file is None:
        return click.echo(text, nl=False)
    write_export(text, file)
    click.echo(f"wrote {file}")


@main.command("import-history")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@json_option
@home_command
def import_history(home, file, as_json):
    """Read an export's history (dates, job changes, suggestions with marks, touches) into
    a home that has its contacts (`matcher contacts import FILE` first).

    Example: matcher import-history network.json
    """
    from matcher.history import import_history as store_history
    from matcher.history import read_history
    report = store_history(home.db, file, read_history(file))
    if as_json:
        return print_json([report.to_dict()])
    added = ", ".join(f"{n} {part.replace('_', ' ')}" for part, n in report.added.items())
    click.echo(f"added {added}; {sum(report.present.values())} already there; "
               f"{report.articles_created} articles created")
