"""Whole crawls against the local mock site: discovery, robots.txt, faults, incrementality, resuming."""

import json
from urllib.parse import urlsplit

import pytest

from indexer.corpus_store import CorpusStore
from indexer.crawl import CrawlError, CrawlReport, run_crawl
from tests.mock_site import MockSite, fast_profile, mock_site  # noqa: F401 - the fixture


@pytest.fixture
def calm_site():
    """The mock site without faults, for tests about something else (they are slow on purpose)."""
    with MockSite(faults=()) as site:
        yield site


def crawl(site, corpus, **options):
    options.setdefault("profile", fast_profile())
    return run_crawl(corpus, base_url=site.base, progress=False, **options)


def stored_paths(corpus):
    """Paths (and queries) of the addresses the stored documents were fetched from."""
    found = set()
    for entry in CorpusStore(corpus).entries():
        parts = urlsplit(entry.final_url)
        found.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def test_first_crawl_finds_every_document(mock_site, tmp_path):
    report = crawl(mock_site, tmp_path)
    assert mock_site.document_paths() <= stored_paths(tmp_path)
    pdfs = [h for h in mock_site.hits if h.path.endswith(".pdf")]
    assert pdfs and {h.server for h in pdfs} == {"assets"} and all(h.status == 200 for h in pdfs)
    assert report.new == report.fetched >= len(mock_site.document_paths())
    assert report.truncated == 1 and report.failed["timeout"] == 1
    assert report.failed["redirect off-host"] == 2 and report.skipped["disallowed by robots.txt"] == 1
    store = CorpusStore(tmp_path)
    pdf = store.get(mock_site.assets + "/uploads/publication-0.pdf")
    assert pdf.kind == "pdf" and store.read_body(pdf).startswith(b"%PDF")
    assert store.get(mock_site.base + "/news/news-feed/").kind == "listing"
    assert store.get(mock_site.base + "/news/news-feed/release-0/").etag


def test_robots_first_and_nothing_disallowed_or_off_host_requested(mock_site, tmp_path):
    crawl(mock_site, tmp_path)
    assert mock_site.hits[0].path == "/robots.txt" and mock_site.hits[0].server == "pages"
    first_on_assets = next(h for h in mock_site.hits if h.server == "assets")
    assert first_on_assets.path == "/robots.txt"
    paths = [h.path for h in mock_site.hits]
    assert not any(p.startswith(("/private/", "/wp-admin/", "/trap/")) or "?s=" in p for p in paths)
    # The /hmicfrs/ duplicate of a publication is the same document: not fetched twice.
    assert "/hmicfrs/publications/publication-0/" not in paths
    requests = [(h.server, h.path) for h in mock_site.hits]
    assert len(requests) == len(set(requests)) + 3    # only the retried 503, 429 and timed-out pages repeat


def test_faults_are_retried_or_counted(mock_site, tmp_path):
    report = crawl(mock_site, tmp_path)
    flaky = [h for h in mock_site.hits if h.path == "/news/news-feed/flaky-release/"]
    busy = [h for h in mock_site.hits if h.path == "/news/news-feed/busy-release/"]
    assert [h.status for h in flaky] == [503, 200] and [h.status for h in busy] == [429, 200]
    assert busy[1].time - busy[0].time >= mock_site.retry_after
    store = CorpusStore(tmp_path)
    huge = store.get(mock_site.base + "/news/news-feed/huge-release/")
    assert huge.truncated and huge.size == fast_profile().max_html_bytes
    assert report.retries >= 3 and not report.stopped
    assert "http 404" in report.failed and "sitemap malformed" in report.failed


def test_recrawl_with_nothing_changed_downloads_no_bodies(mock_site, tmp_path):
    crawl(mock_site, tmp_path)
    mark = mock_site.mark()
    report = crawl(mock_site, tmp_path)
    assert mock_site.bodies_sent(mark) == []
    assert report.fetched == 0 and report.new == report.changed == 0
    assert report.unchanged >= len(mock_site.document_paths())
    stored = mock_site.document_paths()
    conditional = [h for h in mock_site.hits_since(mark) if h.path in stored]
    assert conditional and all("If-None-Match" in h.headers for h in conditional)


def test_after_one_change_and_one_addition_exactly_those_are_downloaded(mock_site, tmp_path):
    crawl(mock_site, tmp_path)
    mock_site.change_page("/news/news-feed/release-2/")
    mock_site.add_page("/news/news-feed/brand-new/")
    mark = mock_site.mark()
    report = crawl(mock_site, tmp_path)
    assert sorted(mock_site.bodies_sent(mark)) == ["/news/news-feed/brand-new/", "/news/news-feed/release-2/"]
    assert (report.new, report.changed, report.fetched) == (1, 1, 2)
    body = CorpusStore(tmp_path).read_body(CorpusStore(tmp_path).get(mock_site.base + "/news/news-feed/release-2/"))
    assert b"Updated text." in body


