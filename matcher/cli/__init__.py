"""The `matcher` command: a click group (`shared.main`) and its commands, one module per
part of the day (feeds, contacts, the night and the morning, the calendar, the user's data).
Importing this package registers every command."""

from matcher.cli import contacts, data, dates, day, feeds  # noqa: F401  (they register their commands)
from matcher.cli.shared import entry, fast_exit, main

__all__ = ["entry", "fast_exit", "main"]
