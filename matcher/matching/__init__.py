"""Matching: how well an article fits what a contact is working on now.

analysis (language, lemmas, bigrams) -> tfidf (ProjectMatcher, the scores and their
reasons) -> duplicates (the same story from two feeds).
"""

from matcher.matching.analysis import analyze, detect_language
from matcher.matching.duplicates import is_near_duplicate, near_duplicate_groups
from matcher.matching.tfidf import ProjectMatcher

__all__ = [
    "ProjectMatcher",
    "analyze",
    "detect_language",
    "is_near_duplicate",
    "near_duplicate_groups",
]
