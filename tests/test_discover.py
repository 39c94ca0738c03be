"""Discovery parsers: robots.txt, sitemaps, feeds, page links and pagination, from bytes."""

import gzip

import pytest

from indexer import discover

BASE = "http://site.test"
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def test_robots_sitemaps_and_fractional_crawl_delay():
    robots = discover.parse_robots(b"User-agent: *\nCrawl-delay: 1.5\nDisallow: /private/\n"
                                   b"Sitemap: /sitemap_index.xml\nSitemap: http://site.test/news.xml\n")
    assert discover.robots_sitemaps(robots, BASE) == [f"{BASE}/sitemap_index.xml", f"{BASE}/news.xml"]
    assert robots.crawl_delay("HMICSearchBot") == 1.5
    assert not robots.can_fetch(f"{BASE}/private/x/", "HMICSearchBot")
    assert robots.can_fetch(f"{BASE}/news/x/", "HMICSearchBot")


@pytest.mark.parametrize("body, kind, locs, lastmods", [
    (f'<sitemapindex {NS}><sitemap><loc>{BASE}/a.xml</loc><lastmod>2024-01-02</lastmod></sitemap>'
     f"</sitemapindex>", "index", [f"{BASE}/a.xml"], ["2024-01-02"]),
    (f"<urlset {NS}><url><loc>{BASE}/p/</loc><lastmod>2023-07-18T10:00:00+00:00</lastmod></url>"
     f"<url><loc> {BASE}/q/ </loc></url></urlset>", "urlset", [f"{BASE}/p/", f"{BASE}/q/"],
     ["2023-07-18T10:00:00+00:00", None]),
    ("<urlset><url><loc>/relative/</loc></url></urlset>", "urlset", [f"{BASE}/relative/"], [None]),
    (f"<urlset><url><loc>{BASE}/ok/</loc><lastmod>2020</url><oops", "urlset", [f"{BASE}/ok/"], ["2020"]),
    (f"{BASE}/one/\n{BASE}/two/\n", "text", [f"{BASE}/one/", f"{BASE}/two/"], [None, None]),
    ("", "invalid", [], []),
    ("<html><body>not a sitemap</body></html>", "invalid", [], []),
    ("<<<>>>", "invalid", [], []),
])
def test_parse_sitemap(body, kind, locs, lastmods):
    sitemap = discover.parse_sitemap(body.encode(), f"{BASE}/sitemap.xml")
    assert sitemap.kind == kind
    assert [e.loc for e in sitemap.entries] == locs
    assert [e.lastmod for e in sitemap.entries] == lastmods


def test_malformed_sitemap_is_reported_not_raised():
    sitemap = discover.parse_sitemap(b"<urlset><url><loc>http://x/a/</loc></url><broken", "http://x/s.xml")
    assert sitemap.error
    assert [e.loc for e in sitemap.entries] == ["http://x/a/"]


def test_gzipped_sitemap():
    body = gzip.compress(f"<urlset {NS}><url><loc>{BASE}/gz/</loc></url></urlset>".encode())
    assert [e.loc for e in discover.parse_sitemap(body, BASE).entries] == [f"{BASE}/gz/"]
    assert discover.parse_sitemap(b"\x1f\x8bnot gzip", BASE).kind == "invalid"


@pytest.mark.parametrize("body, links", [
    ('<rss version="2.0"><channel><item><link>http://site.test/a/</link></item>'
     "<item><link>/b/</link></item></channel></rss>", [f"{BASE}/a/", f"{BASE}/b/"]),
    ('<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="http://site.test/c/"/>'
     '<link rel="edit" href="http://site.test/edit/"/></entry></feed>', [f"{BASE}/c/"]),
    ("<rss><channel><item><link>http://site.test/d/</link></item><item>", [f"{BASE}/d/"]),
    ("not xml at all", []),
])
def test_parse_feed(body, links):
    assert discover.parse_feed(body.encode(), f"{BASE}/feed/") == links


def test_parse_links():
    html = f"""<html><head><link rel="canonical" href="https://real.test/p/">
    <link rel="next" href="/news/page/2/"><link rel="alternate" type="application/rss+xml" href="/feed/">
    <link rel="stylesheet" href="/style.css"></head><body>
    <a href="/a/#section">a</a><a href="b/">b</a><a href="mailto:x@y.z">m</a><a href="javascript:void(0)">j</a>
    <a href="#top">top</a><a href="/a/">again</a><a rel="nofollow" href="/login/">login</a>
    <a href="{BASE}/news/?page=3">3</a></body></html>"""
    links = discover.parse_links(html.encode(), f"{BASE}/news/")
    assert links.links == [f"{BASE}/a/", f"{BASE}/news/b/", f"{BASE}/news/?page=3"]
    assert links.next_pages == [f"{BASE}/news/page/2/", f"{BASE}/news/?page=3"]
    assert links.canonical == "https://real.test/p/"
    assert links.feeds == [f"{BASE}/feed/"]


def test_parse_links_honours_base_href_and_survives_junk():
    links = discover.parse_links(b'<base href="http://other.test/dir/"><a href="x/">x</a>', f"{BASE}/")
    assert links.links == ["http://other.test/dir/x/"]
    assert discover.parse_links(b"\x00\xff<<<", BASE).links == []


@pytest.mark.parametrize("url, number", [
    ("http://s/news/news-feed/page/2/", 2), ("http://s/publications/?page=3", 3),
    ("http://s/publications/?_paged=4&type=x", 4), ("http://s/news/", None), ("http://s/page/x/", None),
])
def test_page_number(url, number):
    assert discover.page_number(url) == number


@pytest.mark.parametrize("link, listing, expected", [
    ("http://s/news/page/2/", "http://s/news/", True),
    ("http://s/news/?page=2", "http://s/news/page/3/", True),
    ("http://s/other/page/2/", "http://s/news/", False),
    ("http://t/news/page/2/", "http://s/news/", False),
    ("http://s/news/x/", "http://s/news/", False),
])
def test_is_pagination_of(link, listing, expected):
    assert discover.is_pagination_of(link, listing) is expected


@pytest.mark.parametrize("lastmod, stored, fetched_at, newer", [
    ("2024-01-02T00:00:00+00:00", "2024-01-01T00:00:00+00:00", None, True),
    ("2024-01-01T00:00:00+00:00", "2024-01-01T00:00:00+00:00", None, False),
    ("2024-01-01T01:00:00+01:00", "2024-01-01T00:00:00+00:00", None, False),   # same instant
    ("2023-12-31", None, "2024-01-01T09:00:00+00:00", False),
    ("2024-01-01", None, "2024-01-01T09:00:00+00:00", True),    # a bare date: may be later that day
    ("2024-01-01T08:00:00Z", None, "2024-01-01T09:00:00+00:00", False),
    ("2024-01-01T10:00:00Z", None, "2024-01-01T09:00:00+00:00", True),
    (None, "2024-01-01", None, True),
    ("garbage", "2024-01-01", None, True),
    ("2024-01-01", None, None, True),
])
def test_lastmod_is_newer(lastmod, stored, fetched_at, newer):
    assert discover.lastmod_is_newer(lastmod, stored, fetched_at) is newer
