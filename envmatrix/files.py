"""The one writer of every file the suite writes: whole-file replacement and log appends, never through a link."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from envmatrix.errors import OutputError

#: Every file the suite writes is its owner's alone (as mkstemp makes it): reports and snapshots hold
#: redacted, yet still internal, configuration; the call log holds call parameters.
PRIVATE_MODE = 0o600


def _refuse_link(path: Path) -> None:
    try:
        is_link = stat.S_ISLNK(os.lstat(path).st_mode)
    except FileNotFoundError:
        return
    if is_link:
        raise OutputError(path, "is a symbolic link; envmatrix never writes through one (remove it and rerun)")


def write_bytes_atomic(path: Path, data: bytes, *, mode: int = PRIVATE_MODE) -> Path:
    """Replace ``path`` with ``data``: readers see the old complete file or the new one, never half.

    The temporary file is made beside ``path`` by ``mkstemp`` (an unpredictable name, created with O_EXCL, so
    nothing planted in advance can be written through) and renamed over ``path``; a failure leaves the old file
    and no temporary. A symbolic link at ``path`` is refused. Were one planted after that check, the rename
    would replace the link itself, never write to what it points at.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    _refuse_link(path)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: Path, text: str, *, mode: int = PRIVATE_MODE) -> Path:
    """:func:`write_bytes_atomic` of ``text`` in UTF-8."""
    return write_bytes_atomic(path, text.encode("utf-8"), mode=mode)


def write_json_atomic(path: Path, data: Any) -> Path:
    """``data`` as indented, key-sorted JSON (the form of every JSON report), written atomically."""
    return write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def copy_file_atomic(source: Path, target: Path) -> Path:
    """Copy ``source``'s bytes to ``target`` as :func:`write_bytes_atomic` writes (``shutil.copyfile`` would
    follow a link at ``target``)."""
    return write_bytes_atomic(target, source.read_bytes())


def append_line(path: Path, line: str) -> None:
    """Append ``line`` and a newline to ``path`` in one write (lines from several processes do not interleave).

    The file is created owner-only and opened with O_NOFOLLOW: a symbolic link at ``path`` is refused.
    """
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        descriptor = os.open(path, flags, PRIVATE_MODE)
    except OSError:
        if os.path.islink(path):
            raise OutputError(path, "is a symbolic link; envmatrix never writes through one") from None
        raise
    try:
        data = (line + "\n").encode("utf-8")
        while data:
            data = data[os.write(descriptor, data):]
    finally:
        os.close(descriptor)
