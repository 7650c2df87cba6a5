"""Private files: the home and what matcher writes in it are for the user's eyes only.

A home holds personal data about third parties (names, e-mails, birthdays, every message
sent), so it is created 0700 and its files 0600, whatever the umask allows; a stricter
umask is respected (the modes are masked by it, never widened). A home made by an older
version is tightened when opened.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create the folder (0700 under the umask) or tighten it."""
    path = Path(path)
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _tighten(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create an empty file (0600 under the umask) if there is none, or tighten it."""
    path = Path(path)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE))
    _tighten(path, FILE_MODE)
    return path


def write_private(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write a file whole or not at all, readable by the user only: `write(out)` fills a
    temporary file (0600) beside `path`, which then replaces it; a reader never sees half
    a file, and a failure leaves the old one."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def tighten(path: Path) -> None:
    """Take group and others' permissions away from an existing file or folder."""
    path = Path(path)
    if path.exists():
        _tighten(path, DIR_MODE if path.is_dir() else FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    current = path.stat().st_mode & 0o777
    if current & ~mode:
        try:
            os.chmod(path, current & mode)
        except PermissionError:  # not the owner (a copy of a home, read only): leave it
            pass
