"""`update`: crawl then index under one lock — what a scheduler runs — and the last-run status."""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

from . import index_writer as iw
from .corpus_store import now_iso
from .lock import writer_lock
from .pipeline import BATCH_SIZE, _index_locked, status_after

logger = logging.getLogger(__name__)

# Exit codes of `hmic-search update`, documented in the README.
EXIT_OK = 0
EXIT_FAILED = 1        # the crawl or the index could not run at all
EXIT_BUSY = 3          # another run holds the lock
EXIT_PARTIAL = 4       # ran to the end, but some pages failed


def run_update(corpus_dir: Path, index_dir: Path, *, crawl_options: dict, lock_wait: float = 30.0,
               progress=None, index_every: float = 120.0) -> dict:
    """Crawl the site into the corpus, then index what changed. Returns the run's status.

    While a long crawl runs, what it has stored so far is indexed every `index_every` seconds, so a
    first run is searchable while it grows and a killed run keeps what it had indexed.
    """
    from .crawl import run_crawl  # the network side is only imported when a crawl runs

    index_dir = Path(index_dir)
    started = now_iso()
    with writer_lock(index_dir, wait=lock_wait):
        outcome: dict = {}

        def crawl_thread():
            try:
                outcome["report"] = run_crawl(corpus_dir, progress=progress, **crawl_options)
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread below
                outcome["error"] = exc

        worker = threading.Thread(target=crawl_thread, name="hmic-crawl", daemon=True)
        worker.start()
        interims = []
        while worker.is_alive():
            worker.join(index_every)
            if worker.is_alive():
                interim = _index_locked(_store(corpus_dir), index_dir, False, False, BATCH_SIZE)
                interims.append(interim)
                logger.info("indexed while crawling: %s", interim.summary())
        if "error" in outcome:
            _record_failure(index_dir, started, f"crawl: {outcome['error']}")
            raise outcome["error"]
        crawl_dict = outcome["report"].to_dict()
        report = _index_locked(_store(corpus_dir), index_dir, False, progress, BATCH_SIZE)
    status = status_after(report, crawl_dict)
    status["started"] = started
    for interim in interims:  # the whole run's counts, not just its last increment
        status["new"] += interim.added
        status["changed"] += interim.updated
        status["failed"] += sum(interim.failed.values())
    iw.write_status(index_dir, status)
    return status


def _store(corpus_dir):
    from .corpus_store import CorpusStore
    return CorpusStore(corpus_dir)


def _record_failure(index_dir: Path, started: str, error: str) -> None:
    previous = iw.read_status(index_dir) or {}
    previous.update({"last_attempt": now_iso(), "started": started, "ok": False, "error": error})
    iw.write_status(index_dir, previous)


def parse_interval(text: str) -> float:
    """'24h', '30m', '1d', '90s' or plain seconds → seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text or "")
    if not match:
        raise ValueError(f"cannot read the interval {text!r}: write e.g. 24h, 30m, 1d")
    seconds = float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    if seconds < 60:
        raise ValueError("the update interval must be at least one minute")
    return seconds


class Scheduler(threading.Thread):
    """Runs `update` in the background of the web process, every `interval` seconds, first run at once."""

    def __init__(self, interval: float, run):
        super().__init__(daemon=True, name="hmic-update")
        self.interval = interval
        self.run_once = run
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                status = self.run_once()
                logger.info("scheduled update finished: %s documents", status.get("documents"))
            except Exception as exc:  # noqa: BLE001 - the web process must outlive a failed update
                logger.error("scheduled update failed: %s", exc)
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()
