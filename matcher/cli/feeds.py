"""`matcher feeds …`: subscriptions and their health."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from matcher.cli.shared import (
    console, d, home_command, json_option, main, print_json, short,
)


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
    from matcher.feeds.subscriptions import import_opml
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
    from matcher.feeds.subscriptions import add_feed
    feed = add_feed(home.db, url, title, category)
    click.echo(f"added feed {feed.id}: {feed.url}")


@feeds.command("remove")
@click.argument("feed")
@home_command
def feeds_remove(home, feed):
    """Unsubscribe from a feed, by id or URL (its articles stay for past suggestions).

    Example: matcher feeds remove 12
    """
    from matcher.feeds.subscriptions import remove_feed
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
    from matcher.feeds.subscriptions import list_feeds
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
    from matcher.feeds.subscriptions import list_feeds
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
    from matcher.feeds.subscriptions import export_opml
    text = export_opml(home.db)
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")
    else:
        click.echo(text)
