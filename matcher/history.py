"""`matcher import-history`: the history of an export (matcher.export) read back.

Occasions, job changes, suggestions with their marks and touches go to the contacts already
in the home (import the export's contacts first: `matcher contacts import FILE`), matched
by e-mail, else by name. An article is found by its key, else its URL, and created from
the export's url/title/published when the database does not have it (linked to its feed
when the home subscribes to it: move subscriptions with `feeds export` / `feeds import`
first). The whole file is
checked before anything is stored, and stored in one transaction: a malformed file is
refused whole, naming the JSON path of the problem. Importing the same history twice adds
nothing: what is already there (the same touch, the same suggestion for the same article
or occasion...) is counted, not added again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.contacts import fields as F
from matcher.errors import InputFileError
from matcher.feeds.parse import article_key
from matcher.models import Article, Contact, CustomDate, Feed, JobChange, Suggestion, Touch
from matcher.review import STATUSES

SECTIONS = ("occasions", "job_changes", "suggestions", "touches")  # the order they are stored


class _Bad(ValueError):
    """A value that does not fit, with the JSON path where it is."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")


# --- the checks, one per field ------------------------------------------------------------

def _text(value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"should be text, got {json.dumps(value)[:40]}")
    return value


def _needed(value) -> str:
    if not _text(value).strip():
        raise ValueError("is required")
    return value


def _maybe_text(value) -> str | None:
    return None if value is None else _text(value)


def _day(value) -> dt.date | None:
    return F.parse_date(_maybe_text(value))


def _needed_day(value) -> dt.date:
    return F.parse_date(_needed(value))


def _flag(value) -> bool:
    if not isinstance(value, bool):
        raise ValueError("should be true or false")
    return value


