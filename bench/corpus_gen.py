"""Synthetic corpora for benchmarks: N page-sized documents shaped like the inspectorate's pages.

Each document comes out twice: as the record the extractor should produce (`Document`, with its
forces, regions, inspectors, year and type) and as an HTML page carrying the same facts the way the
site writes them (title, `Published on:`, `Publication types:`, `Police Forces:`, rel=canonical,
"HM Inspector of Constabulary … said:" lines). Words follow a Zipf law over a fixed vocabulary, and
everything comes from one seeded random generator, so a corpus is the same on every machine.

    python bench/corpus_gen.py --docs 10000 --out /tmp/hmic-pages
"""

from __future__ import annotations

import argparse
import html
import itertools
import math
import random
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexer import gazetteer  # noqa: E402
from indexer.record import (FRS_ASSESSMENT, NEWS_RELEASE, PEEL_ASSESSMENT, PUBLICATION_PAGE,  # noqa: E402
                            REPORT, Document)
from indexer.urls import CURRENT_HOST, document_id  # noqa: E402

SEED = 20240611
VOCABULARY_SIZE = 30_000
ZIPF_S = 1.07

# The head of the vocabulary: the words that really dominate the inspectorate's prose.
COMMON = """the of and to in a that for is be on with as are by it this we was force police has have
not or their at should from which an our its been were more they all inspection found also can these
there will officers staff public how service crime people victims report some other but when would
improve had than into effective about need forces good most who what data work make them requires
needs made understanding risk recommendations area areas vulnerable improvement time further evidence
improvements approach local leaders response management well national level across officer training
support identified cases ensure demand number process use investigations review local community
communities safeguarding partners resources plan plans effectively better policing inspectors chief
constable between within each however particularly while since example including many""".split()
DOMAIN = """custody detainees cell stop search searches domestic abuse child protection exploitation
missing children sexual efficiency legitimacy effectiveness peel integrity corruption vetting fire
rescue prevention protection firefighters incidents neighbourhood patrol burglary fraud cyber
counter-terrorism firearms mental health wellbeing workforce budget savings austerity call handling
emergency non-emergency recording crimes outcomes charge prosecution investigation detectives
intelligence digital forensics victims witnesses hate disability race ethnicity youth gangs county
lines drugs knife violence robbery homicide rape serious organised modern slavery trafficking
complaints misconduct professional standards ethics culture leadership diversity recruitment
retention uplift""".split()

TOPICS = [  # (title phrase, publication type, words the body repeats, type of document it suits)
    ("custody suites", "Custody suites", ["custody", "detainees", "cell"]),
    ("stop and search", "Stop and search", ["stop and search", "searches", "race"]),
    ("domestic abuse", "Domestic abuse", ["domestic abuse", "victims", "safeguarding"]),
    ("child protection", "Child protection", ["child protection", "missing children", "exploitation"]),
    ("crime data integrity", "Crime data integrity", ["crime recording", "recording", "crimes"]),
    ("PEEL: police effectiveness, efficiency and legitimacy", "PEEL", ["effectiveness", "efficiency"]),
    ("counter-corruption", "Counter-corruption", ["corruption", "vetting", "integrity"]),
    ("fire and rescue service inspection", "Fire and rescue", ["fire", "rescue", "prevention"]),
    ("mental health", "Mental health", ["mental health", "wellbeing"]),
    ("serious and organised crime", "Serious and organised crime", ["organised", "county lines", "drugs"]),
    ("rape investigation", "Rape", ["rape", "investigation", "prosecution"]),
    ("call handling", "Call handling", ["call handling", "emergency", "non-emergency"]),
]
HMI_REGIONS = ["Eastern Region", "Northern Region", "Southern Region", "Wales and Western Region",
               "Metropolitan Region"]
SITE = f"https://{CURRENT_HOST}"
FIRST_DAY, LAST_DAY = date(2008, 1, 1), date(2024, 12, 31)


@dataclass(frozen=True)
class Generated:
    doc: Document       # what a full extractor should make of the page
    path: str           # the page's path on the site, e.g. /news/news-feed/slug/
    html: str


def _synthetic_words(rng: random.Random, count: int) -> list[str]:
    """Pronounceable made-up words ("torvane", "kelsip"), unique, in a fixed order."""
    onsets = "b c d f g h j k l m n p r s t v w br cr dr fl gr pl pr st tr".split()
    vowels = "a e i o u ai ea io ou".split()
    codas = ["", "n", "r", "s", "t", "l", "m", "nd", "st", "rt"]
    seen, out = set(), []
    while len(out) < count:
        word = "".join(rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
                       for _ in range(rng.choice((2, 2, 3))))
        if word not in seen:
            seen.add(word)
            out.append(word)
    return out


