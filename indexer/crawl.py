"""The crawl loop: robots.txt, sitemaps, feeds, listings and links, kept in the corpus incrementally."""

from __future__ import annotations

import logging
import sys
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tqdm import tqdm

from . import discover
from .corpus_store import CorpusStore, CorruptEntry, Entry, entry_key
from .fetch import Fetcher, FetchResult, conditional_headers
from .profile import Profile, load_profile
from .urls import is_pdf_url

logger = logging.getLogger(__name__)
MAX_SITEMAPS = 1000


class CrawlError(Exception):
    """The crawl could not run at all: robots.txt unreachable, or the site blocking from the start."""


@dataclass
class CrawlReport:
    """What a crawl did. `fetched` counts bodies downloaded; `unchanged` counts documents confirmed
    unchanged without a download (304, sitemap lastmod, already fetched by an interrupted run) or
    downloaded again with identical bytes."""

    base_url: str = ""
    discovered: int = 0
    fetched: int = 0
    unchanged: int = 0
    new: int = 0
    changed: int = 0
    failed: dict = field(default_factory=dict)
    blocked: int = 0                  # answers 403/429 (after retries)
    bytes: int = 0
    requests: int = 0
    retries: int = 0
    truncated: int = 0
    missing: int = 0                  # stored documents the site now answers 404/410 for
    skipped: dict = field(default_factory=dict)   # links not followed, by reason
    stopped: str | None = None        # why the crawl ended early, if it did
    elapsed: float = 0.0

    def fail(self, reason: str) -> None:
        self.failed[reason] = self.failed.get(reason, 0) + 1

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def to_dict(self) -> dict:
        data = asdict(self)
        data["failed_total"] = sum(self.failed.values())
        return data

    def summary(self) -> str:
        failed = sum(self.failed.values())
        lines = [
            f"Crawled {self.base_url}: {self.discovered} documents discovered, {self.fetched} downloaded "
            f"({self.new} new, {self.changed} changed), {self.unchanged} unchanged.",
            f"{self.requests} requests ({self.retries} retries), {self.bytes / 1e6:.1f} MB in {self.elapsed:.0f}s; "
            f"{failed} failed" + (" (" + ", ".join(f"{k}: {v}" for k, v in sorted(self.failed.items())) + ")"
                                  if failed else "") + ".",
        ]
        if self.truncated or self.missing:
            lines.append(f"{self.truncated} cut off at the size cap; {self.missing} newly missing from the site.")
        if self.blocked:
            lines.append(f"The site answered 403/429 {self.blocked} times: it may be blocking this crawler.")
        if self.stopped:
            lines.append(f"Stopped early: {self.stopped}.")
        return "\n".join(lines)


@dataclass
class Task:
    url: str
    kind: str                     # page | listing | pdf | feed
    lastmod: str | None = None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _touched_since(entry: Entry, since: datetime) -> bool:
    when = discover.parse_lastmod(entry.checked_at or entry.fetched_at)
    return when is not None and when >= since