def _score(value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("should be a number")
    return float(value)


def _reasons(value) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("should be a list of words")
    return value


def _one_of(*allowed: str) -> Callable[[Any], str]:
    def check(value):
        if value not in allowed:
            raise ValueError(f"should be one of {', '.join(allowed)}")
        return value
    return check


def _published(value) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(_text(value)).replace(tzinfo=None)
    except ValueError:
        raise ValueError("should be a date and time like 2026-11-20T08:00:00") from None


ARTICLE = {"key": _maybe_text, "url": _text, "title": _text, "published": _published,
           "feed_url": _maybe_text, "text_source": _maybe_text, "text": _maybe_text}
ARTICLE_REF = {"key": _maybe_text, "url": _text}
WHO = {"contact": _needed, "email": _maybe_text}
FIELDS: dict[str, dict[str, Callable]] = {
    "occasions": {**WHO, "title": _needed, "yearly": _flag,
                  "date": lambda v: F.parse_occasion_date(_needed(v))},
    "job_changes": {**WHO, "date": _needed_day, "old_company": _text, "old_role": _text,
                    "new_company": _text, "new_role": _text},
    "suggestions": {
        **WHO, "kind": _one_of("article", "news", "greeting", "congratulation"),
        "status": _one_of(*STATUSES), "score": _score, "reasons": _reasons, "draft": _text,
        "created_on": _needed_day, "decided_on": _day, "skip_reason": _maybe_text, "edited": _maybe_text,
        "occasion": _maybe_text, "occasion_on": _day, "title": _text, "project": _maybe_text,
        "article": ARTICLE,
    },
    "touches": {**WHO, "date": _needed_day, "kind": _needed, "direction": _one_of("in", "out"),
                "note": _text, "suggestion": {"article": ARTICLE_REF, "occasion": _maybe_text}},
}
REQUIRED = {"occasions": ("contact", "title", "date"), "job_changes": ("contact", "date"),
            "suggestions": ("contact", "status", "score", "created_on"),
            "touches": ("contact", "date", "kind")}


def _checked(value, spec: dict, where: str, required: tuple[str, ...] = ()) -> dict | None:
    """An object of the export checked against `spec` (nested specs are optional objects)."""
    if value is None and not required:
        return None
    if not isinstance(value, dict):
        raise _Bad(where, "should be an object {...}")
    unknown = sorted(set(value) - set(spec))
    if unknown:
        raise _Bad(f"{where}.{unknown[0]}", f"unknown key; known: {', '.join(spec)}")
    out = {}
    for key, check in spec.items():
        if key in required and value.get(key) is None:
            raise _Bad(f"{where}.{key}", "is required")
        try:
            out[key] = (_checked(value.get(key), check, f"{where}.{key}") if isinstance(check, dict)
                        else check(value.get(key)))
        except ValueError as exc:
            if isinstance(exc, _Bad):
                raise
            raise _Bad(f"{where}.{key}", str(exc)) from None
    return out


def read_history(path: Path | str) -> dict[str, list[dict]]:
    """The history of an export file, checked, or InputFileError naming line or JSON path."""
    path = Path(path)
    try:
        document = json.loads(path.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise InputFileError(path, f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputFileError(path, "not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputFileError(path, f"invalid JSON: {exc.msg}", line=exc.lineno) from None
    except RecursionError:
        raise InputFileError(path, "invalid JSON: nested too deeply") from None
    if not isinstance(document, dict) or "matcher_export" not in document:
        raise InputFileError(path, "not a matcher export (made by `matcher export --json`)")
    if document["matcher_export"] != 1:
        raise InputFileError(path, f"export format {document['matcher_export']!r} is unknown "
                                   "to this matcher (a newer version wrote it)")
    history = document.get("history") or {}
    if not isinstance(history, dict):
        raise InputFileError(path, "history: should be an object {...}")
    checked: dict[str, list[dict]] = {}
    try:
        for section in sorted(set(history) - set(SECTIONS)):
            raise _Bad(f"history.{section}", f"unknown section; known: {', '.join(SECTIONS)}")
        for section in SECTIONS:
            items = history.get(section) or []
            if not isinstance(items, list):
                raise _Bad(f"history.{section}", "should be a list [...]")
            checked[section] = [
                _checked(item, FIELDS[section], f"history.{section}[{i}]", REQUIRED[section])
                for i, item in enumerate(items)
            ]
    except _Bad as exc:
        raise InputFileError(path, str(exc)) from None
    return checked


# --- storing --------------------------------------------------------------------------------

@dataclass
class HistoryReport:
    """Per section: how many items were added, and how many were already there."""

    added: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SECTIONS, 0))
    present: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SECTIONS, 0))
    articles_created: int = 0

    def to_dict(self) -> dict:
        return {"added": self.added, "already_there": self.present,
                "articles_created": self.articles_created}


def import_history(db, path: Path | str, history: dict[str, list[dict]]) -> HistoryReport:
    """Store the checked history (read_history) in one transaction."""
    report = HistoryReport()
    with db.session() as session:
        people = _People(session, path)
        for section in SECTIONS:
            for i, item in enumerate(history[section]):
                item["_contact"] = people.find(item, f"history.{section}[{i}]")
        store = _Store(session, report)
        adders = {"occasions": store.occasion, "job_changes": store.job_change,
                  "suggestions": store.suggestion, "touches": store.touch}
        for section in SECTIONS:
            for item in history[section]:
                added = adders[section](item)
                report.added[section] += added
                report.present[section] += not added
    return report


class _People:
    """The home's contacts by e-mail and by name."""

    def __init__(self, session: Session, path):
        self.path = path
        self.by_email: dict[str, Contact] = {}
        self.by_name: dict[str, list[Contact]] = {}
        for c in session.scalars(select(Contact)):
            if c.email:
                self.by_email[c.email.casefold()] = c
            self.by_name.setdefault(F.normalise_text(c.name), []).append(c)

    def find(self, item: dict, where: str) -> Contact:
        if item["email"] and item["email"].casefold() in self.by_email:
            return self.by_email[item["email"].casefold()]
        named = self.by_name.get(F.normalise_text(item["contact"]), [])
        if len(named) == 1:
            return named[0]
        problem = (f"{len(named)} contacts are named {item['contact']!r}; give an email" if named
                   else f"no contact {item['contact']!r} in this home: import the export's "
                        "contacts first (`matcher contacts import FILE`)")
        raise InputFileError(self.path, f"{where}: {problem}")


