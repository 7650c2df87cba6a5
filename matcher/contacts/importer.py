"""Read a contacts file (YAML or CSV) into ContactRecords, or refuse the whole file.

LinkedIn Connections.csv, Google Contacts CSV and vCard are read by matcher.contacts.formats
through the same checks; `read_contacts` picks the format from `fmt`, else from the content
(BEGIN:VCARD, a `Notes:` preamble or First Name+Last Name header, Google's headers), else
from the extension (.yaml/.yml, .csv, .vcf). YAML and CSV also take profile_url,
anniversary, labels and connected_on; birthday and anniversary may be --MM-DD (no year).

YAML is a list of mappings, one per contact, with the keys of PRODUCT.md:

    - name: Giulia Conti
      email: giulia.conti@example.com
      kind: recruiter
      projects:
        - text: Renegotiating green coffee supply contracts with growers in Brazil.
          since: 2026-09-01

A project may also be written as plain text (`- Restoring a 1960s sailing boat`).

CSV has one contact per row and the same columns (header in the first line; `,`, `;` or
tab as separator, guessed from the header; UTF-8, with or without a BOM). Projects in CSV:

- `project`, `project_since`, `project_until`: one project with its dates;
- `projects`: several projects without dates, separated by " | " (a bar; the spaces
  around it are optional).

Both may be used on the same row. Blank cells mean "not given".

Checks: a name is required; dates are YYYY-MM-DD; an email must look like one; cadence_days
is a positive whole number; do_not_contact is true/false; country a two-letter code and
language a two/three-letter code; since <= until; unknown keys or columns are refused (a
typo would otherwise be silently lost); the same person (same email, or same name when
there is no email) may appear once. Any error refuses the whole file with InputFileError
naming the line. An empty file (or one with only comments) gives an empty list.

A `matcher export --json` file is read too (JSON is YAML): a mapping whose `contacts` list
has the export's field names (snoozed_until, created_on; a project's confirmed_on and
needs_review); ids are ignored, and so is everything else in the file (its history is for
`matcher import-history`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from matcher.contacts import formats
from matcher.contacts.records import (
    CONTACT_KEYS, FIELD_PARSERS, LIST_FIELDS, PROJECT_KEYS, ContactRecord, Fields, InvalidField, record_from_fields,
    records_from_fields, unknown_key,
)
from matcher.errors import InputFileError

# What an export (matcher.export) says that the database decides itself: read and dropped.
EXPORT_ONLY = ("id", "projects_to_review")
CSV_PROJECT_COLUMNS = ("project", "project_since", "project_until")
CSV_COLUMNS = CONTACT_KEYS + CSV_PROJECT_COLUMNS
PROJECT_SEPARATOR = " | "
FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "yaml", ".csv": "csv", ".vcf": "vcard",
           ".vcard": "vcard"}
FORMAT_NAMES = ("yaml", "csv", "linkedin", "google", "vcard")

_NULL_TAG = "tag:yaml.org,2002:null"


def read_contacts(path: str | Path, fmt: str | None = None) -> list[ContactRecord]:
    """Every contact in the file, or InputFileError naming the file and line of the first problem.

    fmt is one of FORMAT_NAMES (yaml, csv, linkedin, google, vcard); without it the format
    comes from the content (see detect_format), and a .yaml/.yml file is YAML.
    """
    path = Path(path)
    fmt = (fmt or "").lower()
    if fmt == "yml":
        fmt = "yaml"
    if fmt and fmt not in FORMAT_NAMES:
        raise InputFileError(
            path, f"unknown contacts format {fmt!r}: use one of {', '.join(FORMAT_NAMES)}"
        )
    by_suffix = FORMATS.get(path.suffix.lower(), "")
    if not fmt and by_suffix == "yaml":
        fmt = "yaml"
    text = _read_text(path)
    if not fmt:
        fmt = detect_format(text) or by_suffix
    if not fmt:
        raise InputFileError(
            path, f"unknown contacts format {path.suffix or path.name!r}: use .yaml, .yml, "
            ".csv (plain, LinkedIn Connections.csv or Google Contacts) or .vcf, or --format",
        )
    parse = {
        "yaml": parse_yaml, "csv": parse_csv, "linkedin": formats.parse_linkedin,
        "google": formats.parse_google, "vcard": formats.parse_vcard,
    }[fmt]
    return parse(text, path)


def detect_format(text: str) -> str | None:
    """vcard, linkedin or google when the content says so; None when it does not."""
    return formats.detect(text)


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputFileError(path, f"cannot read: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputFileError(path, "not UTF-8 text (save the file as UTF-8)", line=line) from None


# --- YAML -------------------------------------------------------------------------------

def parse_yaml(text: str, path: str | Path = "<yaml>") -> list[ContactRecord]:
    """Contacts from YAML text; line numbers come from the composed node tree."""
    loader = None
    try:
        loader = yaml.SafeLoader(text)
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        where = exc.context_mark
        if exc.problem and exc.context and where and (not mark or where.line != mark.line):
            problem += f" ({exc.context} at line {where.line + 1})"
        raise InputFileError(
            path, f"invalid YAML: {problem}", line=mark.line + 1 if mark else None
        ) from None
    except yaml.YAMLError as exc:  # ReaderError: a character YAML does not allow
        position = getattr(exc, "position", None)
        line = text[:position].count("\n") + 1 if isinstance(position, int) else None
        reason = getattr(exc, "reason", None) or "invalid YAML"
        raise InputFileError(path, f"invalid YAML: {reason}", line=line) from None
    except RecursionError:
        raise InputFileError(path, "invalid YAML: nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()
    if isinstance(root, yaml.MappingNode):  # an export: its `contacts` list
        root = next((v for k, v in root.value if isinstance(k, yaml.ScalarNode)
                     and k.value == "contacts"), root)
    if root is None or (isinstance(root, yaml.ScalarNode) and root.tag == _NULL_TAG):
        return []
    if not isinstance(root, yaml.SequenceNode):
        raise InputFileError(
            path, "expected a list of contacts, each starting with '- name: ...' "
            "(or an export with a `contacts` list)", line=_line(root),
        )
    contacts = []
    for node in root.value:
        try:
            contacts.append((_yaml_contact(node), _line(node)))
        except InvalidField as exc:
            raise InputFileError(path, exc.message, line=exc.line) from None
    return records_from_fields(contacts, path)


def _line(node) -> int:
    return node.start_mark.line + 1


def _yaml_scalar(node, what: str):
    """The text of a scalar as written (so `country: NO` stays 'NO'), None for null."""
    if not isinstance(node, yaml.ScalarNode):
        raise InvalidField(f"{what} should be a single value, not a list or mapping", _line(node))
    if node.tag == _NULL_TAG:
        return None
    return node.value


def _yaml_mapping(node, what: str, keys: tuple[str, ...]) -> Fields:
    if not isinstance(node, yaml.MappingNode):
        raise InvalidField(f"each {what} should be a mapping of key: value", _line(node))
    fields: Fields = []
    seen: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = _yaml_scalar(key_node, f"a {what} key")
        key = key.strip() if isinstance(key, str) else key
        if key in EXPORT_ONLY:
            continue
        if key not in keys:
            raise InvalidField(unknown_key(key, keys, what), _line(key_node))
        if key in seen:
            raise InvalidField(f"{key!r} given twice (also at line {seen[key]})", _line(key_node))
        seen[key] = _line(key_node)
        if key == "projects":
            value = _yaml_projects(value_node)
        elif key in LIST_FIELDS and isinstance(value_node, yaml.SequenceNode):
            value = _yaml_list(value_node, key)
        else:
            value = _yaml_scalar(value_node, key)
        fields.append((key, value, _line(value_node)))
    return fields


def _yaml_list(node, key: str) -> list:
    """A list field (labels, company aliases, tickers) written as a YAML list; a bad item
    is refused with its own line."""
    items = []
    for item in node.value:
        value = _yaml_scalar(item, f"an item of {key}")
        try:
            FIELD_PARSERS[key]([value])
        except ValueError as exc:
            raise InvalidField(str(exc), _line(item)) from None
        items.append(value)
    return items


def _yaml_contact(node) -> Fields:
    return _yaml_mapping(node, "contact", CONTACT_KEYS)


def _yaml_projects(node) -> list:
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _NULL_TAG:
            return []
        return [(node.value, _line(node))]  # a single project written as text
    if not isinstance(node, yaml.SequenceNode):
        raise InvalidField("projects should be a list", _line(node))
    items = []
    for item in node.value:
        if isinstance(item, yaml.ScalarNode):
            items.append((_yaml_scalar(item, "project"), _line(item)))
        else:
            items.append((_yaml_mapping(item, "project", PROJECT_KEYS), _line(item)))
    return items


# --- CSV --------------------------------------------------------------------------------

def parse_csv(text: str, path: str | Path = "<csv>") -> list[ContactRecord]:
    """Contacts from CSV text, one per row; line numbers are physical lines of the file."""
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    contacts = []
    try:
        while True:
            line = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            if not row or not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = _csv_header(row, path, line)
                continue
            if len(row) > len(header):
                raise InputFileError(
                    path, f"row has {len(row)} cells but the header has {len(header)}", line=line
                )
            values = {}
            for column, cell in zip(header, row):
                if column:
                    values[column] = cell
                elif cell.strip():
                    raise InputFileError(path, "a cell under a column with no header", line=line)
            try:
                contacts.append((row_fields(values, line), line))
            except InvalidField as exc:
                raise InputFileError(path, exc.message, line=exc.line) from None
    except csv.Error as exc:
        raise InputFileError(path, f"invalid CSV: {exc}", line=reader.line_num or None) from None
    return records_from_fields(contacts, path)


def _csv_header(row: list[str], path, line: int) -> list[str]:
    header = [cell.strip().lower() for cell in row]
    seen = set()
    for column in header:
        if not column:
            continue
        if column not in CSV_COLUMNS:
            raise InputFileError(path, unknown_key(column, CSV_COLUMNS, "column"), line=line)
        if column in seen:
            raise InputFileError(path, f"column {column!r} appears twice", line=line)
        seen.add(column)
    if "name" not in seen:
        raise InputFileError(path, "the header has no 'name' column", line=line)
    return header


def row_fields(values: Mapping[str, Any], line: int | None = None) -> Fields:
    """One flat row (CSV columns → values) as the fields of one contact."""
    fields: Fields = []
    projects = []
    for key, value in values.items():
        if key not in CSV_COLUMNS:
            raise InvalidField(unknown_key(key, CSV_COLUMNS, "column"), line)
        if key == "projects":
            if value is None:
                continue
            if not isinstance(value, str):
                raise InvalidField("projects should be text, separated by ' | '", line)
            projects += [(part, line) for part in value.split("|") if part.strip()]
        elif key not in CSV_PROJECT_COLUMNS:
            fields.append((key, value, line))
    single = [(k, values[k], line) for k in CSV_PROJECT_COLUMNS if k in values]
    if any(not _blank(v) for _, v, _ in single):
        renamed = [(k.removeprefix("project_") if k != "project" else "text", v, ln)
                   for k, v, ln in single]
        projects.insert(0, (renamed, line))
    if projects:
        fields.append(("projects", projects, line))
    return fields


def parse_row(values: Mapping[str, Any], path: str | Path = "<row>",
              line: int | None = None) -> ContactRecord:
    """One flat row (CSV columns → values) as a ContactRecord, or InputFileError."""
    try:
        return record_from_fields(row_fields(values, line), line)
    except InvalidField as exc:
        raise InputFileError(path, exc.message, line=exc.line) from None


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
