"""Matching: how well an article fits what a contact is working on now.

analysis (language, lemmas, bigrams) -> tfidf (ProjectMatcher, the scores and their
reasons) -> duplicates (the same story from two feeds); feedback (what sent and
off-topic suggestions teach the ranking).
"""

from matcher.matching.analysis import analyze, detect_language
from matcher.matching.duplicates import is_near_duplicate, near_duplicate_groups
from matcher.matching.feedback import contact_feedback, is_off_topic
from matcher.matching.tfidf import ContactScores, Feedback, ProjectMatcher

__all__ = [
    "ContactScores",
    "Feedback",
    "ProjectMatcher",
    "contact_feedback",
    "is_off_topic",
    "analyze",
    "detect_language",
    "is_near_duplicate",
    "near_duplicate_groups",
]
