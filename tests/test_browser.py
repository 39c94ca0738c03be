"""A real `hmic-search serve` driven in Debian's Chromium: facets narrow to their counts, documents, the CSV."""

import csv
import json
import os
import shutil
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import PROJECT, SHARED_DATA, ServerProcess, run_cli, wrap_page

pytestmark = pytest.mark.browser
ARTIFACTS = PROJECT / "test-artifacts"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    reason = None
    if not path:
        reason = "Debian's chromium is not installed (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright Python package is not installed"
    if reason:
        if os.environ.get("HMIC_REQUIRE_BROWSER") == "1":
            pytest.fail(f"HMIC_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    return path


# A word many documents share: "custody" in the real pages, "police" in the smaller sample site.
QUERY = "custody" if (SHARED_DATA / "hmic_pages_dev.jsonl").exists() else "police"


def _pages(folder: Path) -> Path:
    """The real pages when this clone has them, else the sample site shipped with the project."""
    source = SHARED_DATA / "hmic_pages_dev.jsonl"
    if not source.exists():
        return PROJECT / "corpus" / "sample"
    folder.mkdir()
    with open(source, encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            page = json.loads(line)
            (folder / f"page-{n:03d}.html").write_text(wrap_page(page["url"], page["title"], page["text"]),
                                                      encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    _chromium()
    root = tmp_path_factory.mktemp("browser")
    corpus, index = root / "corpus", root / "index"
    run_cli("ingest", _pages(root / "pages"), "--corpus", corpus)
    run_cli("index", "--corpus", corpus, "--index", index)
    process = ServerProcess("serve", "--index", index)
    yield process
    process.stop()


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=_chromium(), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and "400" not in msg.text else None)
    yield page
    context.close()
    assert not errors, errors  # no script errors and no CSP violations


def api_total(server, params) -> int:
    with urllib.request.urlopen(f"{server.url}/api/search?{urllib.parse.urlencode(params)}") as response:
        return json.load(response)["total"]


def shown_total(page) -> int:
    return int(page.locator("h2.description").get_attribute("data-total"))


def facet_choice(page, facet: str, total: int, skip=()):
    """A value of a facet, not yet selected, whose count narrows the results: (value, count)."""
    for box in page.locator(f"fieldset#facet-{facet} input[type=checkbox]:not(:checked)").all():
        value = box.get_attribute("value")
        count = int(page.locator(f"label[for='{box.get_attribute('id')}'] .count").get_attribute("data-count"))
        if 0 < count < total and value not in skip:
            return value, count
    pytest.fail(f"no {facet} value narrows {total} results")


def tick(page, facet: str, value: str):
    with page.expect_navigation():
        page.locator(f"fieldset#facet-{facet} input[type=checkbox][value='{value}']").check()


def test_facets_narrow_to_their_counts_document_and_csv(server, page, tmp_path):
    page.goto(f"{server.url}/?q={QUERY}")
    total = shown_total(page)
    assert total == api_total(server, {"q": QUERY}) > 2
    assert page.locator("li.hit").count() == min(total, 20)

    first, count = facet_choice(page, "force", total)
    tick(page, "force", first)
    assert shown_total(page) == count
    assert page.locator(f"fieldset#facet-force input[value='{first}']").is_checked()
    assert f"force={urllib.parse.quote_plus(first)}" in page.url  # the URL is the permalink

    second, _ = facet_choice(page, "force", total, skip={first})
    tick(page, "force", second)  # OR within a facet
    either = api_total(server, [("q", QUERY), ("force", first), ("force", second)])
    assert shown_total(page) == either and either >= count
    assert page.locator("fieldset#facet-force input:checked").count() == 2

    kind, kind_count = facet_choice(page, "type", either + 1)
    tick(page, "type", kind)  # AND across facets: the count shown is the total it gives
    assert shown_total(page) == kind_count
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "search-with-facets.png"), full_page=True)

    with page.expect_navigation():
        page.locator("a.remove-filter", has_text=first).click()
    assert shown_total(page) == api_total(server, [("q", QUERY), ("force", second), ("type", kind)])
    assert not page.locator(f"fieldset#facet-force input[value='{first}']").is_checked()

    with page.expect_download() as download_info:
        page.locator("#download-csv").click()
    target = tmp_path / "results.csv"
    download_info.value.save_as(target)
    with open(target, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == shown_total(page) and len({r["id"] for r in rows}) == len(rows)

    with page.expect_navigation():
        page.locator("a.clear-all").click()
    assert shown_total(page) == total

    hit = page.locator("li.hit h3 a").first
    title = hit.inner_text()
    with page.expect_navigation():
        hit.click()
    assert page.locator("h1").inner_text() == title
    assert page.locator("dl.metadata a.source-link").get_attribute("href").startswith("https://")
    page.screenshot(path=str(ARTIFACTS / "document.png"), full_page=True)


def test_force_list_is_searchable_and_keeps_selected_values(server, page):
    page.goto(f"{server.url}/?force=Nowhere+Constabulary")
    assert shown_total(page) == 0
    kept = page.locator("fieldset#facet-force input[value='Nowhere Constabulary']")
    assert kept.is_checked()  # selected values are shown even at count 0
    page.goto(f"{server.url}/")
    finder = page.locator("#facet-filter-force")
    if not finder.count():
        pytest.skip("too few forces in this corpus for a searchable list")
    values = page.locator("fieldset#facet-force li.facet-value")
    before = values.count()
    finder.fill("police")
    visible = [v for v in values.all() if v.is_visible()]
    assert visible and all("police" in v.inner_text().lower() for v in visible)
    assert len(visible) < before or all("police" in v.inner_text().lower() for v in values.all())
    finder.fill("zzzz-no-such-force")
    assert not [v for v in values.all() if v.is_visible()]
    assert "0 of" in page.locator("#facet-filter-status-force").inner_text()


def test_invalid_date_is_a_message_on_the_page(server, page):
    response = page.goto(f"{server.url}/?q={QUERY}&from=2020-02-30")
    assert response.status == 400
    summary = page.locator(".error-summary")
    assert summary.is_visible() and "2020-02-30" in summary.inner_text()
    assert page.evaluate("document.activeElement.id") == "error"  # focus moves to the message
    assert page.locator("#from").get_attribute("aria-invalid") == "true"


def test_narrow_screens_show_results_first(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{server.url}/?q={QUERY}")
    assert not page.locator("#filters-panel").evaluate("el => el.open")
    assert page.locator("li.hit").first.is_visible()
    page.locator(".filters-toggle").click()
    assert page.locator("fieldset#facet-force").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "search-narrow.png"), full_page=False)
    context.close()
