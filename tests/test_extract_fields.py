"""Table-driven tests of each field cascade on short texts."""

import pytest

from indexer.extract import extract
from indexer.extract.dates import parse_date, release_number
from indexer.extract.forces import forces
from indexer.extract.inspectors import quoted_inspectors, stated_region
from indexer.extract.types import publication_types, type_from_url
from indexer.record import (FORCE_PAGE, FRS_ASSESSMENT, NEWS_ITEM, NEWS_RELEASE, PEEL_ASSESSMENT,
                            PUBLICATION_PAGE, REPORT)


@pytest.mark.parametrize("text, expected", [
    ("12 March 2014", "2014-03-12"),
    ("Published on: 18 July 2023", "2023-07-18"),
    ("March 12, 2014", "2014-03-12"),
    ("2014-03-12T10:00:00+00:00", "2014-03-12"),
    ("12/03/2014", "2014-03-12"),
    ("1st Sept 2019", "2019-09-01"),
    ("31 February 2014", None),
    ("sometime in 2014", None),
    ("", None),
])
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("title, url, expected", [
    ("#022/2013 – Police custody in Kent", "", "022/2013"),
    ("#8/2011 Something", "", "008/2011"),
    ("Release", "https://www.justiceinspectorates.gov.uk/hmic/news/releases-2010/release-013-2010", "013/2010"),
    ("No number here", "https://x/news/news-feed/some-story/", None),
])
def test_release_number(title, url, expected):
    assert release_number(title, [], url) == expected


@pytest.mark.parametrize("lines, title, url, expected", [
    (["Police Forces: Northamptonshire"], "Child protection report", "", ("Northamptonshire Police",)),
    (["Fire & Rescue Services: Kent"], "Kent fire inspection", "", ("Kent Fire and Rescue Service",)),
    (["Police Forces: Avon and Somerset, Devon and Cornwall"], "Joint report", "",
     ("Avon and Somerset Constabulary", "Devon and Cornwall Police")),
    (["Police Forces: All forces"], "National report on Kent and Essex", "", ()),
    (["Some text"], "Essex 2018/19", "https://hmicfrs.justiceinspectorates.gov.uk/frs-assessment/frs-2018/essex/",
     ("Essex County Fire and Rescue Service",)),
    (["Some text"], "Essex 2014", "https://www.justiceinspectorates.gov.uk/hmicfrs/peel-assessments/peel-2014/essex/",
     ("Essex Police",)),
    (["Some text"], "Overall summary", "https://hmicfrs.justiceinspectorates.gov.uk/peel-reports/thames-valley-2023-25/",
     ("Thames Valley Police",)),
    (["Some text"], "Overall summary",
     "https://hmicfrs.justiceinspectorates.gov.uk/frs-assessments/greater-manchester-2023-2025/",
     ("Greater Manchester Fire and Rescue Service",)),
    ([], "The Met must improve its response to victims", "", ("Metropolitan Police Service",)),
    ([], "GMP custody: positive findings", "", ("Greater Manchester Police",)),
    ([], "Northants praised for child protection work", "", ("Northamptonshire Police",)),
    ([], "Police Custody in North Yorkshire – generally positive", "", ("North Yorkshire Police",)),
    ([], "West Midlands Fire Service is performing well", "", ("West Midlands Fire Service",)),
    ([], "Concerns over West Midlands Police's performance", "", ("West Midlands Police",)),
    (["This is the first assessment of Kent Fire and Rescue Service by the fire inspectorate, looking at how it "
      "keeps people safe."], "Kent 2018/19", "", ("Kent Fire and Rescue Service",)),
    (["Inspectors found that the force met most of its targets and that officers met victims promptly."],
     "A report on crime recording", "", ()),
    (["We inspected Kent Police, Essex Police, Surrey Police, Sussex Police and Thames Valley Police on how they "
      "police protests."], "Getting the balance right?", "", ()),
    ([], "Forces have risen to the finance challenge", "", ()),
])
def test_forces(lines, title, url, expected):
    assert forces(lines, title, url) == expected


