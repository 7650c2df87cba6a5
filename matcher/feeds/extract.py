"""Article pages → main text, with trafilatura."""

from __future__ import annotations

import logging

# Imported here, not per call: process-pool workers are forked from the run and inherit it,
# instead of each paying its import (~0.5 s) on its first page.
import trafilatura

from matcher.textsafe import clean


def extract_text(html: bytes | str, url: str = "") -> str:
    """The main text of an article page, or "" when none can be found. Never raises."""
    try:
        logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
        if not html:
            return ""
        options = dict(url=url or None, include_comments=False, include_tables=False)
        text = trafilatura.extract(html, favor_precision=True, **options)
        if not text:
            # Short pages fall under precision's thresholds; recall still beats nothing.
            text = trafilatura.extract(html, favor_recall=True, **options)
        return clean(text or "").strip()
    except Exception:
        return ""
