"""The contacts files people actually have: LinkedIn Connections.csv, Google Contacts CSV, vCard.

Each parser turns the whole text into ContactRecords (through the same checks as YAML/CSV:
names required, real dates, emails that look like emails, one entry per person) or refuses
the whole file with InputFileError naming the line.

LinkedIn `Connections.csv` (Settings → Data privacy → Get a copy of your data):
    an optional `Notes:` preamble, a blank line, then the header
    `First Name,Last Name,URL,Email Address,Company,Position,Connected On` (older exports
    have no URL column); CRLF line ends, often a UTF-8 BOM, mostly empty emails. The header
    is found by its names. First+Last Name → name, URL → profile_url, Email Address → email,
    Company → company, Position → role, Connected On (`15 Mar 2024`) → connected_on. A row
    with neither a name nor an email (a member who hides their data) is skipped.

Google Contacts CSV, current layout (`First Name`, `Organization Name`, `Organization
Title`, `Labels`, `E-mail 1 - Value`, `Event 1 - Label`) and legacy layout (`Name`, `Given
Name`, `Organization 1 - Name`, `Organization 1 - Title`, `Group Membership`, `Event 1 -
Type`), mapped by header name. Birthday is YYYY-MM-DD or --MM-DD; an event labelled
Anniversary (or Anniversario) → anniversary; labels keep the user's own groups joined with
` ::: ` (system groups like `* myContacts` are dropped); the first LinkedIn address among
`Website N - Value` → profile_url; `Address N - Country` → country (names mapped to ISO
codes, see fields.COUNTRY_NAMES). A name falls back to File As, Nickname, the organization,
then the email.

vCard 3.0 and 4.0 (decoded with vobject): FN (else N: given, additional and family names) → name, the first EMAIL, ORG (first
unit) → company, TITLE → role, BDAY (also `--MMDD`) → birthday, ANNIVERSARY or
X-ANNIVERSARY → anniversary, NOTE → notes, CATEGORIES → labels, the first LinkedIn URL (else
the first URL) → profile_url, the first ADR's country → country.

A birthday without a year is stored in year 1904 (fields.NO_YEAR, a leap year).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from matcher.contacts import fields as F
from matcher.contacts.records import ContactRecord, Fields, records_from_fields
from matcher.errors import InputFileError

# --- detection --------------------------------------------------------------------------

_LINKEDIN_NEEDED = ("first name", "last name")
_GOOGLE_MARKS = ("e-mail 1 - value", "given name", "organization 1 - name")


def detect(text: str) -> str | None:
    """'vcard', 'linkedin' or 'google' when the content says so, else None."""
    head = text.lstrip("\ufeff \t\r\n")
    if head[:11].upper() == "BEGIN:VCARD":
        return "vcard"
    if head[:6].casefold() == "notes:":
        return "linkedin"  # the preamble of Connections.csv
    try:
        for _line, row in _rows(text, "<sniff>", limit=30):
            cells = {cell.strip().casefold() for cell in row}
            if any(mark in cells for mark in _GOOGLE_MARKS) or (
                "first name" in cells
                and ({"organization name", "organization title", "labels"} & cells)
            ):
                return "google"
            if all(name in cells for name in _LINKEDIN_NEEDED):
                return "linkedin"
    except InputFileError:
        return None
    return None


# --- CSV helpers ------------------------------------------------------------------------

def _rows(text: str, path, limit: int | None = None):
    """(physical line, row) for each non-blank CSV row; InputFileError on broken quoting."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    count = 0
    while limit is None or count < limit:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputFileError(path, f"invalid CSV: {exc}", line=reader.line_num or None) from None
        count += 1
        if not row or not any(cell.strip() for cell in row):
            continue
        yield line, row


def _cells(header: list[str], row: list[str], path, line: int) -> dict[str, str]:
    if len(row) > len(header) and any(cell.strip() for cell in row[len(header):]):
        raise InputFileError(
            path, f"row has {len(row)} cells but the header has {len(header)}", line=line
        )
    return {name: cell.strip() for name, cell in zip(header, row) if name}


def _joined(*parts: str) -> str:
    return " ".join(" ".join(p for p in parts if p).split())


def _is_linkedin(url: str) -> bool:
    return "linkedin.com/" in url.casefold()


# --- LinkedIn ---------------------------------------------------------------------------

