"""The user's data: `backup`, `restore`, `export`, `import-history`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from matcher.cli.shared import (
    home_command, json_option, main, print_json,
)


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
