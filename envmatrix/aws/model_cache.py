"""botocore's service models, parsed from JSON once per botocore install instead of once per run.

Making the live layer's clients (19 services) costs a run about 0.9 s, two thirds of it in ``json.loads`` of the
service models (EC2's alone is megabytes). This loader keeps each parsed file in a cache folder as ``marshal`` data
(plain dicts, lists and scalars: nothing that can run code), keyed by the model file's path, size and modification
time and by botocore's version, so a changed or upgraded model is parsed again. It is only a cache: a folder that
cannot be written, or an entry that does not load, falls back to botocore's own reading, silently.

The folder: ``$ENVMATRIX_CACHE_DIR``, else ``$XDG_CACHE_HOME/envmatrix``, else ``~/.cache/envmatrix`` (under
``botocore-models/``); ``ENVMATRIX_CACHE_DIR=off`` turns it off.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from pathlib import Path
from typing import Any

import botocore
from botocore.loaders import JSONFileLoader

VARIABLE = "ENVMATRIX_CACHE_DIR"
_EXTENSIONS = (".json", ".json.gz")


def cache_folder() -> Path | None:
    """Where parsed models are kept (None: the cache is off)."""
    configured = os.environ.get(VARIABLE, "").strip()
    if configured.lower() == "off":
        return None
    if configured:
        base = Path(configured).expanduser()
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "envmatrix"
    return base / "botocore-models"


def _plain(data: Any) -> Any:
    """The parsed JSON with botocore's OrderedDicts as dicts (which keep their order), as marshal stores them."""
    if isinstance(data, dict):
        return {key: _plain(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_plain(item) for item in data]
    return data


class CachedFileLoader(JSONFileLoader):
    """botocore's JSON file loader, each parsed file kept in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _entry(self, file_path: str) -> Path | None:
        """The cache entry of the model file ``file_path`` (+ .json or .json.gz) as it is now; None: no such file."""
        for extension in _EXTENSIONS:
            try:
                found = os.stat(file_path + extension)
            except OSError:
                continue
            key = f"{botocore.__version__}|{file_path}{extension}|{found.st_size}|{found.st_mtime_ns}"
            return self.folder / f"{hashlib.sha256(key.encode()).hexdigest()}.marshal"
        return None

    def load_file(self, file_path: str) -> Any:
        entry = self._entry(file_path)
        if entry is not None:
            try:
                return marshal.loads(entry.read_bytes())
            except (OSError, EOFError, ValueError, TypeError):
                pass  # not cached yet, or unreadable: parse it
        data = super().load_file(file_path)
        if data is not None and entry is not None:
            self._keep(entry, data)
        return data

    def _keep(self, entry: Path, data: Any) -> None:
        temporary = ""
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                out.write(marshal.dumps(_plain(data)))
            os.replace(temporary, entry)  # whole or not at all: a reader never sees half an entry
        except (OSError, ValueError):
            if temporary:
                Path(temporary).unlink(missing_ok=True)  # a cache that cannot be written costs the next run a parse


def install(loader: Any) -> None:
    """Give botocore ``loader`` the cached file loader (unless the cache is off)."""
    folder = cache_folder()
    if folder is not None:
        loader.file_loader = CachedFileLoader(folder)
