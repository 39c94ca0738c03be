"""The only module that talks to the network: polite, bounded, conditional HTTP GETs."""

from __future__ import annotations

import email.utils
import logging
import time
from datetime import datetime, timezone
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, ReadTimeoutError
from urllib3.util.retry import Retry

from .profile import Profile

logger = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")
PDF_TYPES = ("application/pdf", "application/x-pdf", "application/acrobat")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
BLOCKING_STATUSES = frozenset({403, 429})
KEPT_HEADERS = ("etag", "last-modified", "content-type", "content-length", "retry-after", "location")

# allow(url) -> (url to request, "") or (None, why not): scope and robots.txt, checked for every hop.
Allow = Callable[[str], "tuple[str | None, str]"]


class Pacer:
    """One request at a time with a pause between them; robots.txt Crawl-delay is a floor; slows on blocking."""

    def __init__(self, delay: float, max_delay: float = 60.0, clock=time.monotonic, sleep=time.sleep):
        self.base = delay
        self.floor = 0.0
        self.penalty = 1.0
        self.max_delay = max(max_delay, delay)
        self.retries = 0
        self._clock, self._sleep = clock, sleep
        self._last_end: float | None = None

    @property
    def delay(self) -> float:
        return max(self.floor, min(self.base * self.penalty, self.max_delay))

    def set_floor(self, crawl_delay: float | None) -> None:
        if crawl_delay and crawl_delay > self.floor:
            self.floor = float(crawl_delay)

    def wait(self) -> None:
        if self._last_end is not None:
            remaining = self._last_end + self.delay - self._clock()
            if remaining > 0:
                self._sleep(remaining)

    def done(self) -> None:
        self._last_end = self._clock()

    def slow_down(self) -> None:
        self.penalty = min(self.penalty * 2, 64.0)

    def recover(self) -> None:
        self.penalty = max(1.0, self.penalty / 2)


def retry_after_seconds(value: str | None) -> float:
    """Seconds a Retry-After header asks for (a number or an HTTP date); 0 when absent or unreadable."""
    if not value:
        return 0.0
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class PoliteRetry(Retry):
    """urllib3 Retry whose pauses are never shorter than the crawl delay, and that does not wait
    for a Retry-After beyond `retry_after_max` (the response is handed back as blocking instead)."""

    pacer: Pacer | None = None
    wait_limit: float = 120.0

    def new(self, **kw) -> "PoliteRetry":
        retry = super().new(**kw)
        retry.pacer, retry.wait_limit = self.pacer, self.wait_limit
        return retry

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if response is not None and retry_after_seconds(response.headers.get("Retry-After")) > self.wait_limit:
            raise MaxRetryError(_pool, url, "Retry-After beyond what the crawler waits")
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        if self.pacer is not None:
            self.pacer.retries += 1
        logger.info("retrying %s after %s", url, error or getattr(response, "status", "?"))
        return retry

    def sleep(self, response=None) -> None:
        wait = self.get_backoff_time()
        if response is not None and self.respect_retry_after_header:
            wait = max(wait, retry_after_seconds(response.headers.get("Retry-After")))
        if self.pacer is not None:
            wait = max(wait, self.pacer.delay)
        if wait > 0:
            time.sleep(wait)


@dataclass
class FetchResult:
    url: str                          # first URL requested
    final_url: str = ""               # last URL requested (after redirects)
    status: int = 0                   # 0: no answer
    headers: dict = field(default_factory=dict)
    body: bytes | None = None
    truncated: bool = False
    error: str | None = None          # why there is no usable body: "timeout", "http 404", ...
    elapsed: float = 0.0

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def blocked(self) -> bool:
        return self.status in BLOCKING_STATUSES

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def is_pdf(self) -> bool:
        return self.content_type in PDF_TYPES or (self.body or b"")[:5] == b"%PDF-"


def conditional_headers(etag: str | None, last_modified: str | None) -> dict:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _failure_reason(exc: Exception) -> str:
    if isinstance(exc, requests.Timeout):
        return "timeout"
    inner = exc.args[0] if exc.args else None
    if isinstance(inner, MaxRetryError) and isinstance(inner.reason, (ReadTimeoutError, ConnectTimeoutError)):
        return "timeout"
    if isinstance(exc, requests.ConnectionError):
        return "connection"
    return "error"


