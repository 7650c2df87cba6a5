"""Contacts as a library: read files into records, store them with a merge, find and edit.

The CLI is a thin layer over these functions.
"""

from pathlib import Path

from matcher.contacts.importer import read_contacts
from matcher.contacts.records import ContactRecord, ProjectRecord
from matcher.contacts.edit import add_contact, confirm_projects, edit_contact, remove_contact
from matcher.contacts.store import (
    ImportReport,
    contact_to_dict,
    find_contact,
    import_contacts,
    list_contacts,
)

# The commented example that `matcher init` writes into a new home.
TEMPLATE_PATH = Path(__file__).parent / "template.yaml"

__all__ = [
    "TEMPLATE_PATH", "ContactRecord", "ImportReport", "ProjectRecord", "add_contact",
    "confirm_projects", "contact_to_dict", "edit_contact", "find_contact", "import_contacts", "list_contacts",
    "read_contacts", "remove_contact",
]
