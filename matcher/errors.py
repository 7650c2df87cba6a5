"""The library's own errors. The CLI turns each into one clear line and a non-zero exit."""


class MatcherError(Exception):
    """Base of every error matcher reports to the user."""


class ConfigError(MatcherError):
    """The home or its matcher.toml cannot be used."""


class NotFound(MatcherError):
    """A contact, feed or suggestion named by the user does not exist."""


class InputFileError(MatcherError):
    """An import file (OPML, contacts) is malformed; nothing from it was stored."""

    def __init__(self, path, message, line=None):
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


class FeedError(MatcherError):
    """One feed could not be fetched or parsed; recorded on the feed, the night goes on."""


class RunLocked(MatcherError):
    """Another `matcher run` holds the home's lock."""