class Fetcher:
    def __init__(self, profile: Profile, *, delay: float | None = None, user_agent: str | None = None):
        self.profile = profile
        if delay is not None and delay < profile.min_delay:
            logger.warning("delay %.2fs is below the minimum %.2fs; using the minimum", delay, profile.min_delay)
            delay = profile.min_delay
        self.pacer = Pacer(profile.delay if delay is None else delay, profile.max_delay)
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": user_agent or profile.user_agent,
                                     "Accept": "text/html,application/xhtml+xml,application/pdf,"
                                               "application/xml;q=0.9,*/*;q=0.5"})
        retry = PoliteRetry(total=profile.retries, connect=profile.retries, read=1, status=profile.retries,
                            backoff_factor=profile.backoff, status_forcelist=RETRY_STATUSES,
                            allowed_methods={"GET"}, raise_on_status=False, redirect=False,
                            respect_retry_after_header=True)
        retry.pacer, retry.wait_limit = self.pacer, profile.retry_after_max
        adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=1)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.requests = 0
        self.bytes = 0

    def close(self) -> None:
        self.session.close()

    def get(self, url: str, *, kind: str = "document", allow: Allow | None = None,
            validators: Callable[[str], dict] | None = None) -> FetchResult:
        """GET `url`, following redirects by hand while `allow` accepts each hop.

        kind: "document" (HTML or PDF, checked and capped by type), "xml" (sitemaps, feeds) or "robots".
        """
        result = FetchResult(url=url)
        started = time.monotonic()
        current = url
        for _hop in range(self.profile.max_redirects + 1):
            headers = validators(current) if validators else {}
            self._request(current, headers, kind, result)
            location = result.headers.get("location")
            if not (300 <= result.status < 400 and result.status != 304 and location):
                break
            try:
                target, why = (allow or (lambda u: (u, "")))(urljoin(current, location))
            except ValueError:  # a Location that is not a URL (an invalid IPv6 host)
                target, why = None, "malformed"
            if target is None:
                logger.warning("not following redirect from %s to %s (%s)", current, location, why)
                result.error = f"redirect {why}"
                break
            current = target
        else:
            result.error = "too many redirects"
        result.elapsed = time.monotonic() - started
        return result

    def _request(self, url: str, headers: dict, kind: str, result: FetchResult) -> None:
        self.pacer.wait()
        result.final_url, result.body, result.truncated, result.error = url, None, False, None
        result.status, result.headers = 0, {}
        self.requests += 1
        try:
            resp = self.session.get(url, headers=headers, stream=True, allow_redirects=False,
                                    timeout=(self.profile.connect_timeout, self.profile.read_timeout))
        except requests.RequestException as exc:
            result.error = _failure_reason(exc)
            logger.warning("fetching %s failed: %s (%s)", url, result.error, exc)
            self.pacer.done()
            return
        try:
            result.status = resp.status_code
            result.headers = {k: resp.headers[k] for k in KEPT_HEADERS if k in resp.headers}
            if resp.status_code == 200:
                cap = self._cap(kind, result, url)
                if cap is not None:
                    self._read(resp, cap, result)
            elif resp.status_code != 304 and not 300 <= resp.status_code < 400:
                result.error = f"http {resp.status_code}"
        finally:
            resp.close()
            self.pacer.done()
        if result.blocked:
            self.pacer.slow_down()
            logger.warning("%s answered %s: slowing down to %.1fs between requests", url, result.status,
                           self.pacer.delay)
        elif result.status and result.status < 400:
            self.pacer.recover()

    def _cap(self, kind: str, result: FetchResult, url: str) -> int | None:
        """The size cap for this response, or None (and an error) when its type is not wanted."""
        if kind == "robots":
            return self.profile.max_robots_bytes
        if kind == "xml":
            return self.profile.max_xml_bytes
        ctype = result.content_type
        if ctype in PDF_TYPES or (ctype in ("application/octet-stream", "") and url.lower().endswith(".pdf")):
            return self.profile.max_pdf_bytes
        if ctype in HTML_TYPES or ctype == "":
            return self.profile.max_html_bytes
        result.error = f"content-type {ctype}"
        logger.info("skipping %s: unwanted content type %s", url, ctype)
        return None

    def _read(self, resp: requests.Response, cap: int, result: FetchResult) -> None:
        deadline = time.monotonic() + self.profile.fetch_deadline
        chunks, size = [], 0
        try:
            for chunk in resp.iter_content(64 * 1024):
                chunks.append(chunk)
                size += len(chunk)
                if size > cap:
                    result.truncated = True
                    logger.warning("%s is larger than %d bytes: cut off", result.final_url, cap)
                    break
                if time.monotonic() > deadline:
                    result.error = "timeout"
                    logger.warning("%s took longer than %.0fs to download", result.final_url,
                                   self.profile.fetch_deadline)
                    return
        except requests.RequestException as exc:
            result.error = _failure_reason(exc)
            logger.warning("reading %s failed: %s (%s)", result.final_url, result.error, exc)
            return
        body = b"".join(chunks)[:cap]
        result.body = body
        self.bytes += len(body)
