"""The site profile: loading, validation, scope and the mapping of the real site onto a mirror."""

import pytest

from indexer.profile import ProfileError, load_profile

REAL = "https://hmicfrs.justiceinspectorates.gov.uk"
LEGACY = "https://www.justiceinspectorates.gov.uk"
ASSETS = "https://assets-hmicfrs.justiceinspectorates.gov.uk"
MIRROR = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def profile():
    return load_profile()


def test_default_profile_is_polite(profile):
    assert profile.delay >= 1.0 and profile.min_delay >= 1.0
    assert profile.contact.startswith("http") and profile.contact in profile.user_agent
    assert "/news/news-feed/" in profile.listings and "/publications/" in profile.listings
    assert all(rule.reason for rule in profile.exclusions)


@pytest.mark.parametrize("url, expected", [
    (f"{REAL}/publications/report/", f"{REAL}/publications/report/"),
    (f"{REAL}/peel-assessments/peel-2016/kent/", f"{REAL}/peel-assessments/peel-2016/kent/"),
    (f"{REAL}/publication-html/report/", f"{REAL}/publication-html/report/"),
    (f"{LEGACY}/hmicfrs/news/releases/x/", f"{LEGACY}/hmicfrs/news/releases/x/"),
    (f"{LEGACY}/hmic/publications/x/", f"{LEGACY}/hmic/publications/x/"),
    (f"{LEGACY}/cjji/inspections/x/", None),                 # another inspectorate on the shared host
    (f"{ASSETS}/uploads/report.pdf", f"{ASSETS}/uploads/report.pdf"),
    (f"{ASSETS}/elsewhere/x.pdf", None),
    (f"{REAL}/wp-content/uploads/2014/report.pdf", f"{REAL}/wp-content/uploads/2014/report.pdf"),
    (f"{REAL}/publications/x/#top", f"{REAL}/publications/x/"),
    ("https://www.gov.uk/government/", None),
    (f"{REAL}/wp-admin/post.php", None),
    (f"{REAL}/wp-json/wp/v2/posts", None),
    (f"{REAL}/?s=custody", None),
    (f"{REAL}/news/x/feed/", None),
    (f"{REAL}/news/comments/feed/", None),
    (f"{REAL}/author/admin/", None),
    (f"{REAL}/wp-content/themes/x/style.css", None),
    (f"{REAL}/wp-content/uploads/photo.jpg", None),
    ("ftp://hmicfrs.justiceinspectorates.gov.uk/x/", None),
])
def test_scope_on_the_real_site(profile, url, expected):
    assert profile.scope(url)[0] == expected


@pytest.mark.parametrize("url, expected", [
    (f"{REAL}/publications/x/", f"{MIRROR}/publications/x/"),
    (f"{LEGACY}/hmicfrs/news/x/", f"{MIRROR}/hmicfrs/news/x/"),
    (f"{ASSETS}/uploads/r.pdf", f"{MIRROR}/uploads/r.pdf"),
    (f"{MIRROR}/anything/", f"{MIRROR}/anything/"),
    ("http://localhost:8000/news/x/", "http://localhost:8000/news/x/"),       # loopback alias, same port
    ("http://localhost:9000/uploads/r.pdf", "http://localhost:9000/uploads/r.pdf"),   # a PDF host stand-in
    ("http://localhost:9000/trap/", None),                                    # ... for PDF paths only
    ("http://127.0.0.1:8000/wp-admin/", None),
    ("http://192.168.1.5:8000/news/x/", None),
])
def test_scope_on_a_mirror(profile, url, expected):
    assert profile.with_base_url(MIRROR + "/").scope(url)[0] == expected


def test_allowed_hosts_widen_the_scope(profile):
    mirror = profile.with_base_url("http://mirror.test:8080").with_allowed_hosts(["http://pdfs.test:9090/"])
    assert mirror.scope("http://pdfs.test:9090/files/a.pdf")[0] == "http://pdfs.test:9090/files/a.pdf"
    assert mirror.scope("http://localhost:9090/uploads/a.pdf")[0] is None     # not a loopback mirror


def test_start_urls_follow_the_mirror(profile):
    assert profile.start_url("/robots.txt") == f"{REAL}/robots.txt"
    assert profile.with_base_url(MIRROR).start_url("/robots.txt") == f"{MIRROR}/robots.txt"
    with pytest.raises(ProfileError):
        profile.with_base_url("file:///tmp/site")


@pytest.mark.parametrize("text, message", [
    ("name = 'x'", "missing 'base_url'"),
    ("base_url = 'https://a.test/'\n[[hosts]]\nhost = 'b.test'", "not one of"),
    ("base_url = 'https://a.test/'\n[[hosts]]\nhost = 'a.test'\n[[exclude]]\npattern = 'x'", "no reason"),
    ("base_url = 'https://a.test/'\n[[hosts]]\nhost = 'a.test'\n[politeness]\ndelay = -1", "non-negative"),
    ("base_url = 'https://a.test/'\n[[hosts]]\nhost = 'a.test'\n[politeness]\nspeed = 1", "unknown"),
    ("base_url = 'https://a.test/'\n[[hosts]]\nhost = 'a.test'\n[politeness]\ndelay = 0.5", "min_delay"),
    ("not = [toml", "site profile"),
])
def test_invalid_profiles_say_why(tmp_path, text, message):
    path = tmp_path / "site.toml"
    path.write_text(text)
    with pytest.raises(ProfileError, match=message):
        load_profile(path)