@pytest.mark.parametrize("line, expected", [
    ("HM Inspector of Constabulary for the Eastern Region, Zoë Billingham, said:", ("Zoë Billingham",)),
    ("HM Inspector of Constabulary Zoe Billingham said:", ("Zoë Billingham",)),
    ("HMI Zöe Billingham said today", ("Zoë Billingham",)),
    ("Her Majesty’s Chief Inspector of Constabulary, Sir Thomas Winsor, said:", ("Sir Thomas Winsor",)),
    ("HM Chief Inspector of Constabulary Tom Winsor said:", ("Sir Thomas Winsor",)),
    ("said Nick Hardwick, Chief Inspector of Prisons, and Dru Sharpling, HM Inspector of Constabulary, publishing",
     ("Dru Sharpling",)),
    ("Peter Clarke, HM Chief Inspector Prisons, and HM Inspector of Constabulary, Dru Sharpling, said: “Overall",
     ("Dru Sharpling",)),
    ("said Dame Anne Owers, Chief Inspector of Prisons, and Denis O’Connor, Chief Inspector of Constabulary",
     ("Sir Denis O'Connor",)),
    ("Nick Hardwick and Dru Sharpling said:", ("Dru Sharpling",)),
    ("His Majesty’s Inspector of Fire & Rescue Services Roy Wilsher said:", ("Roy Wilsher",)),
    ("Her Majesty’s Inspector of Constabulary and Fire & Rescue Services, Olivia Pinkney, said:",
     ("Olivia Pinkney",)),
    ("Zoë Billingham, Her Majesty’s Inspector of Fire and Rescue Services", ()),
    ("HMICFRS said the force must improve.", ()),
    ("Nick Hardwick, Chief Inspector of Prisons, said:", ()),
])
def test_quoted_inspectors(line, expected):
    assert quoted_inspectors([line]) == expected


@pytest.mark.parametrize("line, expected", [
    ("HM Inspector of Constabulary for the Eastern Region, Zoë Billingham, said:", "Eastern Region"),
    ("Dru Sharpling, HM Inspector of Constabulary for the London region, said", "London Region"),
    ("HMIC region: The force is in HMIC’s National region", "National Region"),
    ("This force is in the Wales and Western HMICFRS policing region.", "Wales and Western Region"),
    ("Contact her via the Eastern regional office.", None),
    ("HM Inspector of Constabulary Zoë Billingham said:", None),
    ("Forces in the East Midlands region work together.", None),
])
def test_stated_region(line, expected):
    assert stated_region([line]) == expected


@pytest.mark.parametrize("url, expected", [
    ("https://www.justiceinspectorates.gov.uk/hmicfrs/news/releases/0122012-police-custody/", NEWS_RELEASE),
    ("https://www.justiceinspectorates.gov.uk/hmicfrs/news/releases-2010/release-013-2010", NEWS_RELEASE),
    ("https://hmicfrs.justiceinspectorates.gov.uk/news/news-feed/some-story/", NEWS_ITEM),
    ("https://hmicfrs.justiceinspectorates.gov.uk/publications/gwent-joint-inspection/", PUBLICATION_PAGE),
    ("https://hmicfrs.justiceinspectorates.gov.uk/publication-html/state-of-fire/", REPORT),
    ("https://assets-hmicfrs.justiceinspectorates.gov.uk/uploads/report.pdf", REPORT),
    ("https://hmicfrs.justiceinspectorates.gov.uk/peel-assessments/peel-2016/kent/", PEEL_ASSESSMENT),
    ("https://hmicfrs.justiceinspectorates.gov.uk/peel-reports/kent-2021-22/", PEEL_ASSESSMENT),
    ("https://hmicfrs.justiceinspectorates.gov.uk/frs-assessment/frs-2018/essex/", FRS_ASSESSMENT),
    ("https://hmicfrs.justiceinspectorates.gov.uk/police-forces/kent/", FORCE_PAGE),
    ("https://hmicfrs.justiceinspectorates.gov.uk/publications/", "page"),
])
def test_type_from_url(url, expected):
    assert type_from_url(url) == expected


@pytest.mark.parametrize("line, expected", [
    ("Publication types: Criminal justice joint inspections and Custody suites",
     ("Criminal justice joint inspections", "Custody suites")),
    ("Publication types: Crime recording", ("Crime recording",)),
    ("Publication types: Letter, Revisit and Fire & rescue services", ("Letter", "Revisit", "Fire & rescue services")),
    ("Publication types: Police and crime commissioners", ("Police and crime commissioners",)),
    ("Nothing here", ()),
])
def test_publication_types(line, expected):
    assert publication_types(["Title", line]) == expected


@pytest.mark.parametrize("text, published, source", [
    ("Title\nPublished on: 24 March 2021\nText", "2021-03-24", "published-on"),
    ("Title\nText about 21 September 2020, when things happened.", None, None),
    ("Title\nPublished on: 18 July 2023\nThis report was first published on 12 June 2018.\nText",
     "2018-06-12", "text (original; page re-stamped 2023-07-18)"),
])
def test_published_from_text(text, published, source):
    doc = extract(text.encode(), "https://hmicfrs.justiceinspectorates.gov.uk/publications/x/", "text/plain")
    assert (doc.published, doc.published_source) == (published, source)


def test_meta_date_is_the_original_of_a_restamped_page():
    page = ("<html><head><title>Old report - HMICFRS</title>"
            '<meta property="article:published_time" content="2018-03-01T09:00:00+00:00"></head>'
            "<body><main><h1>Old report</h1><p>Published on: 18 July 2023</p><p>Text.</p></main></body></html>")
    doc = extract(page.encode(), "https://hmicfrs.justiceinspectorates.gov.uk/publications/old-report/")
    assert doc.published == "2018-03-01"
    assert doc.published_source.startswith("meta (original")


