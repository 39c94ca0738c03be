"""The fetcher against a real local server: retries, Retry-After, caps, timeouts, redirects, 304s, pacing."""

import pytest

from indexer.fetch import Fetcher, Pacer, conditional_headers, retry_after_seconds
from tests.mock_site import MockSite, fast_profile


@pytest.fixture(scope="module")
def site():
    with MockSite(retry_after=1, slow_seconds=1.5, huge_bytes=2_000_000) as site:
        yield site


def fetcher_for(site, **overrides):
    return Fetcher(fast_profile(**overrides).with_base_url(site.base))


def hits_for(site, mark, path):
    return [h for h in site.hits_since(mark) if h.path == path]


def test_retries_a_503_after_the_crawl_delay(site):
    fetcher, mark = fetcher_for(site), site.mark()
    fetcher.pacer.set_floor(0.3)
    result = fetcher.get(site.base + "/news/news-feed/flaky-release/")
    assert result.status == 200 and result.body and fetcher.pacer.retries == 1
    first, second = hits_for(site, mark, "/news/news-feed/flaky-release/")
    assert (first.status, second.status) == (503, 200)
    assert second.time - first.time >= 0.3


def test_waits_for_retry_after_on_429(site):
    fetcher, mark = fetcher_for(site), site.mark()
    result = fetcher.get(site.base + "/news/news-feed/busy-release/")
    assert result.status == 200
    first, second = hits_for(site, mark, "/news/news-feed/busy-release/")
    assert first.status == 429 and second.time - first.time >= 1.0


def test_a_retry_after_beyond_the_limit_is_not_waited_for(site):
    fetcher = fetcher_for(site, retry_after_max=0.5)
    site.retry_after, site._answered["/news/news-feed/busy-release/"] = 30, 0
    try:
        result = fetcher.get(site.base + "/news/news-feed/busy-release/")
    finally:
        site.retry_after = 1
    assert result.status == 429 and result.blocked and result.body is None
    assert fetcher.pacer.delay > 0.01       # slowed down


def test_oversized_body_is_cut_off(site):
    fetcher, mark = fetcher_for(site, max_html_bytes=100_000), site.mark()
    site.huge_bytes = 200_000_000
    try:
        result = fetcher.get(site.base + "/news/news-feed/huge-release/")
    finally:
        site.huge_bytes = 2_000_000
    assert result.truncated and len(result.body) == 100_000
    # The connection is dropped: the server could not send the rest (beyond what socket buffers took).
    assert hits_for(site, mark, "/news/news-feed/huge-release/")[0].sent < 50_000_000


def test_timeout_is_a_failure_not_a_crash(site):
    result = fetcher_for(site, read_timeout=0.3).get(site.base + "/news/news-feed/slow-release/")
    assert result.error == "timeout" and result.body is None


@pytest.mark.parametrize("path, target", [
    ("/news/news-feed/moved-off-site/", "off-site.invalid"),
    ("/news/news-feed/moved-to-other-port/", "/trap/"),
])
def test_redirect_off_the_allowed_hosts_is_not_followed(site, path, target):
    fetcher, mark = fetcher_for(site), site.mark()
    result = fetcher.get(site.base + path, allow=fetcher.profile.scope)
    assert result.error == "redirect off-host" and result.body is None
    assert [h.path for h in site.hits_since(mark)] == [path]


def test_redirects_within_scope_are_followed_hop_by_hop(site):
    site.put("/old-address/", b"", kind="page")
    fetcher = fetcher_for(site)
    original = site.answer

    def redirecting(server, handler, hit):
        if handler.path == "/old-address/":
            from tests.mock_site import _send
            return _send(handler, hit, 301, b"", None, {"Location": "/news/news-feed/release-1/"})
        return original(server, handler, hit)

    site.answer = redirecting
    try:
        result = fetcher.get(site.base + "/old-address/", allow=fetcher.profile.scope)
    finally:
        site.answer = original
    assert result.status == 200 and result.final_url == site.base + "/news/news-feed/release-1/"


def test_conditional_request_gets_304_without_a_body(site):
    fetcher = fetcher_for(site)
    first = fetcher.get(site.base + "/news/news-feed/release-1/")
    headers = conditional_headers(first.headers["etag"], first.headers["last-modified"])
    second = fetcher.get(site.base + "/news/news-feed/release-1/", validators=lambda url: headers)
    assert second.not_modified and second.body is None


def test_unwanted_content_type_is_not_downloaded(site):
    site.put("/data.csv", b"a,b\n" * 1000, content_type="text/csv")
    result = fetcher_for(site).get(site.base + "/data.csv")
    assert result.error == "content-type text/csv" and result.body is None


def test_pdf_is_recognised_and_capped_separately(site):
    result = fetcher_for(site, max_html_bytes=10).get(site.assets + "/uploads/publication-0.pdf")
    assert result.is_pdf and not result.truncated and result.body.startswith(b"%PDF")


def test_identifying_user_agent_is_sent(site):
    mark = site.mark()
    fetcher_for(site).get(site.base + "/news/news-feed/release-2/")
    agent = site.hits_since(mark)[0].headers["User-Agent"]
    assert agent.startswith("HMICSearchBot/") and "+http" in agent


def test_delay_cannot_go_below_the_profile_minimum():
    fetcher = Fetcher(fast_profile(min_delay=1.0, delay=1.0), delay=0.1)
    assert fetcher.pacer.delay == 1.0


class FakeClock:
    def __init__(self):
        self.now, self.slept = 100.0, []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(round(seconds, 3))
        self.now += seconds


def test_pacer_spaces_requests_and_crawl_delay_is_a_floor():
    clock = FakeClock()
    pacer = Pacer(0.5, clock=clock, sleep=clock.sleep)
    pacer.wait(); pacer.done()                      # noqa: E702 - the first request does not wait
    pacer.set_floor(1.5)
    pacer.wait(); pacer.done()                      # noqa: E702
    clock.now += 2.0
    pacer.wait()
    assert clock.slept == [1.5]


def test_pacer_slows_down_when_blocked_and_recovers():
    pacer = Pacer(1.0, max_delay=5.0)
    for _ in range(5):
        pacer.slow_down()
    assert pacer.delay == 5.0
    pacer.recover()
    pacer.recover()
    pacer.recover()
    assert pacer.delay == 4.0


@pytest.mark.parametrize("value, low, high", [
    (None, 0, 0), ("", 0, 0), ("3", 3, 3), (" 120 ", 120, 120), ("soon", 0, 0),
    ("Wed, 21 Oct 2015 07:28:00 GMT", 0, 0),      # in the past
])
def test_retry_after_seconds(value, low, high):
    assert low <= retry_after_seconds(value) <= high