def parse_linkedin(text: str, path: str | Path = "<linkedin>") -> list[ContactRecord]:
    """Contacts from a LinkedIn Connections.csv (see the module docstring)."""
    header: list[str] | None = None
    contacts: list[tuple[Fields, int]] = []
    for line, row in _rows(text, path):
        if header is None:
            cells = [cell.strip().casefold() for cell in row]
            if all(name in cells for name in _LINKEDIN_NEEDED):
                header = cells
            continue  # the Notes: preamble, whatever it says
        v = _cells(header, row, path, line)
        name = _joined(v.get("first name", ""), v.get("last name", ""))
        email = v.get("email address", "")
        if not name and not email:
            continue
        fields: Fields = [
            ("name", name or email, line),
            ("email", email, line),
            ("company", v.get("company", ""), line),
            ("role", v.get("position", ""), line),
            ("profile_url", v.get("url", ""), line),
            ("connected_on", v.get("connected on", ""), line),
        ]
        contacts.append((fields, line))
    if header is None:
        raise InputFileError(
            path, "not a LinkedIn Connections.csv: no header row with First Name and Last Name",
            line=1,
        )
    return records_from_fields(contacts, path)


# --- Google Contacts --------------------------------------------------------------------

_NUMBERED = re.compile(r"(e-mail|event|website|address) (\d+) - (.+)")
_ANNIVERSARY = {"anniversary", "anniversario", "wedding anniversary"}


def parse_google(text: str, path: str | Path = "<google>") -> list[ContactRecord]:
    """Contacts from a Google Contacts CSV export, current or legacy layout."""
    header: list[str] | None = None
    contacts: list[tuple[Fields, int]] = []
    for line, row in _rows(text, path):
        if header is None:
            header = [cell.strip().lstrip("\ufeff").casefold() for cell in row]
            if not (set(header) & {"name", "first name", "given name", "e-mail 1 - value"}):
                raise InputFileError(
                    path, "not a Google Contacts CSV: the header has no name or e-mail column",
                    line=line,
                )
            continue
        fields = _google_fields(_cells(header, row, path, line), line)
        if fields is not None:
            contacts.append((fields, line))
    return records_from_fields(contacts, path)


def _google_fields(v: dict[str, str], line: int) -> Fields | None:
    numbered: dict[tuple[str, int], dict[str, str]] = {}
    for key, value in v.items():
        found = _NUMBERED.fullmatch(key)
        if found:
            numbered.setdefault((found[1], int(found[2])), {})[found[3]] = value

    def each(kind: str) -> list[dict[str, str]]:
        return [numbered[k] for k in sorted(numbered) if k[0] == kind]

    emails = [
        part.strip() for item in each("e-mail") for part in item.get("value", "").split(":::")
        if part.strip()
    ]
    company = v.get("organization name") or v.get("organization 1 - name", "")
    name = v.get("name") or _joined(
        v.get("first name") or v.get("given name", ""),
        v.get("middle name") or v.get("additional name", ""),
        v.get("last name") or v.get("family name", ""),
    )
    name = name or v.get("file as") or v.get("nickname") or company or (emails[0] if emails else "")
    if not name:
        return None
    anniversary = ""
    for event in each("event"):
        kind = (event.get("label") or event.get("type") or "").casefold().strip(" *")
        if kind in _ANNIVERSARY and event.get("value"):
            anniversary = event["value"]
            break
    websites = [
        part.strip() for item in each("website") for part in item.get("value", "").split(":::")
    ]
    profile = next((w for w in websites if _is_linkedin(w)), "")
    country = next(
        (F.country_from_name(a["country"]) for a in each("address") if a.get("country")), ""
    )
    return [
        ("name", name, line),
        ("email", emails[0] if emails else "", line),
        ("company", company, line),
        ("role", v.get("organization title") or v.get("organization 1 - title", ""), line),
        ("birthday", v.get("birthday", ""), line),
        ("anniversary", anniversary, line),
        ("notes", v.get("notes", ""), line),
        ("labels", v.get("labels") or v.get("group membership", ""), line),
        ("profile_url", profile, line),
        ("country", country, line),
    ]


# --- vCard ------------------------------------------------------------------------------

_PROPERTY = re.compile(r"(?:[A-Za-z0-9\-]+\.)?([A-Za-z0-9\-]+)[;:]")


def parse_vcard(text: str, path: str | Path = "<vcard>") -> list[ContactRecord]:
    """Contacts from a .vcf file with one or more vCards (3.0 or 4.0)."""
    contacts: list[tuple[Fields, int]] = []
    for begin, card_text, lines in _cards(text, path):
        contacts.append((_vcard_fields(card_text, lines, begin, path), begin))
    return records_from_fields(contacts, path)