def test_trusting_sitemap_lastmod_skips_requests_altogether(calm_site, tmp_path):
    profile = fast_profile(trust_sitemap_lastmod=True)
    crawl(calm_site, tmp_path, profile=profile)
    calm_site.change_page("/news/news-feed/release-1/")
    mark = calm_site.mark()
    crawl(calm_site, tmp_path, profile=profile)
    asked = {h.path for h in calm_site.hits_since(mark)}
    assert "/news/news-feed/release-0/" not in asked            # in the sitemap, unchanged: not asked
    assert calm_site.bodies_sent(mark) == ["/news/news-feed/release-1/"]


def test_a_page_gone_from_the_site_is_kept_and_marked_missing(calm_site, tmp_path):
    crawl(calm_site, tmp_path)
    del calm_site.resources["/news/news-feed/release-3/"]
    report = crawl(calm_site, tmp_path)
    entry = CorpusStore(tmp_path).get(calm_site.base + "/news/news-feed/release-3/")
    assert entry.missing_since and report.missing == 1
    assert CorpusStore(tmp_path).read_body(entry)


def test_a_killed_crawl_resumes_without_downloading_again(calm_site, tmp_path, monkeypatch):
    calls = {"n": 0}
    original = CorpusStore.put

    def dying_put(self, url, body, **meta):
        calls["n"] += 1
        if calls["n"] > 8:
            raise KeyboardInterrupt
        return original(self, url, body, **meta)

    monkeypatch.setattr(CorpusStore, "put", dying_put)
    with pytest.raises(KeyboardInterrupt):
        crawl(calm_site, tmp_path)
    monkeypatch.setattr(CorpusStore, "put", original)
    stored_before = stored_paths(tmp_path)
    assert len(stored_before) == 8
    mark = calm_site.mark()
    crawl(calm_site, tmp_path)
    again = {h.path for h in calm_site.hits_since(mark)}
    assert not (again & stored_before)               # not even a conditional request
    assert calm_site.document_paths() <= stored_paths(tmp_path)
    assert CorpusStore(tmp_path).read_state("crawl")["finished_at"]


def test_max_pages_bounds_the_crawl(calm_site, tmp_path):
    report = crawl(calm_site, tmp_path, max_pages=3)
    assert report.stopped == "max pages reached" and len(stored_paths(tmp_path)) <= 3


def test_report_as_dict_and_summary(mock_site, tmp_path):
    report = crawl(mock_site, tmp_path)
    data = json.loads(json.dumps(report.to_dict()))
    for key in ("discovered", "fetched", "unchanged", "new", "changed", "failed", "blocked", "bytes"):
        assert key in data
    assert data["failed_total"] == sum(report.failed.values())
    assert f"{report.discovered} documents discovered" in report.summary()


def test_unreachable_site_raises_crawl_error(tmp_path):
    with MockSite(faults=()) as site:
        base = site.base
    with pytest.raises(CrawlError, match="robots.txt"):
        run_crawl(tmp_path, base_url=base, profile=fast_profile(retries=0), progress=False)


def test_blocked_from_the_start_raises_and_blocked_later_stops(tmp_path):
    with MockSite(faults=()) as site:
        site.block_after = 0
        with pytest.raises(CrawlError, match="blocking"):
            crawl(site, tmp_path / "a", profile=fast_profile(block_limit=3, retries=0))
        assert len(site.hits) <= 1 + 3          # robots.txt, then it gave up
        site.block_after = len(site.hits) + 8
        report = crawl(site, tmp_path / "b", profile=fast_profile(block_limit=3, retries=0))
        assert report.blocked == 3 and "blocking" in report.stopped
        assert "blocking" in report.summary()


@pytest.mark.slow
def test_crawl_delay_is_a_floor_with_default_options(tmp_path):
    """Default options, Crawl-delay: 1.5 and a 503 on the way: no two requests closer than 1.5 s."""
    with MockSite(faults=("503",), crawl_delay=1.5, releases=1, publications=1) as site:
        site.sitemap_pages["/post-sitemap.xml"].insert(0, "/news/news-feed/flaky-release/")
        site._sitemaps()
        report = run_crawl(tmp_path, base_url=site.base, max_pages=2, progress=False)
        hits = site.hits_since(0)
    assert isinstance(report, CrawlReport)
    assert [h.status for h in hits if h.path == "/news/news-feed/flaky-release/"] == [503, 200]
    gaps = [b.time - a.time for a, b in zip(hits, hits[1:])]
    assert len(gaps) >= 5 and min(gaps) >= 1.5, gaps