class Crawler:
    def __init__(self, profile: Profile, store: CorpusStore, fetcher: Fetcher, *, max_pages: int | None = None,
                 progress: bool | None = None):
        self.profile, self.store, self.fetcher = profile, store, fetcher
        self.max_pages = max_pages
        self.report = CrawlReport(base_url=profile.root)
        self.frontier: deque[Task] = deque()
        self.seen: set[str] = set()
        self.robots: dict[str, object] = {}
        self.documents_requested = 0
        self.answered = 0             # document requests that got a usable answer (200 or 304)
        self.block_streak = self.failure_streak = 0
        self.started = _now()
        show = sys.stderr.isatty() if progress is None else progress
        self.bar = tqdm(total=0, unit="doc", desc="crawl", disable=not show, file=sys.stderr, leave=False)

    # -- the run -------------------------------------------------------------------------------
    def run(self) -> CrawlReport:
        t0 = time.monotonic()
        state = self.store.read_state("crawl") or {}
        if state.get("started_at") and not state.get("finished_at"):
            self.started = discover.parse_lastmod(state["started_at"]) or self.started
            logger.info("resuming the crawl started at %s", state["started_at"])
        self.store.write_state("crawl", {"started_at": self.started.isoformat(), "finished_at": None,
                                         "base_url": self.profile.root})
        try:
            robots = self._load_robots(self.profile.start_url(self.profile.robots), required=True)
            self._seed(robots)
            while self.frontier and not self.report.stopped:
                self._process(self.frontier.popleft())
        finally:
            self.bar.close()
            self.report.requests, self.report.bytes = self.fetcher.requests, self.fetcher.bytes
            self.report.retries = self.fetcher.pacer.retries
            self.report.elapsed = round(time.monotonic() - t0, 3)
        if not self.report.stopped or self.report.stopped == "max pages reached":
            self.store.write_state("crawl", {"started_at": self.started.isoformat(), "finished_at": _now().isoformat(),
                                             "base_url": self.profile.root, "report": self.report.to_dict()})
        return self.report

    def _seed(self, robots) -> None:
        declared = discover.robots_sitemaps(robots, self.profile.root) if robots else []
        self._read_sitemaps(declared or [self.profile.start_url(p) for p in self.profile.sitemaps])
        for path in self.profile.listings:
            self.enqueue(self.profile.start_url(path), kind="listing")
        for path in self.profile.feeds:
            target, _why = self.profile.scope(self.profile.start_url(path), document=False)
            if target and entry_key(target) not in self.seen:
                self.seen.add(entry_key(target))
                self.frontier.append(Task(target, "feed"))

    def _read_sitemaps(self, urls: list[str]) -> None:
        queue, done = deque(urls), set()
        while queue and len(done) < MAX_SITEMAPS and not self.report.stopped:
            target, why = self._allow(queue.popleft(), document=False)
            if target is None or target in done:
                if why:
                    self.report.skip(why)
                continue
            done.add(target)
            result = self.fetcher.get(target, kind="xml", allow=lambda u: self._allow(u, document=False))
            self._watch(result)
            if result.body is None:
                self.report.fail(f"sitemap {result.error or result.status}")
                continue
            sitemap = discover.parse_sitemap(result.body, result.final_url)
            if sitemap.error:
                self.report.fail("sitemap malformed")
            logger.info("sitemap %s: %s with %d entries", target, sitemap.kind, len(sitemap.entries))
            for item in sitemap.entries:
                if sitemap.kind == "index":
                    queue.append(item.loc)
                else:
                    self.enqueue(item.loc, lastmod=item.lastmod)

    def enqueue(self, url: str, *, kind: str | None = None, lastmod: str | None = None) -> None:
        target, why = self.profile.scope(url)
        if target is None:
            self.report.skip(why.split(":")[0])
            return
        key = entry_key(target)
        if key in self.seen:
            return
        self.seen.add(key)
        kind = kind or ("pdf" if is_pdf_url(target) else "listing" if self.profile.is_listing(target) else "page")
        self.frontier.append(Task(target, kind, lastmod))
        self.report.discovered += 1
        self.bar.total = self.report.discovered
        self.bar.refresh()

    # -- scope and robots.txt ------------------------------------------------------------------
    def _allow(self, url: str, document: bool = True) -> tuple[str | None, str]:
        target, why = self.profile.scope(url, document=document)
        if target is None:
            return None, why
        robots = self._robots_for(target)
        if robots is not None and not robots.can_fetch(target, self.profile.robots_token):
            return None, "disallowed by robots.txt"
        return target, ""

    def _robots_for(self, url: str):
        parts = url.split("/", 3)
        origin = "/".join(parts[:3])
        if origin not in self.robots:
            self._load_robots(origin + "/robots.txt", required=False)
        return self.robots.get(origin)

    def _load_robots(self, url: str, *, required: bool):
        origin = "/".join(url.split("/", 3)[:3])
        self.robots[origin] = None      # set first: no recursion through redirects of robots.txt itself
        result = self.fetcher.get(url, kind="robots",
                                  allow=lambda u: self.profile.scope(u, document=False))
        status = result.status
        if result.body is not None:
            robots = discover.parse_robots(result.body)
            self.robots[origin] = robots
            delay = robots.crawl_delay(self.profile.robots_token)
            if delay:
                self.fetcher.pacer.set_floor(float(delay))
                logger.info("%s asks for a Crawl-delay of %ss", url, delay)
            return robots
        if status in (401, 403) or result.blocked or not status or status >= 500:
            why = f"robots.txt at {url} answered {status or result.error}"
            if required:
                raise CrawlError(f"cannot crawl: {why}")
            logger.warning("%s; not crawling that host", why)
            self.robots[origin] = discover.parse_robots("User-agent: *\nDisallow: /\n")
        return None      # 404 and other 4xx: no rules, everything allowed

    # -- one document --------------------------------------------------------------------------
    def _process(self, task: Task) -> None:
        target, why = self._allow(task.url, document=task.kind != "feed")
        if target is None:
            self.report.skip(why)
            return
        if task.kind == "feed":
            self._read_feed(task)
            return
        entry = self._stored(task.url)
        if entry is not None and self._still_current(task, entry):
            self.report.unchanged += 1
            self.store.update(entry, checked_at=_now().isoformat(),
                              sitemap_lastmod=task.lastmod or entry.sitemap_lastmod)
            self._follow_stored(entry)
            self.bar.update()
            return
        if self.max_pages is not None and self.documents_requested >= self.max_pages:
            self.report.stopped = "max pages reached"
            return
        self.documents_requested += 1
        result = self.fetcher.get(task.url, kind="document", allow=self._allow, validators=self._validators)
        self._watch(result)
        self._record(task, result)
        self.bar.update()
        if not self.bar.disable:
            return
        if self.documents_requested % 25 == 0:
            logger.info("crawl: %d documents requested, %d discovered", self.documents_requested,
                        self.report.discovered)

    def _stored(self, url: str) -> Entry | None:
        try:
            return self.store.get(url)
        except CorruptEntry as exc:
            logger.warning("refetching %s: %s", url, exc)
            return None

    def _still_current(self, task: Task, entry: Entry) -> bool:
        """Whether the stored copy can be trusted without asking the site at all."""
        if entry.missing_since or not entry.sha256 or entry.source != "crawl":
            return False
        if _touched_since(entry, self.started):
            return True               # already fetched or confirmed by this (possibly resumed) run
        if task.kind == "listing":
            return False
        validated = bool(entry.etag or entry.last_modified)
        if (task.kind == "pdf" or entry.truncated) and not validated:
            fetched = discover.parse_lastmod(entry.fetched_at)
            return fetched is not None and _now() - fetched < timedelta(days=self.profile.pdf_recheck_days)
        if task.lastmod and (self.profile.trust_sitemap_lastmod or not validated):
            return not discover.lastmod_is_newer(task.lastmod, entry.sitemap_lastmod, entry.fetched_at)
        return False

    def _validators(self, url: str) -> dict:
        entry = self._stored(url)
        if entry is None or entry.missing_since or not entry.sha256:
            return {}
        return conditional_headers(entry.etag, entry.last_modified)

    def _record(self, task: Task, result: FetchResult) -> None:
        report, now = self.report, _now().isoformat()
        if result.final_url:
            self.seen.add(entry_key(result.final_url))
        if result.not_modified:
            entry = self._stored(result.final_url)
            if entry is None:
                report.fail("304 without a stored copy")
                return
            self.answered += 1
            report.unchanged += 1
            self.store.update(entry, checked_at=now, missing_since=None,
                              sitemap_lastmod=task.lastmod or entry.sitemap_lastmod)
            self._follow_stored(entry)
            return
        if result.body is not None and not result.error:
            self.answered += 1
            self._store_body(task, result, now)
            return
        if result.status in (404, 410):
            entry = self._stored(task.url)
            if entry is not None and not entry.missing_since:
                self.store.update(entry, missing_since=now)
                report.missing += 1
                logger.info("%s is gone (%s); kept, marked missing", task.url, result.status)
        report.fail(result.error or f"http {result.status}")

    def _store_body(self, task: Task, result: FetchResult, now: str) -> None:
        report = self.report
        previous = self._stored(result.final_url)
        kind = "pdf" if result.is_pdf else ("page" if task.kind == "pdf" else task.kind)
        same_doc = entry_key(result.final_url) == entry_key(task.url)
        entry = self.store.put(
            result.final_url, result.body, final_url=result.final_url, status=result.status,
            content_type=result.headers.get("content-type", ""), etag=result.headers.get("etag"),
            last_modified=result.headers.get("last-modified"),
            sitemap_lastmod=task.lastmod if same_doc else (previous.sitemap_lastmod if previous else None),
            truncated=result.truncated, kind=kind, checked_at=now)
        report.fetched += 1
        if result.truncated:
            report.truncated += 1
        if previous is None or previous.source != "crawl":
            report.new += 1
        elif previous.sha256 != entry.sha256:
            report.changed += 1
        else:
            report.unchanged += 1
        logger.debug("stored %s (%d bytes)", result.final_url, entry.size)
        if kind != "pdf":
            self._follow(result.body, result.final_url)

    def _follow_stored(self, entry: Entry) -> None:
        if entry.kind == "pdf" or "html" not in (entry.content_type or "text/html"):
            return
        try:
            body = self.store.read_body(entry)
        except CorruptEntry as exc:
            logger.warning("cannot read stored %s: %s", entry.url, exc)
            return
        self._follow(body, entry.final_url or entry.url)

    def _follow(self, body: bytes, url: str) -> None:
        links = discover.parse_links(body, url)
        for link in links.next_pages:
            self.enqueue(link, kind="listing")
        for link in links.links:
            self.enqueue(link)
        if links.canonical:
            self.enqueue(links.canonical)
        for feed in links.feeds:
            target, _why = self.profile.scope(feed)
            if target and entry_key(target) not in self.seen:
                self.seen.add(entry_key(target))
                self.frontier.append(Task(target, "feed"))

    def _read_feed(self, task: Task) -> None:
        result = self.fetcher.get(task.url, kind="xml", allow=lambda u: self._allow(u, document=False))
        self._watch(result)
        if result.body is None:
            self.report.fail(f"feed {result.error or result.status}")
            return
        for link in discover.parse_feed(result.body, result.final_url):
            self.enqueue(link)

    # -- blocking ------------------------------------------------------------------------------
    def _watch(self, result: FetchResult) -> None:
        """Count blocking answers and failure streaks; stop rather than hammer a site that refuses us."""
        if result.blocked:
            self.report.blocked += 1
            self.block_streak += 1
        else:
            self.block_streak = 0
        failing = result.error in ("timeout", "connection") or result.status >= 500
        self.failure_streak = self.failure_streak + 1 if failing else 0
        if self.block_streak >= self.profile.block_limit:
            if self.answered == 0:
                raise CrawlError(f"the site is blocking the crawler: {self.block_streak} answers "
                                 f"{result.status} in a row from the start")
            self.report.stopped = f"the site answered 403/429 {self.block_streak} times in a row (blocking)"
            logger.error("stopping: %s", self.report.stopped)
        elif self.failure_streak >= self.profile.failure_limit:
            self.report.stopped = f"{self.failure_streak} requests in a row failed"
            logger.error("stopping: %s", self.report.stopped)


def run_crawl(corpus_dir, *, base_url=None, max_pages=None, delay=None, user_agent=None, allow_hosts=(),
              progress=None, profile: Profile | str | Path | None = None) -> CrawlReport:
    """Crawl the profile's site (or the mirror at `base_url`) into the corpus at `corpus_dir`.

    `profile` is a Profile or the path of a site profile (default corpus/site.toml). Raises CrawlError
    only when the crawl cannot run at all; single failures are counted in the report.
    """
    if not isinstance(profile, Profile):
        profile = load_profile(profile)
    if base_url:
        profile = profile.with_base_url(base_url)
    if allow_hosts:
        profile = profile.with_allowed_hosts(allow_hosts)
    fetcher = Fetcher(profile, delay=delay, user_agent=user_agent)
    try:
        crawler = Crawler(profile, CorpusStore(corpus_dir), fetcher, max_pages=max_pages, progress=progress)
        report = crawler.run()
    finally:
        fetcher.close()
    logger.info("%s", report.summary())
    return report
