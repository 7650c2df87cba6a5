"""The ORM: feeds, articles, contacts, projects, suggestions, touches and runs.

Datetimes are naive UTC; dates (touches, suggestions, runs) are the as-of day they belong to.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class FeedHealth(StrEnum):
    """What a feed's last check found (migration 0006)."""

    NEW = "new"                    # never checked
    OK = "ok"                      # it answered with its entries
    NOT_MODIFIED = "not_modified"  # 304: nothing new since the last check
    FAILING = "failing"            # an error; tried again after a backoff
    GONE = "gone"                  # 410: the feed is retired


class Feed(Base):
    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    category: Mapped[str] = mapped_column(String(500), default="")
    site_url: Mapped[str] = mapped_column(String(2000), default="")
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    # The last check's outcome in words for people ("ok: 3 new", "error: …"); as data, it is
    # `health`, and `retired_on` is the day a feed stopped being fetched (migration 0006).
    last_status: Mapped[str] = mapped_column(String(200), default="new")
    health: Mapped[str] = mapped_column(String(20), default=FeedHealth.NEW, server_default="new")
    retired_on: Mapped[dt.date | None] = mapped_column(Date)
    last_error: Mapped[str | None] = mapped_column(Text)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    last_checked: Mapped[dt.datetime | None] = mapped_column(DateTime)
    next_check: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=dt.datetime.utcnow)

    articles: Mapped[list[Article]] = relationship(back_populates="feed", passive_deletes=True)


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Identity: GUID, else canonical URL, else hash of title+content (see feeds.parse).
    key: Mapped[str] = mapped_column(String(64), unique=True)
    feed_id: Mapped[int | None] = mapped_column(ForeignKey("feeds.id", ondelete="SET NULL"))
    url: Mapped[str] = mapped_column(String(2000), default="")
    title: Mapped[str] = mapped_column(String(1000), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    text_source: Mapped[str] = mapped_column(String(20), default="feed")  # feed | page | summary
    language: Mapped[str] = mapped_column(String(8), default="")
    published: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    fetched_at: Mapped[dt.datetime] = mapped_column(DateTime, default=dt.datetime.utcnow)
    # Added by migration 0004: the matcher's analysis of title and text (lemmas, bigrams), in
    # the form matcher.matching.terms stores it, so each article is analysed once and not
    # every night it stays fresh. NULL until the first ranking that sees the article.
    terms: Mapped[str | None] = mapped_column(Text)
    # Added by migration 0005: the sentence vector of title and lead (matcher.matching.semantic),
    # 512 float16, and the model that made it. NULL until the first night that ranks the article.
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    embedded_with: Mapped[str | None] = mapped_column(String(40))
    # Added by migration 0008: the fingerprint of the company names the article was last
    # checked against (matcher.tact.mentions); NULL until checked. When the contacts'
    # companies change, the fingerprint changes and fresh articles are checked again.
    mentions_checked: Mapped[str | None] = mapped_column(String(40))

    feed: Mapped[Feed | None] = relationship(back_populates="articles")


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(300), index=True)
    kind: Mapped[str] = mapped_column(String(50), default="")
    company: Mapped[str] = mapped_column(String(300), default="")
    role: Mapped[str] = mapped_column(String(300), default="")
    country: Mapped[str] = mapped_column(String(8), default="")
    language: Mapped[str] = mapped_column(String(8), default="")
    channel: Mapped[str] = mapped_column(String(100), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    cadence_days: Mapped[int | None] = mapped_column(Integer)
    do_not_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    snoozed_until: Mapped[dt.date | None] = mapped_column(Date)
    birthday: Mapped[dt.date | None] = mapped_column(Date)
    created_on: Mapped[dt.date | None] = mapped_column(Date)
    # Added by migration 0002 (richer imports). A birthday/anniversary without a year is
    # stored in 1904 (matcher.contacts.fields.NO_YEAR).
    profile_url: Mapped[str] = mapped_column(String(2000), default="", index=True)
    anniversary: Mapped[dt.date | None] = mapped_column(Date)
    labels: Mapped[str] = mapped_column(Text, default="")  # joined with " ::: "
    connected_on: Mapped[dt.date | None] = mapped_column(Date)  # LinkedIn `Connected On`
    # Added by migration 0008 (tact): other names of the contact's company and its stock
    # tickers, each joined with " ::: " like labels, for finding the company in the news.
    company_aliases: Mapped[str] = mapped_column(Text, default="", server_default="")
    company_tickers: Mapped[str] = mapped_column(Text, default="", server_default="")

    projects: Mapped[list[Project]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="Project.id"
    )
    touches: Mapped[list[Touch]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="Touch.date"
    )
    suggestions: Mapped[list[Suggestion]] = relationship(
        back_populates="contact", cascade="all, delete-orphan"
    )
    job_changes: Mapped[list[JobChange]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="JobChange.id"
    )
    custom_dates: Mapped[list[CustomDate]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="CustomDate.id"
    )


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    since: Mapped[dt.date | None] = mapped_column(Date)
    until: Mapped[dt.date | None] = mapped_column(Date)
    confirmed_on: Mapped[dt.date | None] = mapped_column(Date)
    # Set when a re-import shows the contact changed company or role (migration 0002):
    # the project may have ended with the old job. Cleared when the project is confirmed.
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)

    contact: Mapped[Contact] = relationship(back_populates="projects")

    def is_current(self, day: dt.date) -> bool:
        return (self.since is None or self.since <= day) and (self.until is None or day <= self.until)


