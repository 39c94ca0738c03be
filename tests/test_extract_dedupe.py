"""Report pairing and near-duplicate detection over records."""

from indexer.dedupe import find_duplicates, mark_duplicates, pair_reports
from indexer.record import NEWS_ITEM, PUBLICATION_PAGE, REPORT, Document
from indexer.urls import document_id

HOST = "https://hmicfrs.justiceinspectorates.gov.uk"
PDF = "https://assets-hmicfrs.justiceinspectorates.gov.uk/uploads/gwent-custody.pdf"
TEXT = " ".join(f"Sentence {i} about custody suites in Gwent and how detainees are treated." for i in range(60))


def doc(url, **fields):
    return Document(id=document_id(url), url=url, **fields)


def test_pair_reports_sets_parent_from_report_links():
    release = doc(f"{HOST}/news/news-feed/gwent-custody/", type=NEWS_ITEM,
                  report_links=(f"{HOST}/publications/gwent-custody/",))
    publication = doc(f"{HOST}/publications/gwent-custody/", type=PUBLICATION_PAGE, report_links=(PDF,))
    report = doc(PDF, type=REPORT)
    other = doc(f"{HOST}/publications/other/", type=PUBLICATION_PAGE)
    paired = {d.id: d for d in pair_reports([release, publication, report, other])}
    assert paired[report.id].parent == publication.id
    assert paired[publication.id].parent == release.id
    assert paired[release.id].parent is None and paired[other.id].parent is None


def test_publication_page_wins_over_release_as_parent():
    release = doc(f"{HOST}/news/news-feed/x/", type=NEWS_ITEM, report_links=(PDF,))
    publication = doc(f"{HOST}/publications/x/", type=PUBLICATION_PAGE, report_links=(PDF,))
    report = doc(PDF, type=REPORT)
    paired = {d.id: d for d in pair_reports([release, report, publication])}
    assert paired[report.id].parent == publication.id


def test_pairing_follows_legacy_addresses():
    publication = doc(f"{HOST}/publications/x/", type=PUBLICATION_PAGE,
                      report_links=(f"{HOST}/publication-html/x/",))
    report = doc("https://www.justiceinspectorates.gov.uk/hmicfrs/publication-html/x", type=REPORT)
    assert pair_reports([publication, report])[1].parent == publication.id


def test_no_cycle_between_two_pages_linking_each_other():
    a = doc(f"{HOST}/publications/a/", type=PUBLICATION_PAGE, report_links=(f"{HOST}/publication-html/a/",))
    b = doc(f"{HOST}/publication-html/a/", type=REPORT, report_links=(f"{HOST}/publications/a/",))
    paired = {d.id: d for d in pair_reports([a, b])}
    assert paired[b.id].parent == a.id and paired[a.id].parent is None


def test_near_duplicates_at_two_urls():
    a = doc(f"{HOST}/publications/gwent-custody/", body="Skip to content\n" + TEXT)
    b = doc(f"{HOST}/publications/gwent-custody-2/", body=TEXT + "\nHMICFRS is consulting on its programme.")
    c = doc(f"{HOST}/publications/other/", body=" ".join(f"Other text number {i} on crime data." for i in range(60)))
    exact = doc(f"{HOST}/publications/copy/", body=TEXT.upper())
    assert find_duplicates([a, b, c, exact]) == [sorted([a.id, b.id, exact.id])]


def test_pages_about_different_forces_are_not_duplicates():
    a = doc(f"{HOST}/publication-html/kent/", body=TEXT + " Kent", forces=("Kent Police",))
    b = doc(f"{HOST}/publication-html/essex/", body=TEXT + " Essex", forces=("Essex Police",))
    assert find_duplicates([a, b]) == []


def test_mark_duplicates_flags_all_but_the_first():
    a = doc(f"{HOST}/publications/a/", body=TEXT)
    b = doc(f"{HOST}/publications/b/", body=TEXT)
    marked = mark_duplicates([a, b])
    first, second = sorted([a.id, b.id])
    flags = {d.id: d.flags for d in marked}
    assert flags[first] == () and flags[second] == (f"duplicate-of:{first}",)
