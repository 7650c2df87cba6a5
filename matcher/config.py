"""The home folder and its matcher.toml: every setting with its default."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from matcher.errors import ConfigError

CONFIG_NAME = "matcher.toml"
DB_NAME = "matcher.db"
LOG_NAME = "matcher.log"
LOCK_NAME = "run.lock"
COUNTS_NAME = "cache/counts.npz"
INDEX_NAME = "cache/index.pkl"
WORDS_NAME = "cache/words.npz"


def default_home() -> Path:
    """$MATCHER_HOME, else $XDG_DATA_HOME/matcher, else ~/.local/share/matcher."""
    if os.environ.get("MATCHER_HOME"):
        return Path(os.environ["MATCHER_HOME"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "matcher"


@dataclass(frozen=True)
class UserSettings:
    name: str = ""
    country: str = "IT"
    language: str = "it"


@dataclass(frozen=True)
class ThrottleSettings:
    """The courtesy throttle of PRODUCT.md; every number can be changed in matcher.toml."""

    cadence_days: int = 30
    cadence_by_kind: dict = field(
        default_factory=lambda: {"colleague": 21, "recruiter": 30, "headhunter": 45}
    )
    no_reply_limit: int = 3          # touches in a row without reply before the cadence doubles
    freshness_days: int = 14
    min_score: float = 0.25          # the matcher's threshold: better nothing than irrelevant
    min_semantic: float = 0.40       # ... and the meaning must agree (sentence vectors' cosine)
    min_lexical: float = 0.10        # ... and the words, in the article's own language
    daily_cap: int = 5
    weekly_send_cap: int = 0         # 0 = off
    near_duplicate: float = 0.5      # article-to-article similarity that makes two one story


@dataclass(frozen=True)
class FetchSettings:
    concurrency: int = 64            # requests in flight across all hosts (per_host still caps each)
    per_host: int = 4
    timeout: float = 20.0            # seconds for connect/read of one request
    # Whole-request deadlines: a server that dribbles a byte a second or never answers costs
    # the night no more than this (newsboat waits 30 s for a feed, Miniflux 20 s).
    deadline: float = 30.0           # seconds for one feed, whole
    page_deadline: float = 20.0      # seconds for one article page, whole
    max_bytes: int = 20_000_000
    user_agent: str = "matcher/0.1 (+https://example.invalid/matcher)"
    min_feed_text: int = 600         # characters of feed content that count as the full article
    workers: int = 0                 # process pool size for parse/extract; 0 = os.cpu_count()


@dataclass(frozen=True)
class OccasionSettings:
    """Which dates merit a greeting, and how early the greeting is proposed.

    Holidays are named as the `holidays` library names them in English; a country missing
    from `greet` takes the "*" entry.
    """

    greet: dict = field(default_factory=lambda: {
        "IT": ["Christmas Day", "Easter Sunday", "New Year's Day"],
        "US": ["Thanksgiving Day", "Christmas Day", "New Year's Day"],
        "GB": ["Christmas Day", "New Year's Day"],
        "*": ["Christmas Day", "New Year's Day"],
    })
    lead_days: dict = field(default_factory=lambda: {"Christmas Day": 3, "Easter Sunday": 2})
    holiday_lead_days: int = 1       # for a greeted holiday not in lead_days
    birthday_lead_days: int = 0      # birthdays, work anniversaries, custom dates: on the day
    greeting_gap_days: int = 14      # no holiday greeting this soon after another one
    job_change_days: int = 30        # a new role is congratulated within this many days
    stale_project_days: int = 182    # unconfirmed this long: "still current?" in the agenda
    retire_project_days: int = 365   # unconfirmed this long: stops driving matching
    news_freshness_days: int = 60    # your own news stays worth sharing this long


@dataclass(frozen=True)
class RetentionSettings:
    article_days: int = 90           # articles older than this, sent to no one, are pruned; 0 = keep all


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str = ""
    user: UserSettings = field(default_factory=UserSettings)
    throttle: ThrottleSettings = field(default_factory=ThrottleSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    occasions: OccasionSettings = field(default_factory=OccasionSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)

    @property
    def db_url(self) -> str:
        """$MATCHER_DB, else the config's URL, else the SQLite file in the home."""
        url = os.environ.get("MATCHER_DB") or self.database_url
        return url or f"sqlite:///{self.home / DB_NAME}"

    @property
    def log_path(self) -> Path:
        return self.home / LOG_NAME

    @property
    def lock_path(self) -> Path:
        return self.home / LOCK_NAME

    @property
    def counts_path(self) -> Path:
        """The articles' term counts kept between nights (matching/counts.py; safe to delete)."""
        return self.home / COUNTS_NAME

    @property
    def index_path(self) -> Path:
        """What the night fitted, for the day's read-only commands (matching/index.py; safe to delete)."""
        return self.home / INDEX_NAME

    @property
    def word_vectors_path(self) -> Path:
        """The vocabulary's word vectors, for bridging projects across languages
        (matching/bridge.py; safe to delete)."""
        return self.home / WORDS_NAME