class JobChange(Base):
    """A new company or role seen on re-import, dated with the import's as-of day."""

    __tablename__ = "job_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    old_company: Mapped[str] = mapped_column(String(300), default="")
    old_role: Mapped[str] = mapped_column(String(300), default="")
    new_company: Mapped[str] = mapped_column(String(300), default="")
    new_role: Mapped[str] = mapped_column(String(300), default="")

    contact: Mapped[Contact] = relationship(back_populates="job_changes")


class CustomDate(Base):
    """A date worth a greeting for one contact (a name day, a company's founding…).

    Yearly dates may be stored without a year (NO_YEAR, like birthdays). Migration 0003.
    """

    __tablename__ = "custom_dates"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    date: Mapped[dt.date] = mapped_column(Date)
    yearly: Mapped[bool] = mapped_column(Boolean, default=True)

    contact: Mapped[Contact] = relationship(back_populates="custom_dates")


class Suggestion(Base):
    __tablename__ = "suggestions"
    __table_args__ = (
        UniqueConstraint("contact_id", "article_id"),
        # one proposal per occasion per person (NULL occasions, i.e. articles, never clash)
        Index("ix_suggestions_contact_occasion", "contact_id", "occasion", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    # None for a greeting or congratulation (migration 0003); own news is an Article.
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"))
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    draft: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    created_on: Mapped[dt.date] = mapped_column(Date)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    skip_reason: Mapped[str | None] = mapped_column(String(500))
    # Added by migration 0003 (occasions). kind: article | news | greeting | congratulation;
    # it is also the kind of the touch recorded when the suggestion is sent. An occasion
    # suggestion has a key (one per contact: "holiday:christmas-day:2026", "job:7"…), a title
    # and the day of the occasion; after that day (plus a grace for new roles) it expires.
    kind: Mapped[str] = mapped_column(String(20), default="article")
    occasion: Mapped[str | None] = mapped_column(String(200))
    occasion_on: Mapped[dt.date | None] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(500), default="")
    # Added by migration 0007: the draft as the user edited it in the review (None: not
    # edited); what is sent and shown later, while `draft` keeps what the tool wrote.
    edited: Mapped[str | None] = mapped_column(Text)

    contact: Mapped[Contact] = relationship(back_populates="suggestions")
    article: Mapped[Article | None] = relationship()
    project: Mapped[Project | None] = relationship()


class Mention(Base):
    """An article that names a contact's company (migration 0008): the words that named it,
    and the news's tone for that company (good | bad | neutral) with what decided it."""

    __tablename__ = "mentions"
    __table_args__ = (UniqueConstraint("article_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    words: Mapped[str] = mapped_column(String(300))
    tone: Mapped[str] = mapped_column(String(10), default="neutral")
    tone_reason: Mapped[str] = mapped_column(String(500), default="")

    article: Mapped[Article] = relationship()
    contact: Mapped[Contact] = relationship()


class Touch(Base):
    """Any contact with a person, either direction: a sent suggestion, an email, a reply…"""

    __tablename__ = "touches"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))      # article, email, call, meeting, reply, ask…
    direction: Mapped[str] = mapped_column(String(3), default="out")  # out | in
    date: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    suggestion_id: Mapped[int | None] = mapped_column(
        ForeignKey("suggestions.id", ondelete="SET NULL")
    )

    contact: Mapped[Contact] = relationship(back_populates="touches")


class Run(Base):
    """One night's `matcher run`, kept so the user can see what happened."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=dt.datetime.utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20), default="running")  # running | ok | failed
    feeds_ok: Mapped[int] = mapped_column(Integer, default=0)
    feeds_failed: Mapped[int] = mapped_column(Integer, default=0)
    articles_new: Mapped[int] = mapped_column(Integer, default=0)
    suggestions_new: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
