"""`update` end to end against a local site shaped like the real one: crawl + index, incremental, withdrawn pages."""


import pytest

from conftest import lock_held_elsewhere, run_cli
from indexer.query import from_mapping
from indexer.search import SearchIndex
from indexer.update import EXIT_BUSY, parse_interval, run_update
from indexer.urls import document_id
from mock_site import MockSite, fast_profile


@pytest.fixture
def site():
    with MockSite(faults=frozenset()) as site:
        yield site


def update(site, tmp_path):
    return run_update(tmp_path / "corpus", tmp_path / "index",
                      crawl_options={"base_url": site.base, "profile": fast_profile()})


def documents(tmp_path, **params):
    reader = SearchIndex(tmp_path / "index")
    try:
        return reader.search(from_mapping({"q": "", "per_page": "100", **params}))
    finally:
        reader.close()


def test_update_indexes_each_page_and_report_once(site, tmp_path):
    status = update(site, tmp_path)
    expected = {document_id(site.base + path) for path in site.document_paths()}
    result = documents(tmp_path)
    assert status["ok"] and status["documents"] == result["total"] == len(expected)
    assert {h["id"] for h in result["hits"]} == expected
    reports = documents(tmp_path, type="report")["hits"]
    assert any(h["url"].endswith(".pdf") for h in reports)
    # A report PDF is paired with the publication page that links it.
    pdf = next(h for h in reports if h["url"].endswith(".pdf"))
    related = SearchIndex(tmp_path / "index").related(pdf["id"])
    assert related["parent"] and "/publications/" in related["parent"]["url"]
    # and is about the forces its page is about, so a force filter finds it
    assert pdf["forces"] == related["parent"]["forces"] == ["Northamptonshire Police"]


def test_second_update_downloads_and_indexes_nothing_then_exactly_the_changes(site, tmp_path):
    update(site, tmp_path)
    mark = site.mark()
    again = update(site, tmp_path)
    assert site.bodies_sent(mark) == []
    assert again["new"] == again["changed"] == 0
    site.change_page("/news/news-feed/release-1/")
    site.add_page("/news/news-feed/release-new/")
    mark = site.mark()
    third = update(site, tmp_path)
    assert sorted(site.bodies_sent(mark)) == ["/news/news-feed/release-1/", "/news/news-feed/release-new/"]
    assert (third["new"], third["changed"]) == (1, 1)


def test_a_page_gone_from_the_site_stays_searchable_marked_withdrawn(site, tmp_path):
    update(site, tmp_path)
    gone = "/news/news-feed/release-2/"
    del site.resources[gone]
    update(site, tmp_path)
    reader = SearchIndex(tmp_path / "index")
    doc = reader.document(document_id(site.base + gone))
    assert doc is not None and doc.withdrawn


def test_status_is_shown_by_stats_and_healthz(site, tmp_path):
    update(site, tmp_path)
    stats = SearchIndex(tmp_path / "index").stats()
    assert stats["last_update"] and stats["last_run"]["crawl"]["fetched"] > 0
    from webapp import create_app
    health = create_app({"INDEX_DIR": str(tmp_path / "index")}).test_client().get("/healthz").get_json()
    assert health["documents"] == stats["documents"] and health["last_update"] == stats["last_update"]


def test_update_refuses_cleanly_while_another_run_holds_the_lock(tmp_path):
    index = tmp_path / "index"
    with lock_held_elsewhere(index):
        proc = run_cli("update", "--base-url", "http://127.0.0.1:9/", "--index", index, "--corpus",
                       tmp_path / "corpus", "--wait", "0.2", check=False)
    assert proc.returncode == EXIT_BUSY and "Traceback" not in proc.stderr


def test_update_that_cannot_reach_the_site_fails_with_one_line(tmp_path):
    proc = run_cli("update", "--base-url", "http://127.0.0.1:9/", "--index", tmp_path / "index", "--corpus",
                   tmp_path / "corpus", check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("hmic-search: ")


@pytest.mark.parametrize("text, seconds", [("24h", 86400), ("30m", 1800), ("1d", 86400), ("90", 90)])
def test_intervals(text, seconds):
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "10s", "-1h"])
def test_bad_intervals(text):
    with pytest.raises(ValueError):
        parse_interval(text)


def test_scheduler_runs_at_once_then_every_interval_and_outlives_a_failed_run():
    import time as _time
    from indexer.update import Scheduler
    calls = []

    def run():
        calls.append(_time.monotonic())
        if len(calls) == 1:
            raise RuntimeError("site unreachable")
        return {"documents": 1}
    scheduler = Scheduler(0.2, run)
    scheduler.start()
    _time.sleep(0.7)
    scheduler.stop()
    scheduler.join(2)
    assert len(calls) >= 3 and not scheduler.is_alive()


def test_serve_with_scheduled_updates_starts_and_serves(tmp_path, serve):
    import json
    import urllib.request
    server = serve("serve", "--index", tmp_path / "index", "--corpus", tmp_path / "corpus",
                   "--update-every", "24h", "--base-url", "http://127.0.0.1:9/")
    with urllib.request.urlopen(server.url + "/healthz") as response:
        assert json.load(response)["status"] == "ok"
