"""Feedback: what a contact's decided suggestions teach the ranking.

A suggestion sent pulls similar articles up for that contact; one skipped as off-topic
pushes similar articles down (Rocchio on the contact's profile, see
`ProjectMatcher.rank_contacts`). Computed at ranking time from the suggestions table,
so it needs no state of its own. A skip for any other reason ("not now", "already
seen") says nothing about the topic and is ignored.
"""

from __future__ import annotations

import re

from matcher.matching.tfidf import Feedback

# How people write "off-topic" in a skip reason, in English and Italian.
_OFF_TOPIC = re.compile(
    r"off[\s_-]?topic|irrelevant|not relevant|unrelated|fuori[\s_-]?tema|non (?:e |è )?pertinente|"
    r"non c'entra|non interessa",
    re.IGNORECASE,
)


def is_off_topic(reason: str | None) -> bool:
    """Whether a skip reason says the article was not about the contact's work."""
    return bool(reason and _OFF_TOPIC.search(reason))


def contact_feedback(suggestions, transform) -> Feedback | None:
    """The Feedback of one contact's suggestions; `transform` maps articles to TF-IDF rows."""
    sent = [s.article for s in suggestions if s.status == "sent" and s.article is not None]
    off = [s.article for s in suggestions
           if s.status == "skipped" and is_off_topic(s.skip_reason) and s.article is not None]
    if not sent and not off:
        return None
    return Feedback(transform(sent) if sent else None, transform(off) if off else None)
