"""Forget a person: a request to be forgotten, honoured everywhere matcher keeps them.

A contact's personal data lives in the database (the contact, their projects, job changes,
dates, suggestions with their drafts, touches, the mentions of their company found in the
news), in the nightly index (the vectors of their
project texts), in the night's log (`matcher.log`) and in run messages. `forget` removes
all of it in one transaction, then makes sure the removed rows are not left readable in
the SQLite file (secure delete, vacuum, WAL truncated). Articles stay: they are the news,
not the person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, func, select, text, update

from matcher.contacts.store import find_contact
from matcher.matching import index as night_index
from matcher.models import Contact, CustomDate, JobChange, Mention, Project, Run, Suggestion, Touch
from matcher.private import write_private

# What is removed with a contact, in the order it is deleted (children first).
PARTS = (("touches", Touch), ("suggestions", Suggestion), ("mentions", Mention), ("projects", Project),
         ("job changes", JobChange), ("dates", CustomDate))
FORGOTTEN = "[forgotten]"


@dataclass
class Forgotten:
    """What `forget` removed (or, with dry_run, would remove)."""

    contact_id: int
    name: str
    removed: dict[str, int]                             # part -> rows
    scrubbed: list[str] = field(default_factory=list)   # files and places rewritten without them
    dry_run: bool = False

    def to_dict(self) -> dict:
        return {"contact_id": self.contact_id, "name": self.name, "removed": self.removed,
                "scrubbed": self.scrubbed, "dry_run": self.dry_run}


def forget(db, settings, ref: str, dry_run: bool = False) -> Forgotten:
    """Remove the contact `ref` (name, e-mail or id) and every trace of them."""
    with db.reading() if dry_run else db.session() as session:
        contact = find_contact(session, ref)
        who = Forgotten(contact.id, contact.name, {}, dry_run=dry_run)
        words = _identifying(contact)
        texts = [p.text for p in contact.projects]
        for part, model in PARTS:
            who.removed[part] = session.scalar(
                select(func.count()).select_from(model).where(model.contact_id == contact.id)) or 0
        who.removed["contact"] = 1
        runs = _runs_naming(session, words)
        if runs:
            who.removed["run messages"] = len(runs)
        if dry_run:
            return who
        if db.engine.dialect.name == "sqlite":
            # Freed pages are zeroed, not left behind with the name in them.
            session.execute(text("PRAGMA secure_delete=ON"))
        for _part, model in PARTS:
            session.execute(delete(model).where(model.contact_id == contact.id))
        session.execute(delete(Contact).where(Contact.id == contact.id))
        for run_id, message in runs:
            session.execute(update(Run).where(Run.id == run_id).values(message=_scrub(message, words)))
    if db.engine.dialect.name == "sqlite":
        _compact(db)
        who.scrubbed.append("database file")
    if _drop_project_vectors(settings.index_path, texts):
        who.scrubbed.append(str(settings.index_path))
    if _scrub_file(Path(settings.log_path), words):
        who.scrubbed.append(str(settings.log_path))
    return who


def _identifying(contact: Contact) -> list[str]:
    """The strings that identify the person in free text: name, e-mail, profile URL."""
    return [w for w in (contact.name, contact.email, contact.profile_url) if w and len(w.strip()) >= 3]


def _pattern(words: list[str]) -> re.Pattern:
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)


def _scrub(message: str, words: list[str]) -> str:
    return _pattern(words).sub(FORGOTTEN, message) if words else message


def _runs_naming(session, words: list[str]) -> list[tuple[int, str]]:
    if not words:
        return []
    pattern = _pattern(words)
    return [(r.id, r.message) for r in session.scalars(select(Run).where(Run.message != ""))
            if pattern.search(r.message)]


def _compact(db) -> None:
    """Rewrite the SQLite file without free pages and empty the WAL: nothing deleted stays
    in the file's bytes."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM")
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _drop_project_vectors(path: Path, texts: list[str]) -> bool:
    """The nightly index without the vectors, analyses and bridged words of these project
    texts (the rest stays)."""
    kept = night_index.read(path)
    if kept is None:
        return False
    keys = {night_index.text_key(t) for t in texts}
    # the ranker's analyses of the texts and the words bridged for them go too
    forgot = kept.matcher.forget_profiles(texts)
    if not keys & set(kept.project_vectors) and not forgot:
        return False
    kept.project_vectors = {k: v for k, v in kept.project_vectors.items() if k not in keys}
    night_index.save(path, kept)
    return True


def _scrub_file(path: Path, words: list[str]) -> bool:
    """Rewrite a text file (the log) with the person's name and e-mail replaced."""
    if not words or not path.exists():
        return False
    content = path.read_text(encoding="utf-8", errors="replace")
    scrubbed = _scrub(content, words)
    if scrubbed == content:
        return False
    write_private(path, lambda out: out.write(scrubbed.encode("utf-8")))
    return True
