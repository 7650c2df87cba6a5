"""The feeds stage: opml → fetch → parse → extract → ingest, in plain records."""
