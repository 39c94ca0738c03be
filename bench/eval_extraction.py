"""Score extraction on the real dev pages: wrap each text as the site would, extract, compare with hand labels.

    python bench/eval_extraction.py [--pages P --labels L] [--json]
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from indexer.extract import extract  # noqa: E402
from indexer.gazetteer import canonical_inspector, fold, lookup_force  # noqa: E402

DATA_DIR = PROJECT_DIR.parent / "shared" / "data"
PAGES = DATA_DIR / "hmic_pages_dev.jsonl"
LABELS = DATA_DIR / "hmic_labels_dev.jsonl"
SEED = DATA_DIR / "seed-release.txt"
SEED_URL = ("https://www.justiceinspectorates.gov.uk/hmicfrs/news/releases/"
            "northamptonshire-significantly-improved-child-protection-arrangements/")
FIELDS = ("forces", "inspector", "published", "region", "publication_types")

_NAV = ("Home", "About us", "Publications", "Police forces", "Fire & rescue services", "News", "Our work",
        "Contact us")


def wrap_page(url: str, title: str, text: str) -> str:
    """The text as the site would serve it: title with suffix, canonical link, nav, cookie banner, footer."""
    lines = [line.strip() for line in text.split("\n")]
    paragraphs = []
    heading_done = False
    for line in lines:
        if not line:
            continue
        if not heading_done and line == title.strip():
            paragraphs.append(f"<h1>{html.escape(line)}</h1>")
            heading_done = True
        elif line.startswith("• "):
            paragraphs.append(f"<ul><li>{html.escape(line[2:])}</li></ul>")
        else:
            paragraphs.append(f"<p>{html.escape(line)}</p>")
    nav = "".join(f'<li><a href="/{n.lower().replace(" ", "-")}/">{html.escape(n)}</a></li>' for n in _NAV)
    return f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8">
<title>{html.escape(title)} - HMICFRS</title>
<link rel="canonical" href="{html.escape(url)}">
<meta property="og:title" content="{html.escape(title)}">
</head><body>
<div id="cookie-banner" class="cookie-banner"><p>We use some essential cookies to make this website work.</p>
<p>We'd like to set additional cookies to understand how you use the site.</p>
<button>Accept additional cookies</button><button>Reject additional cookies</button></div>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="site-header"><a href="/">HM Inspectorate of Constabulary and Fire &amp; Rescue Services</a>
<nav aria-label="Main"><ul>{nav}</ul></nav></header>
<div class="breadcrumbs"><a href="/">Home</a> &gt; <a href="/publications/">Publications</a></div>
<main id="main">
{chr(10).join(paragraphs)}
</main>
<aside class="sidebar"><h2>Related</h2><p>Find your local police force or fire and rescue service.</p></aside>
<footer class="site-footer"><p>© Crown copyright. All content is available under the Open Government Licence v3.0.</p>
<p>Cookies Accessibility Privacy notice</p></footer>
</body></html>"""


def _load(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _force_key(name: str) -> str:
    force = lookup_force(name)
    return force.name if force else fold(name)


def _gold_and_predicted(label: dict, doc) -> dict[str, tuple[set, set]]:
    return {
        "forces": ({_force_key(f) for f in label.get("forces") or []}, {_force_key(f) for f in doc.forces}),
        "inspector": ({fold(canonical_inspector(label["inspector"]))} if label.get("inspector") else set(),
                      {fold(canonical_inspector(i)) for i in doc.inspectors}),
        "published": ({label["published"]} if label.get("published") else set(),
                      {doc.published} if doc.published else set()),
        "region": ({fold(label["region"])} if label.get("region") else set(),
                   {fold(doc.hmi_region)} if doc.hmi_region else set()),
        "publication_types": ({fold(t) for t in label.get("publication_types") or []},
                              {fold(t) for t in doc.publication_types}),
    }


def _prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = (2 * precision * recall / (precision + recall)
          if precision is not None and recall is not None and precision + recall else
          (0.0 if precision is not None and recall is not None else None))
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def seed_check(path: Path = SEED) -> dict:
    """The 2014 seed release, as plain text: Northamptonshire Police, Zoë Billingham, Eastern Region."""
    doc = extract(path.read_bytes(), SEED_URL, "text/plain")
    ok = (doc.forces == ("Northamptonshire Police",) and "Zoë Billingham" in doc.inspectors
          and doc.hmi_region == "Eastern Region")
    return {"ok": ok, "forces": list(doc.forces), "inspectors": list(doc.inspectors), "hmi_region": doc.hmi_region}


def evaluate(pages_path: Path = PAGES, labels_path: Path = LABELS, seed_path: Path | None = SEED) -> dict:
    """Precision, recall and F1 per field over all labelled pages, with the pages that disagree."""
    pages = {p["url"]: p for p in _load(pages_path)}
    counts = {f: [0, 0, 0] for f in FIELDS}
    errors: list[dict] = []
    for label in _load(labels_path):
        page = pages.get(label["url"])
        if page is None:
            continue
        body = wrap_page(page["url"], page.get("title") or "", page.get("text") or "").encode("utf-8")
        doc = extract(body, page["url"], "text/html; charset=utf-8")
        for field, (gold, predicted) in _gold_and_predicted(label, doc).items():
            tp, fp, fn = len(gold & predicted), len(predicted - gold), len(gold - predicted)
            counts[field][0] += tp
            counts[field][1] += fp
            counts[field][2] += fn
            if fp or fn:
                errors.append({"url": page["url"], "field": field, "gold": sorted(gold),
                               "predicted": sorted(predicted)})
    scores = {field: _prf(*counts[field]) for field in FIELDS}
    result = {"pages": len(pages), "scores": scores, "errors": errors}
    if seed_path is not None and Path(seed_path).exists():
        result["seed"] = seed_check(Path(seed_path))
    return result


def _fmt(value) -> str:
    return "  n/a" if value is None else f"{value:5.3f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, default=PAGES)
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--seed", type=Path, default=SEED)
    parser.add_argument("--json", action="store_true", help="print the scores as one JSON object")
    parser.add_argument("--errors", action="store_true", help="also list the pages that disagree")
    args = parser.parse_args(argv)
    if not args.pages.exists() or not args.labels.exists():
        print(f"eval_extraction: no data at {args.pages} / {args.labels}", file=sys.stderr)
        return 2
    result = evaluate(args.pages, args.labels, args.seed)
    if args.json:
        print(json.dumps(result if args.errors else {k: v for k, v in result.items() if k != "errors"},
                         ensure_ascii=False, indent=2))
        return 0
    print(f"{result['pages']} pages")
    print(f"{'field':<18} {'P':>5} {'R':>5} {'F1':>5}   tp  fp  fn")
    for field, s in result["scores"].items():
        print(f"{field:<18} {_fmt(s['precision'])} {_fmt(s['recall'])} {_fmt(s['f1'])} "
              f"{s['tp']:4d}{s['fp']:4d}{s['fn']:4d}")
    if "seed" in result:
        seed = result["seed"]
        print(f"seed release: {'ok' if seed['ok'] else 'WRONG'} — {seed['forces']}, {seed['inspectors']}, "
              f"{seed['hmi_region']}")
    if args.errors:
        for error in result["errors"]:
            print(f"  {error['field']:<18} {error['url']}\n      gold={error['gold']} predicted={error['predicted']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
