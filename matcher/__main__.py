from matcher.cli import entry

entry()
