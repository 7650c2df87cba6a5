"""`matcher report --html FILE`: a one-page relationship health report.

Static HTML with inline SVG charts and no external assets: per contact the days since the
last touch against the cadence, touches per month, the sent/skipped funnel, and the
give/ask balance. Every string comes through Jinja2 autoescaping: names, companies and
article titles come from imports and feeds, so they are untrusted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jinja2 import Environment
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from matcher.config import Settings
from matcher.courtesy import throttle
from matcher.models import Contact, Suggestion, Touch
from matcher.private import write_private
from matcher.touches import GIVES, contact_states

STATUSES = ("proposed", "sent", "skipped", "expired", "pending")


@dataclass
class ContactHealth:
    name: str
    company: str
    days_since: int | None
    cadence: int
    backoff: bool
    gives: int
    asks: int
    do_not_contact: bool

    @property
    def overdue(self) -> bool:
        return self.days_since is None or self.days_since >= self.cadence


@dataclass
class ReportData:
    today: dt.date
    contacts: list[ContactHealth]
    months: list[tuple[str, int, int]]      # (YYYY-MM, ours, theirs)
    funnel: list[tuple[str, int]]
    by_kind: list[tuple[str, int, int]]     # (kind, proposed, sent)
    recent: list[dict]


def _month_keys(today: dt.date, n: int = 12) -> list[str]:
    y, m = today.year, today.month
    keys = []
    for _ in range(n):
        keys.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return keys[::-1]


def gather(session: Session, settings: Settings, today: dt.date) -> ReportData:
    contacts = session.scalars(select(Contact).order_by(Contact.name, Contact.id)).all()
    touches = session.scalars(select(Touch).where(Touch.date <= today)).all()
    health = []
    for c, state in zip(contacts, contact_states(session, contacts, today)):
        days, backoff = throttle.cadence(state, settings.throttle)
        mine = [t for t in touches if t.contact_id == c.id]
        health.append(ContactHealth(
            c.name, c.company or "", (today - state.last_touch).days if state.last_touch else None,
            days, backoff, sum(t.kind in GIVES for t in mine), sum(t.kind == "ask" for t in mine),
            bool(c.do_not_contact)))
    keys = _month_keys(today)
    ours = dict.fromkeys(keys, 0)
    theirs = dict.fromkeys(keys, 0)
    for t in touches:
        key = f"{t.date.year:04d}-{t.date.month:02d}"
        if key in ours:
            (theirs if t.direction == "in" else ours)[key] += 1
    suggestions = session.scalars(
        select(Suggestion).options(selectinload(Suggestion.contact), selectinload(Suggestion.article))
        .where(Suggestion.created_on <= today).order_by(Suggestion.created_on.desc(), Suggestion.id.desc())
    ).all()
    count = {s: sum(1 for x in suggestions if x.status == s) for s in STATUSES[1:]}
    funnel = [("proposed", len(suggestions))] + [(s, count[s]) for s in STATUSES[1:]]
    kinds = sorted({s.kind or "article" for s in suggestions})
    by_kind = [(k, sum((s.kind or "article") == k for s in suggestions),
                sum((s.kind or "article") == k and s.status == "sent" for s in suggestions)) for k in kinds]
    recent = [{
        "date": s.created_on.isoformat(), "contact": s.contact.name, "kind": s.kind or "article",
        "title": s.article.title if s.article else s.title, "url": s.article.url if s.article else "",
        "status": s.status,
    } for s in suggestions[:15]]
    return ReportData(today, health, [(k, ours[k], theirs[k]) for k in keys], funnel, by_kind, recent)


TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>matcher: relationship health on {{ d.today.isoformat() }}</title>
<style>
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 0;
         background: #fafaf7; }
  main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; }
  h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; }
  .sub { color: #666; margin: 0 0 16px; }
  .grid { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
  .card { background: #fff; border: 1px solid #e4e2da; border-radius: 8px; padding: 12px 16px; }
  table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: 3px 6px;
  border-bottom: 1px solid #eee; vertical-align: top; } th { color: #555; font-weight: 600; }
  .num { text-align: right; font-variant-numeric: tabular-nums; }
  .legend span { display: inline-block; margin-right: 14px; color: #555; }
  .sw { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; }
  svg text { font: 11px system-ui, sans-serif; fill: #333; }
  .warn { color: #b45309; font-weight: 600; }
</style>
</head>
<body><main>
<h1>Relationship health</h1>
<p class="sub">as of {{ d.today.isoformat() }} · {{ d.contacts|length }} contacts ·
  opportune, not opportunistic</p>

<div class="card">
<h2>Days since the last touch, against the cadence</h2>
<p class="legend"><span><i class="sw" style="background:#4d9078"></i>within cadence</span>
<span><i class="sw" style="background:#d97706"></i>cadence passed</span>
<span><i class="sw" style="background:#111"></i>cadence (doubled after unanswered touches)</span>
<span><i class="sw" style="background:#bbb"></i>never touched / do-not-contact</span></p>
{% set row = 22 %}{% set left = 190 %}{% set width = 820 %}
{% set scale = width / max_days %}
<svg width="{{ left + width + 60 }}" height="{{ d.contacts|length * row + 24 }}" role="img"
     aria-label="days since last touch per contact">
{% for c in d.contacts %}{% set y = loop.index0 * row + 4 %}
  <text x="{{ left - 8 }}" y="{{ y + 14 }}" text-anchor="end">{{ c.name|truncate(28, True, '…') }}</text>
  {% if c.days_since is none %}
  <rect x="{{ left }}" y="{{ y + 3 }}" width="{{ width }}" height="14" fill="#eee"></rect>
  <text x="{{ left + 6 }}" y="{{ y + 14 }}">never touched</text>
  {% else %}
  <rect x="{{ left }}" y="{{ y + 3 }}" width="{{ [c.days_since, max_days]|min * scale }}" height="14"
        fill="{{ '#bbb' if c.do_not_contact else ('#d97706' if c.overdue else '#4d9078') }}"><title>{{ c.name }}: {{ c.days_since }} days (cadence {{ c.cadence }})</title></rect>
  <text x="{{ left + [c.days_since, max_days]|min * scale + 4 }}" y="{{ y + 14 }}">{{ c.days_since }}d</text>
  {% endif %}
  <line x1="{{ left + [c.cadence, max_days]|min * scale }}" x2="{{ left + [c.cadence, max_days]|min * scale }}"
        y1="{{ y }}" y2="{{ y + row }}" stroke="#111" stroke-width="{{ 3 if c.backoff else 2 }}"></line>
{% endfor %}
</svg>
</div>

<div class="grid">
<div class="card">
<h2>Touches per month</h2>
<p class="legend"><span><i class="sw" style="background:#3b6ea5"></i>ours</span>
<span><i class="sw" style="background:#9ec1e6"></i>replies</span></p>
{% set bw = 34 %}{% set h = 160 %}
<svg width="{{ d.months|length * (bw + 8) + 20 }}" height="{{ h + 52 }}" role="img" aria-label="touches per month">
{% for m, ours, theirs in d.months %}{% set x = 10 + loop.index0 * (bw + 8) %}
  {% set ho = ours * h / max_month %}{% set ht = theirs * h / max_month %}
  <rect x="{{ x }}" y="{{ h - ho - ht + 18 }}" width="{{ bw }}" height="{{ ho }}" fill="#3b6ea5"><title>{{ m }}: {{ ours }} ours</title></rect>
  <rect x="{{ x }}" y="{{ h - ht + 18 }}" width="{{ bw }}" height="{{ ht }}" fill="#9ec1e6"><title>{{ m }}: {{ theirs }} replies</title></rect>
  {% if ours + theirs %}<text x="{{ x + bw / 2 }}" y="{{ h - ho - ht + 14 }}" text-anchor="middle">{{ ours + theirs }}</text>{% endif %}
  <text x="{{ x + bw / 2 }}" y="{{ h + 32 }}" text-anchor="middle">{{ m[5:] }}</text>
  {% if loop.first or m[5:] == '01' %}<text x="{{ x + bw / 2 }}" y="{{ h + 45 }}" text-anchor="middle">{{ m[:4] }}</text>{% endif %}
{% endfor %}
</svg>
</div>

<div class="card">
<h2>Suggestions: the funnel</h2>
{% set fw = 300 %}
<svg width="{{ fw + 150 }}" height="{{ d.funnel|length * 26 + 8 }}" role="img" aria-label="sent and skipped funnel">
{% for label, n in d.funnel %}{% set y = loop.index0 * 26 + 4 %}
  <text x="80" y="{{ y + 14 }}" text-anchor="end">{{ label }}</text>
  <rect x="88" y="{{ y + 2 }}" width="{{ n * fw / max_funnel }}" height="16"
        fill="{{ {'proposed': '#6b7280', 'sent': '#4d9078', 'skipped': '#d97706', 'expired': '#c4c4c4', 'pending': '#3b6ea5'}[label] }}"></rect>
  <text x="{{ 92 + n * fw / max_funnel }}" y="{{ y + 14 }}">{{ n }}</text>
{% endfor %}
</svg>
<table><tr><th>kind</th><th class="num">proposed</th><th class="num">sent</th></tr>
{% for kind, proposed, sent in d.by_kind %}<tr><td>{{ kind }}</td><td class="num">{{ proposed }}</td><td class="num">{{ sent }}</td></tr>{% endfor %}
</table>
</div>
</div>

<div class="card">
<h2>Give and ask</h2>
<table><tr><th>contact</th><th>company</th><th class="num">gives</th><th class="num">asks</th><th>balance</th></tr>
{% for c in d.contacts %}<tr><td>{{ c.name }}</td><td>{{ c.company }}</td>
<td class="num">{{ c.gives }}</td><td class="num">{{ c.asks }}</td>
<td><svg width="160" height="14" aria-hidden="true">
<rect x="0" y="2" width="{{ [c.gives, 20]|min * 6 }}" height="10" fill="#4d9078"></rect>
<rect x="{{ [c.gives, 20]|min * 6 + 2 }}" y="2" width="{{ [c.asks, 6]|min * 6 }}" height="10" fill="#b45309"></rect></svg>
{% if c.asks and c.gives < 2 * c.asks %}<span class="warn">give more before asking</span>{% endif %}</td></tr>
{% endfor %}</table>
</div>

<div class="card">
<h2>Recent suggestions</h2>
<table><tr><th>date</th><th>contact</th><th>kind</th><th>title</th><th>status</th></tr>
{% for s in d.recent %}<tr><td>{{ s.date }}</td><td>{{ s.contact }}</td><td>{{ s.kind }}</td>
<td>{% if s.url.startswith('http://') or s.url.startswith('https://') %}<a href="{{ s.url }}" rel="noreferrer noopener">{{ s.title }}</a>{% else %}{{ s.title }}{% endif %}</td>
<td>{{ s.status }}</td></tr>
{% else %}<tr><td colspan="5">nothing proposed yet</td></tr>{% endfor %}
</table>
</div>
</main></body></html>
"""


def render_html(data: ReportData) -> str:
    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    template = env.from_string(TEMPLATE)
    max_days = max([c.days_since or 0 for c in data.contacts] + [c.cadence for c in data.contacts] + [1])
    return template.render(
        d=data,
        max_days=max(max_days, 1) * 1.05,
        max_month=max([o + t for _, o, t in data.months] + [1]),
        max_funnel=max([n for _, n in data.funnel] + [1]),
    )


def write_report(session: Session, settings: Settings, today: dt.date, path) -> ReportData:
    data = gather(session, settings, today)
    html = render_html(data)
    write_private(path, lambda out: out.write(html.encode("utf-8")))  # it names people: private
    return data


def write_report_of(db, settings: Settings, today: dt.date, path) -> ReportData:
    """`write_report` in a session that only reads."""
    with db.reading() as session:
        return write_report(session, settings, today, path)
