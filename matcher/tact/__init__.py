"""Tact: knowing when an article is about a contact's own company, and whether the news is
good or bad for them (`mentions`, `tone`). Good news becomes a congratulation; bad news is
never proposed to anyone at that company."""
