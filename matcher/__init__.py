"""matcher: opportune, not opportunistic.

Reads news feeds every night, finds the few articles that fit what each contact is
working on now, and proposes "send this to X" only when it is courteous to write to X.
"""

__version__ = "0.1.0"