def _section(cls, data: dict, name: str):
    known = {f.name for f in fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"{CONFIG_NAME}: unknown key(s) in [{name}]: {', '.join(sorted(unknown))}")
    base = cls()
    values = {}
    for key, value in data.items():
        default = getattr(base, key)
        if isinstance(default, dict):
            value = {**default, **value}
        elif isinstance(default, float) and isinstance(value, int):
            value = float(value)
        elif type(value) is not type(default):
            raise ConfigError(
                f"{CONFIG_NAME}: [{name}] {key} should be {type(default).__name__}, got {value!r}"
            )
        values[key] = value
    return replace(base, **values)


def load(home: Path | str | None = None) -> Settings:
    """Read the home's matcher.toml (missing file or keys take the defaults)."""
    home = Path(home).expanduser() if home else default_home()
    path = home / CONFIG_NAME
    data: dict = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from None
    unknown = set(data) - {"database", "user", "throttle", "fetch", "occasions", "retention"}
    if unknown:
        raise ConfigError(f"{path}: unknown section(s): {', '.join(sorted(unknown))}")
    return Settings(
        home=home,
        database_url=data.get("database", {}).get("url", ""),
        user=_section(UserSettings, data.get("user", {}), "user"),
        throttle=_section(ThrottleSettings, data.get("throttle", {}), "throttle"),
        fetch=_section(FetchSettings, data.get("fetch", {}), "fetch"),
        occasions=_section(OccasionSettings, data.get("occasions", {}), "occasions"),
        retention=_section(RetentionSettings, data.get("retention", {}), "retention"),
    )


DEFAULT_TOML = """\
# matcher configuration. Every key is optional; these are the defaults.

[user]
name = ""            # your name, used to sign drafts
country = "IT"       # a contact with no country takes this one
language = "it"      # a contact with no language takes this one

[database]
url = ""             # a SQLAlchemy URL; empty = matcher.db in this folder ($MATCHER_DB wins)

[throttle]
cadence_days = 30    # least days between two touches with one person
no_reply_limit = 3   # after this many touches in a row with no reply, the cadence doubles
freshness_days = 14  # only articles published within these days are proposed
min_score = 0.25     # the matcher's threshold: better nothing than something irrelevant
min_semantic = 0.40  # the meaning must agree too (cosine of the sentence vectors)
min_lexical = 0.10   # and the words, in the article's own language
daily_cap = 5        # new suggestions per day, across everyone
weekly_send_cap = 0  # sends per week across everyone; 0 = off
near_duplicate = 0.5 # similarity at which two articles are the same story

[throttle.cadence_by_kind]
colleague = 21
recruiter = 30
headhunter = 45

[fetch]
concurrency = 64     # requests in flight
per_host = 4         # requests in flight to one host
timeout = 20.0       # seconds to connect / between bytes
deadline = 30.0      # seconds for one feed, whole (a server that dribbles costs no more)
page_deadline = 20.0 # seconds for one article page, whole

[retention]
article_days = 90    # articles older than this that no suggestion refers to are pruned; 0 = keep all

[occasions]
holiday_lead_days = 1     # a greeted holiday is proposed this many days before
birthday_lead_days = 0    # birthdays, work anniversaries, custom dates
greeting_gap_days = 14    # no holiday greeting this soon after another one to the same person
job_change_days = 30      # a new role is congratulated within this many days
stale_project_days = 182  # a project unconfirmed this long shows as "still current?"
retire_project_days = 365 # unconfirmed this long, it stops driving matching
news_freshness_days = 60  # your own news (matcher news add) stays worth sharing this long

[occasions.greet]         # holidays worth a greeting, by the contact's country ("*" = others)
IT = ["Christmas Day", "Easter Sunday", "New Year's Day"]
US = ["Thanksgiving Day", "Christmas Day", "New Year's Day"]
GB = ["Christmas Day", "New Year's Day"]
"*" = ["Christmas Day", "New Year's Day"]

[occasions.lead_days]     # per holiday, overriding holiday_lead_days
"Christmas Day" = 3
"Easter Sunday" = 2
"""
