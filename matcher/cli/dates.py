"""Looking ahead and back: `occasions`, `agenda`, `news`, `report`."""

from __future__ import annotations

from pathlib import Path

import click

from matcher.cli.shared import (
    as_of_option, console, d, home_command, json_option, main, print_json, safe,
)


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
