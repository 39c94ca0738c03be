"""One writer at a time: an advisory file lock that the kernel releases when its holder dies."""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path


class LockBusy(Exception):
    """Another index/update run holds the lock."""


@contextmanager
def writer_lock(index_dir: Path, wait: float = 30.0, poll: float = 0.5):
    """Hold `<index_dir>/writer.lock` for the block; wait at most `wait` seconds for it.

    flock locks vanish with the process that held them, so a run killed with -9 leaves no stale lock.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / "writer.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _read_holder(path)
                    raise LockBusy(f"another index or update run{holder} is using {index_dir}; "
                                   f"gave up after {wait:g}s") from None
                time.sleep(poll)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)


def _read_holder(path: Path) -> str:
    try:
        pid = path.read_text().strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid else ""
