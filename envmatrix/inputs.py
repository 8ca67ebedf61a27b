"""Reading a user's input file as text: size, binary and encoding problems become that file's error."""

from __future__ import annotations

from pathlib import Path

from envmatrix.errors import InputError

MAX_INPUT_BYTES = 1_000_000  # a tfvars, env, spec, waiver or config file larger than this is not one


def read_input_text(path: Path, error: type[InputError]) -> str:
    """Return the file's UTF-8 text or raise ``error`` naming the file and the problem."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(path, f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_INPUT_BYTES:
        raise error(path, f"file is {len(raw)} bytes; more than {MAX_INPUT_BYTES} is not a config file")
    if b"\x00" in raw:
        raise error(path, "binary data (NUL bytes) - not a text config file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(path, f"not UTF-8 text (byte {exc.start})") from None