def test_release_number_flags_a_suspected_restamp():
    text = "#022/2013 – Police custody in Kent\nPublished on: 18 July 2023\nText"
    doc = extract(text.encode(), "https://hmicfrs.justiceinspectorates.gov.uk/news/releases/x/", "text/plain")
    assert doc.release_number == "022/2013"
    assert doc.published == "2023-07-18"
    assert "re-stamp suspected" in doc.published_source


# ---- the text keys: fold() and normalise_space() as their plain definitions give them ---------------------
def _fold_by_definition(text: str) -> str:
    import re
    import unicodedata
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("&", " and ")
    return re.sub(r"\s+", " ", text).strip().lower()


def _normalise_space_by_definition(text: str) -> str:
    import re
    import unicodedata
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ").replace("\u200b", "")
    return re.sub(r"[ \t\f\v\r]+", " ", text).strip()


TRICKY_TEXTS = ["", " ", "Zoë Billingham", "Zoe\u0308  Billingham", "Devon & Cornwall", "Kent’s\tforce", "ﬁre  ﬂag",
                "\u00a0Gwent\u200b Police\u00a0", "a\x0bb\x0cc\rd\n\ne", "İstanbul ıs ſo", "ﷺ ㎞ Å Å", "\u3000x\u2028y\x85",
                "e\u0301\u0301 \u0345\u05b0 \U0001d400", "Ꙁ\ua66f\u0300a", "  two  spaces  ", "\t\t", "x" * 3 + "\u0308" * 3]


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_fold_and_normalise_space_match_their_definitions(text):
    from indexer.extract.text import normalise_space
    from indexer.gazetteer import fold
    assert fold(text) == _fold_by_definition(text)
    assert normalise_space(text) == _normalise_space_by_definition(text)


def test_fold_matches_its_definition_on_every_character():
    from indexer.gazetteer import fold
    for block in range(0, 0x110000, 0x1000):
        chars = [chr(c) for c in range(block, block + 0x1000) if not 0xD800 <= c < 0xE000]
        text = " a".join(chars)
        assert fold(text) == _fold_by_definition(text), hex(block)


def _lead_by_definition(lines, title):
    from indexer.gazetteer import fold
    body = [line for line in lines if fold(line) != fold(title)]
    lead = next((line for line in body[:8] if len(line) >= 60), "")
    return lead, " \n".join(body)[:1500]


@pytest.mark.parametrize("sizes", [[], [10] * 3, [10] * 20, [59] * 7 + [60] * 3, [400] * 10, [100] * 15, [1500], [0] * 30])
def test_lead_reads_only_as_far_as_it_needs(sizes):
    from indexer.extract.forces import _lead
    title = "Kent Police custody"
    lines = [title] + [(f"Line {i} about Kent Police " + "x" * n)[:max(n, 1)] for i, n in enumerate(sizes)] + [title]
    assert _lead(lines, title) == _lead_by_definition(lines, title)


def test_the_cheap_speech_test_never_rules_out_a_paragraph_the_pattern_finds():
    import re

    from indexer.extract.inspectors import _CASE_EXTRAS, _SPEECH, _SPEECH_STEMS, _may_quote
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    for letter in sorted(set("".join(_SPEECH_STEMS))):   # every character re.I takes for the letter
        for char in re.findall(letter, every, re.I):
            assert char.translate(_CASE_EXTRAS).lower() == letter, char
    for text in ["SAİD", "ſays", "Commented:", "she ADDS", "tOLD us", "nothing here", "saying", "Zoë sAıd"]:
        assert _may_quote(text) or not _SPEECH.search(text), text


@pytest.mark.parametrize("paragraph", [
    "Dru Sharpling, HM Inspector of Constabulary, said: good.",
    "Sir Denis O’Connor, Chief Inspector of Constabulary, said", "Zoë Billingham CBE, the hm inspector of constabulary",
    "Wendy Williams,\tHMI for Wales, said", "Tom Winsor, HMCIC, said", "Matt Parr, ınspector of constabulary, said",
    "Roy Wilsher, Her Majesty’s Inspector of Fire & Rescue Services, said", "Mike Cunningham said: fine.",
    "Kent Police, said the report", "Andy Cooke, İnspector of Constabulary", "no names here, said nobody",
])
def test_the_comma_test_never_rules_out_a_name_then_title(paragraph):
    from indexer.extract.inspectors import _COMMA_THEN_TITLE, _NAME_THEN_TITLE
    assert _COMMA_THEN_TITLE.search(paragraph) or not _NAME_THEN_TITLE.search(paragraph)
