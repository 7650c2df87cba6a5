"""`matcher contacts …`: the people, their projects, and forgetting one."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from matcher.cli.shared import (
    as_of_option, console, home_command, json_option, main, print_json, safe, short,
)
from matcher.textsafe import clean


# --- contacts --------------------------------------------------------------------------

@main.group()
def contacts():
    """Manage contacts: import, list, show, add, edit, confirm, remove.

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
        if t.get("message"):
            console.print(f"      [dim]sent:[/dim] {short(t['message'], 70)}")


CONTACT_FIELDS = [
    click.option("--email"), click.option("--kind"), click.option("--company"), click.option("--role"),
    click.option("--country"), click.option("--language"), click.option("--channel"), click.option("--notes"),
    click.option("--cadence", "cadence_days", type=click.IntRange(min=1), help="Days between touches."),
    click.option("--birthday", type=click.DateTime(["%Y-%m-%d"])),
    click.option("--company-aliases", help='Other names of the company, separated by ";" ("" clears).'),
    click.option("--company-tickers", help='Its stock tickers, separated by ";" (e.g. "ENI; ENI.MI").'),
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
    from matcher.contacts.edit import add_contact
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
    from matcher.contacts.edit import edit_contact
    changes = _given(**fields)
    if "snoozed_until" in changes:
        changes["snoozed_until"] = changes["snoozed_until"].date()
    c = edit_contact(home.db, contact, as_of=as_of, **changes)
    click.echo(f"updated contact {c.id}: {c.name}")


@contacts.command("confirm")
@click.argument("contact")
@click.argument("project", required=False)
@json_option
@as_of_option
@home_command
def contacts_confirm(home, contact, project, as_json, as_of):
    """Confirm a contact's projects are still current (all of them, or PROJECT: an id or a
    unique part of its text), as of --as-of; a job change's "still current?" is answered.

    Example: matcher contacts confirm "Giulia Conti" coffee
    """
    from matcher.contacts.edit import confirm_projects
    name, confirmed = confirm_projects(home.db, contact, project, as_of=as_of)
    if as_json:
        return print_json(confirmed)
    for p in confirmed:
        click.echo(f"confirmed project {p['id']} of {clean(name, single_line=True)} on {p['confirmed_on']}: "
                   f"{short(p['text'], 70)}")


@contacts.command("remove")
@click.argument("contact")
@click.confirmation_option(prompt="Remove this contact and their history?")
@home_command
def contacts_remove(home, contact):
    """Remove a contact with their projects, touches and suggestions.

    Example: matcher contacts remove 7 --yes
    """
    from matcher.contacts.edit import remove_contact
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
