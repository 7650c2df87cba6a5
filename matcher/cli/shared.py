"""The `matcher` command group and what every command shares: the home, options, output.

A command parses options, calls one library function, prints. Library errors
(`MatcherError`) become one clear line and exit status 1.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import gc
import json
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

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


def print_suggestions(rows: list[dict]) -> None:
    """Two lines a suggestion: who and what, then why and where (fits an 80-column terminal)."""
    if not rows:
        console.print("no suggestions")
        return
    for r in rows:
        console.print(f"[bold]{r['id']:>4}[/bold]  {short(r['contact'], 22):<22} {r['score']:.2f}  "
                      f"{short(r['article_title'], 200)}", soft_wrap=True)
        # an occasion or news about their company is the reason itself, not a topical match
        label = "matching: " if r.get("kind", "article") in ("article", "news") else "why: "
        when = f"pending since {r['created_on']}" if r["status"] == "pending" else f"{r['status']} on {r['decided_on']}"
        details = [when, r["published"] or "",
                   short(r["feed"], 30), label + short(", ".join(r["reasons"]), 60)]
        console.print("      " + " · ".join(x for x in details if x), style="dim", soft_wrap=True)


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
