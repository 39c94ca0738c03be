"""The corpus: raw bytes of every fetched or ingested document plus its fetch metadata.

The only module that reads or writes the corpus folder. Layout:
  blobs/ab/<sha256>        raw bytes, content-addressed (identical bodies are stored once)
  entries/cd/<key>.json    metadata of one URL; written last, atomically: the commit point
A process killed mid-write leaves at worst an orphan blob, never an entry pointing at half a body.

Every file is written whole under a temporary name and renamed into place. A durable store (the
default: what the crawler fills) also flushes each file to the disk before renaming it, so that holds
across a power cut too. A store opened with durable=False (ingest, whose sources stay on disk to be
ingested again) leaves the flushing to the operating system: still whole after a killed process, but a
power cut may lose its last writes; a blob found shorter than its body is written again, and ingest
treats an entry that cannot be read, or whose blob is missing or short, as changed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from .urls import normalise_url

logger = logging.getLogger(__name__)


class CorruptEntry(Exception):
    """A corpus entry whose metadata cannot be read or whose body does not match its hash."""


@dataclass(frozen=True)
class Entry:
    key: str
    url: str                       # the normalised URL the entry is stored under
    final_url: str = ""            # where the last fetch ended after redirects
    status: int = 200
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    sitemap_lastmod: str | None = None
    fetched_at: str = ""
    sha256: str = ""
    size: int = 0
    source: str = "crawl"          # crawl | ingest
    missing_since: str | None = None   # first time the site answered 404/410 for it
    truncated: bool = False
    kind: str = ""                 # page | listing | pdf, as the crawler found it ("" for ingested files)
    checked_at: str | None = None  # last time the site confirmed this copy (a 304, or a skip by sitemap lastmod)

    def replace(self, **changes) -> "Entry":
        return dataclasses.replace(self, **changes)


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


# The same URL is normalised by a lookup and the write that follows it.
_normalised = lru_cache(maxsize=1024)(normalise_url)


def entry_key(url: str) -> str:
    return _key(_normalised(url))


def _key(normalised: str) -> str:
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:32]


def _atomic_write(path: Path, data: bytes, fsync: bool = True) -> None:
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    except FileNotFoundError:   # the folder's first file
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


_ENTRY_FIELDS = tuple(f.name for f in dataclasses.fields(Entry))


class CorpusStore:
    def __init__(self, root: str | Path, durable: bool = True):
        self.root = Path(root)
        self.durable = durable   # flush every file to the disk before it takes its name (see the module's doc)

    def _write(self, path: Path, data: bytes) -> None:
        if self.durable:
            _atomic_write(path, data)
        else:
            _atomic_write(path, data, fsync=False)

    def _entry_path(self, key: str) -> Path:
        return self.root / "entries" / key[:2] / f"{key}.json"

    def _blob_path(self, sha: str) -> Path:
        return self.root / "blobs" / sha[:2] / sha

    def get(self, url: str) -> Entry | None:
        """The entry stored for a URL (any of its addresses), or None."""
        path = self._entry_path(entry_key(url))
        if not path.exists():
            return None
        return self._load(path)

    def get_by_key(self, key: str) -> Entry | None:
        path = self._entry_path(key)
        return self._load(path) if path.exists() else None

    def _load(self, path: Path) -> Entry:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            fields = {f.name for f in dataclasses.fields(Entry)}
            return Entry(**{k: v for k, v in data.items() if k in fields})
        except (OSError, ValueError, TypeError) as exc:
            raise CorruptEntry(f"{path}: unreadable metadata ({exc})") from exc

    def put(self, url: str, body: bytes, **meta) -> Entry:
        """Store a body and its metadata for a URL; returns the new entry."""
        sha = hashlib.sha256(body).hexdigest()
        blob = self._blob_path(sha)
        if self._blob_size(blob) != len(body):   # absent, or cut short by a power cut
            self._write(blob, body)
        norm = _normalised(url)
        meta.setdefault("fetched_at", now_iso())
        entry = Entry(key=_key(norm), url=norm, sha256=sha, size=len(body), **meta)
        self._write_entry(entry)
        return entry

    @staticmethod
    def _blob_size(blob: Path) -> int | None:
        try:
            return blob.stat().st_size
        except FileNotFoundError:
            return None

    def has_body(self, entry: Entry) -> bool:
        """Whether the entry's body is on disk at its full size (its hash is checked on reading)."""
        return self._blob_size(self._blob_path(entry.sha256)) == entry.size

    def update(self, entry: Entry, **changes) -> Entry:
        """Change an entry's metadata only (a 304, a page found missing) without touching its body."""
        new = entry.replace(**changes)
        self._write_entry(new)
        return new

    def _write_entry(self, entry: Entry) -> None:
        fields = {name: getattr(entry, name) for name in _ENTRY_FIELDS}   # all plain values: no deep copy
        self._write(self._entry_path(entry.key), json.dumps(fields, ensure_ascii=False, indent=1).encode("utf-8"))

    def read_body(self, entry: Entry) -> bytes:
        """The stored bytes of an entry, checked against its hash."""
        try:
            data = self._blob_path(entry.sha256).read_bytes()
        except OSError as exc:
            raise CorruptEntry(f"{entry.url}: body missing ({exc})") from exc
        if hashlib.sha256(data).hexdigest() != entry.sha256:
            raise CorruptEntry(f"{entry.url}: body does not match its hash")
        return data

    def entries(self, errors: list | None = None) -> Iterator[Entry]:
        """Every entry; unreadable ones are logged and appended to `errors` instead of raising."""
        base = self.root / "entries"
        if not base.exists():
            return
        for path in sorted(base.glob("*/*.json")):
            try:
                yield self._load(path)
            except CorruptEntry as exc:
                logger.warning("skipping corrupt corpus entry %s", exc)
                if errors is not None:
                    errors.append(str(exc))

    def read_state(self, name: str) -> dict | None:
        """A small JSON document of run state (e.g. the crawler's last run), or None."""
        path = self.root / "state" / f"{name}.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            logger.warning("ignoring unreadable state %s: %s", path, exc)
            return None

    def write_state(self, name: str, data: dict) -> None:
        self._write(self.root / "state" / f"{name}.json", json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))

    def __len__(self) -> int:
        base = self.root / "entries"
        return sum(1 for _ in base.glob("*/*.json")) if base.exists() else 0