class CorpusGenerator:
    """Deterministic documents: `generate(n)` yields the same N documents for the same seed."""

    def __init__(self, seed: int = SEED, vocabulary_size: int = VOCABULARY_SIZE, median_words: int = 600):
        self.seed = seed
        self.mu = math.log(median_words)
        rng = random.Random(seed)
        head = list(dict.fromkeys(COMMON + DOMAIN))
        self.vocabulary = head + _synthetic_words(rng, vocabulary_size - len(head))
        self.cum_weights = list(itertools.accumulate(1.0 / (rank ** ZIPF_S)
                                                     for rank in range(1, len(self.vocabulary) + 1)))
        forces = list(gazetteer.forces())
        rng.shuffle(forces)
        self.police = [f for f in forces if f.kind in ("territorial", "special") and f.region]
        self.fire = [f for f in forces if f.kind == "fire" and f.region]
        # Big forces publish more: a Zipf-like preference over a shuffled order.
        self.police_weights = [1.0 / (i + 1) ** 0.8 for i in range(len(self.police))]
        self.fire_weights = [1.0 / (i + 1) ** 0.8 for i in range(len(self.fire))]
        self.inspectors = [i.name for i in gazetteer.inspectors()]

    def words(self, rng: random.Random, n: int) -> list[str]:
        return rng.choices(self.vocabulary, cum_weights=self.cum_weights, k=n)

    def _paragraphs(self, rng: random.Random, n_words: int, topic_words: list[str]) -> list[str]:
        words = self.words(rng, n_words)
        for i in range(0, len(words), 40):  # the topic recurs, as it does in a real report
            words[rng.randrange(i, min(i + 40, len(words)))] = rng.choice(topic_words)
        sentences, start = [], 0
        while start < len(words):
            end = start + 8 + int(rng.random() * 15)
            sentences.append(" ".join(words[start:end]).capitalize() + ".")
            start = end
        paragraphs, start = [], 0
        while start < len(sentences):
            end = start + 3 + int(rng.random() * 4)
            paragraphs.append(" ".join(sentences[start:end]))
            start = end
        return paragraphs

    def document(self, i: int) -> Generated:
        rng = random.Random(self.seed * 1_000_003 + i)
        title_phrase, ptype, topic_words = rng.choice(TOPICS)
        fire = ptype == "Fire and rescue"
        pool, weights = (self.fire, self.fire_weights) if fire else (self.police, self.police_weights)
        n_forces = rng.choices((0, 1, 1, 1, 1, 2, 3), k=1)[0]
        forces = list(dict.fromkeys(rng.choices(pool, weights=weights, k=n_forces)))
        published = FIRST_DAY + timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))
        kind = rng.choices((NEWS_RELEASE, PUBLICATION_PAGE, REPORT, PEEL_ASSESSMENT, FRS_ASSESSMENT),
                           weights=(45, 25, 20, 6, 4))[0]
        if fire and rng.random() < 0.5:
            kind = FRS_ASSESSMENT
        elif kind == FRS_ASSESSMENT and not fire:
            kind = REPORT
        if kind == PEEL_ASSESSMENT and fire:
            kind = REPORT
        inspector = rng.choice(self.inspectors)
        hmi_region = rng.choice(HMI_REGIONS) if rng.random() < 0.4 else None
        who = forces[0].name if forces else "Forces in England and Wales"
        title = f"{who}: {title_phrase} {published.year}" if rng.random() < 0.7 else \
            f"{title_phrase.capitalize()} — {' '.join(self.words(rng, 4))}"
        slug = f"{i:07d}-" + "-".join(title_phrase.lower().replace(":", "").replace(",", "").split()[:4])
        path = {NEWS_RELEASE: f"/news/news-feed/{slug}/", PUBLICATION_PAGE: f"/publications/{slug}/",
                REPORT: f"/publication-html/{slug}/",
                PEEL_ASSESSMENT: f"/peel-assessments/peel-{published.year}/{slug}/",
                FRS_ASSESSMENT: f"/frs-assessment/frs-{published.year}/{slug}/"}[kind]
        n_words = max(20, min(5 * int(math.exp(self.mu)), int(rng.lognormvariate(self.mu, 0.5))))
        paragraphs = self._paragraphs(rng, n_words, topic_words)
        said = (f"HM Inspector of Constabulary for the {hmi_region}, {inspector}, said:" if hmi_region
                else f"HM Inspector of Constabulary {inspector} said:")
        quote = "“" + " ".join(self.words(rng, 25)).capitalize() + ".”"
        mention = (f"The inspection of {', '.join(f.name for f in forces)} looked at {title_phrase}."
                   if forces else f"This report looks at {title_phrase} across forces.")
        paragraphs = [mention, said, quote] + paragraphs
        url = SITE + path
        doc = Document(
            id=document_id(url), url=url, title=title, body="\n".join([title] + paragraphs),
            published=published.isoformat(), published_source="published-on", type=kind,
            publication_types=(ptype,), forces=tuple(f.name for f in forces),
            regions=gazetteer.regions_for(f.name for f in forces), hmi_region=hmi_region,
            inspectors=(inspector,))
        return Generated(doc, path, render_page(doc, url, paragraphs))

    def generate(self, n: int):
        for i in range(n):
            yield self.document(i)


def render_page(doc: Document, url: str, paragraphs: list[str]) -> str:
    e = html.escape
    label = "Fire & Rescue Services" if doc.publication_types == ("Fire and rescue",) else "Police Forces"
    day = date.fromisoformat(doc.published)
    meta = [f"<p>Published on: {day.day} {day:%B %Y}</p>",
            f"<p>Publication types: {e(', '.join(doc.publication_types))}</p>"]
    if doc.forces:
        meta.append(f"<p>{label}: {e(', '.join(doc.forces))}</p>")
    body = "\n".join(f"<p>{e(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{e(doc.title)} - HMICFRS</title>
<link rel="canonical" href="{e(url)}">
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/publications/">Publications</a></li></ul></nav></header>
<main id="main">
<h1>{e(doc.title)}</h1>
{''.join(meta)}
{body}
</main>
<footer><p>Synthetic page generated for benchmarking HMIC Search.</p></footer>
</body></html>
"""


def write_pages(generated, out_dir: Path) -> int:
    """Write pages as a mirror of the site (host/path/index.html), so ingest gives them site URLs."""
    count = 0
    for g in generated:
        page = out_dir / CURRENT_HOST / g.path.strip("/") / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(g.html, encoding="utf-8")
        count += 1
    return count


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10_000, help="How many documents (default 10000).")
    parser.add_argument("--out", type=Path, required=True, help="Folder to write the pages into.")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    n = write_pages(CorpusGenerator(args.seed).generate(args.docs), args.out)
    print(f"wrote {n} pages under {args.out} in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