class _Store:
    """Adds one item of each section unless it is already there (True when added)."""

    def __init__(self, session: Session, report: HistoryReport):
        self.session, self.report = session, report
        self.articles: dict[str, Article] = {}

    def _exists(self, model, **where) -> bool:
        query = select(model.id)
        for name, value in where.items():
            column = getattr(model, name)
            query = query.where(column.is_(None) if value is None else column == value)
        return self.session.scalar(query.limit(1)) is not None

    def occasion(self, item: dict) -> bool:
        values = dict(contact_id=item["_contact"].id, title=item["title"], date=item["date"],
                      yearly=item["yearly"])
        return self._add(CustomDate, values)

    def job_change(self, item: dict) -> bool:
        values = {k: item[k] for k in ("date", "old_company", "old_role", "new_company", "new_role")}
        return self._add(JobChange, dict(contact_id=item["_contact"].id, **values))

    def touch(self, item: dict) -> bool:
        contact = item["_contact"]
        link = item["suggestion"]
        suggestion = self._suggestion(contact, link["article"], link["occasion"]) if link else None
        values = dict(contact_id=contact.id, date=item["date"], kind=item["kind"],
                      direction=item["direction"] or "out", note=item["note"])
        if self._exists(Touch, **values):
            return False
        self.session.add(Touch(**values, suggestion_id=suggestion.id if suggestion else None))
        self.session.flush()
        return True

    def suggestion(self, item: dict) -> bool:
        contact = item["_contact"]
        article = self._article(item["article"]) if item["article"] else None
        if self._suggestion(contact, item["article"], item["occasion"], article) is not None:
            return False
        project = next((p for p in contact.projects if item["project"] is not None
                        and F.normalise_project(p.text) == F.normalise_project(item["project"])), None)
        self.session.add(Suggestion(
            contact_id=contact.id, article_id=article.id if article else None,
            project_id=project.id if project else None,
            **{k: item[k] for k in ("score", "reasons", "draft", "status", "created_on", "decided_on",
                                    "skip_reason", "occasion", "occasion_on", "title", "edited")},
            kind=item["kind"] or "article",
        ))
        self.session.flush()
        return True

    def _add(self, model, values: dict) -> bool:
        if self._exists(model, **values):
            return False
        self.session.add(model(**values))
        self.session.flush()
        return True

    def _suggestion(self, contact: Contact, ref: dict | None, occasion: str | None,
                    article: Article | None = None) -> Suggestion | None:
        """The contact's suggestion for this article (or occasion), if stored."""
        query = select(Suggestion).where(Suggestion.contact_id == contact.id)
        if ref is not None:
            article = article or self._find_article(ref)
            if article is None:
                return None
            query = query.where(Suggestion.article_id == article.id)
        elif occasion is not None:
            query = query.where(Suggestion.occasion == occasion)
        else:
            return None
        return self.session.scalars(query.limit(1)).first()

    def _find_article(self, ref: dict) -> Article | None:
        if ref["key"]:
            found = self.session.scalars(select(Article).where(Article.key == ref["key"])).first()
            if found is not None:
                return found
        if ref["url"]:
            return self.session.scalars(select(Article).where(Article.url == ref["url"])
                                        .order_by(Article.id).limit(1)).first()
        return None

    def _article(self, ref: dict) -> Article:
        found = self._find_article(ref)
        if found is not None:
            return found
        feed = (self.session.scalars(select(Feed).where(Feed.url == ref["feed_url"])).first()
                if ref["feed_url"] else None)
        article = Article(
            key=ref["key"] or article_key(None, ref["url"], ref["title"], ref["text"]),
            feed_id=feed.id if feed else None, url=ref["url"], title=ref["title"],
            published=ref["published"], text_source=ref["text_source"] or "feed",
            text=ref["text"] or "", summary=ref["text"] or "",
        )
        self.session.add(article)
        self.session.flush()
        self.report.articles_created += 1
        return article