def _cards(text: str, path):
    """(BEGIN line, the card's text, {PROPERTY: [lines]}) for each card; structure checked.

    Our own pass over the physical lines, so that errors name the right line (vobject's
    own line numbers count CRLF twice).
    """
    physical = text.lstrip("\ufeff").splitlines()
    begin: int | None = None
    depth = 0
    buffer: list[str] = []
    props: dict[str, list[int]] = {}
    for number, raw in enumerate(physical, start=1):
        if begin is not None and raw[:1] in (" ", "\t"):
            buffer.append(raw)  # a folded continuation of the previous line
            continue
        line = raw.strip()
        if not line:
            continue
        upper = line.upper()
        if begin is None and upper != "BEGIN:VCARD":
            raise InputFileError(path, f"expected BEGIN:VCARD, got {line[:40]!r}", line=number)
        if upper.startswith("BEGIN:"):
            if begin is None:
                begin, buffer, props, depth = number, [raw], {}, 0
                continue
            if upper == "BEGIN:VCARD" and depth == 0:
                raise InputFileError(path, f"vCard started at line {begin} has no END:VCARD before "
                                     "this BEGIN:VCARD", line=number)
            depth += 1  # a card nested in a property (AGENT)
            buffer.append(raw)
            continue
        if upper.startswith("END:"):
            buffer.append(raw)
            if depth:
                depth -= 1
                continue
            if upper != "END:VCARD":
                raise InputFileError(path, f"expected END:VCARD, got {line[:40]!r}", line=number)
            yield begin, "\r\n".join(buffer) + "\r\n", props
            begin = None
            continue
        found = _PROPERTY.match(line)
        if not found:
            raise InputFileError(path, f"not a vCard property line (NAME:value): {line[:40]!r}", line=number)
        props.setdefault(found[1].upper(), []).append(number)
        buffer.append(raw)
    if begin is not None:
        raise InputFileError(
            path, f"vCard started at line {begin} is never closed (END:VCARD missing)",
            line=len(physical),
        )


def vcard_text(value) -> str:
    """A vCard value as text: a structured one (a list of parts) joined with spaces."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value if v)
    return str(value)


def _vcard_fields(card_text: str, lines: dict[str, list[int]], begin: int, path) -> Fields:
    import vobject
    from vobject.base import VObjectError

    try:
        card = vobject.readOne(card_text, ignoreUnreadable=True)
    except (VObjectError, ValueError, TypeError) as exc:
        raise InputFileError(path, f"invalid vCard: {exc}", line=begin) from None

    def at(prop: str) -> int:
        return lines.get(prop, [begin])[0]

    def values(prop: str) -> list:
        return [c.value for c in card.contents.get(prop.lower(), [])]

    def first(prop: str):
        found = values(prop)
        return found[0] if found else None

    fields: Fields = []
    name = vcard_text(first("fn")).strip()
    n = first("n")
    if not name and n is not None:
        name = _joined(vcard_text(n.given), vcard_text(n.additional), vcard_text(n.family))
    fields.append(("name", name, at("FN") if "FN" in lines else at("N")))
    email = next((vcard_text(e).strip() for e in values("email") if vcard_text(e).strip()), "")
    fields.append(("email", email, at("EMAIL")))
    org = first("org")
    # ORG is a list of units; its first may itself be a list ("ORG:,Bank" parses so)
    company = vcard_text(org[0] if isinstance(org, (list, tuple)) and org else org).strip()
    fields.append(("company", company, at("ORG")))
    fields.append(("role", vcard_text(first("title")), at("TITLE")))
    bday = first("bday")
    fields.append(("birthday", vcard_text(bday).strip(), at("BDAY")))
    for prop in ("anniversary", "x-anniversary"):
        if first(prop) is not None:
            fields.append(("anniversary", vcard_text(first(prop)).strip(), at(prop.upper())))
            break
    notes = "\n".join(vcard_text(n) for n in values("note") if vcard_text(n).strip())
    fields.append(("notes", notes, at("NOTE")))
    categories = []
    for cats in values("categories"):
        categories += list(cats) if isinstance(cats, (list, tuple)) else vcard_text(cats).split(",")
    fields.append(("labels", categories, at("CATEGORIES")))
    urls = [vcard_text(u).strip() for u in values("url") if vcard_text(u).strip()]
    profile = next((u for u in urls if _is_linkedin(u)), urls[0] if urls else "")
    fields.append(("profile_url", profile, at("URL")))
    country = ""
    for adr in values("adr"):
        country = F.country_from_name(vcard_text(getattr(adr, "country", "")))
        if country:
            break
    fields.append(("country", country, at("ADR")))
    return fields
