"""Reference facts shipped in corpus/reference: forces, fire and rescue services, regions, inspectors."""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "corpus" / "reference"


@dataclass(frozen=True)
class Force:
    name: str
    short: str
    aliases: tuple[str, ...]
    kind: str          # territorial, special, other-uk, fire
    region: str        # geographic region: English region, or Wales
    slug: str
    ids: tuple[str, ...] = ()   # other URL slugs seen for the body (data.police.uk id)

    @property
    def is_fire(self) -> bool:
        return self.kind == "fire"


@dataclass(frozen=True)
class Inspector:
    name: str
    variants: tuple[str, ...]


# Characters below U+0300 never combine (true of every Unicode version so far; checked, not assumed), so
# only runs of later characters need looking at one by one when accents are taken off.
_LOW_NEVER_COMBINE = not any(unicodedata.combining(chr(c)) for c in range(0x300))
_HIGH_RUN = re.compile("[^\x00-\u02ff]+")
_SPACES = re.compile(r"\s+")
_ASCII_BLANKS = ("  ", "\t", "\n", "\v", "\f", "\r", "\x1c", "\x1d", "\x1e", "\x1f")   # what \s is in ASCII, but " "


def _unmarked(run: str) -> str:
    return "".join(c for c in run if not unicodedata.combining(c))


def without_marks(text: str) -> str:
    """`text` in compatibility-decomposed form (NFKD) without its combining marks: "Zoë" → "Zoe", "ﬁ" → "fi"."""
    text = unicodedata.normalize("NFKD", text)
    if text.isascii():
        return text
    if not _LOW_NEVER_COMBINE:
        return _unmarked(text)
    return _HIGH_RUN.sub(lambda m: _unmarked(m.group()), text)


def fold(text: str) -> str:
    """Lower-case, accents removed, curly quotes and ampersands unified: a key for matching names."""
    text = without_marks(text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("&", " and ")
    # The pattern changes nothing in ASCII text whose every blank is one space; substring tests say so cheaply.
    if not text.isascii() or any(blank in text for blank in _ASCII_BLANKS):
        text = _SPACES.sub(" ", text)
    return text.strip().lower()


def _clean_alias(alias: str) -> str:
    return re.sub(r"\s*\(.*?\)\s*", " ", alias).strip()


def _split(cell: str) -> tuple[str, ...]:
    return tuple(a for a in (_clean_alias(x) for x in (cell or "").split(";")) if a)


@lru_cache(maxsize=None)
def extra_aliases(reference_dir: Path = REFERENCE_DIR) -> dict[str, tuple[str, ...]]:
    """Project aliases (corpus/reference/aliases.csv: alias,name,source) added to forces.csv's own."""
    path = reference_dir / "aliases.csv"
    out: dict[str, tuple[str, ...]] = {}
    if not path.exists():
        return out
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out[row["name"]] = out.get(row["name"], ()) + (row["alias"].strip(),)
    return out


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(re.sub(r"\(.*?\)", "", text)).replace(" and ", " and ")).strip("-")


@lru_cache(maxsize=None)
def force_by_slug() -> dict[tuple[str, bool], Force]:
    """(URL slug, is_fire) -> force, from the slugs seen on the site and slugs made from the names."""
    table: dict[tuple[str, bool], Force] = {}
    for force in forces():
        names = [force.short, force.name, *force.aliases]
        if force.is_fire:
            names += [re.sub(r"\s+(fire and rescue service|fire (&|and) rescue service|fire service|fire brigade)$", "",
                             force.name, flags=re.I)]
        slugs = [*force.ids, *(slugify(n) for n in names)]
        for slug in slugs:
            if slug:
                table.setdefault((slug, force.is_fire), force)
    return table


def lookup_slug(slug: str, fire: bool) -> Force | None:
    return force_by_slug().get((slug.lower(), fire))


@lru_cache(maxsize=None)
def forces(reference_dir: Path = REFERENCE_DIR) -> tuple[Force, ...]:
    out = []
    with open(reference_dir / "forces.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            region = "Wales" if row["nation"] == "Wales" else row["ons_region"]
            slug = (row["hmicfrs_slug"] or "").split(" ")[0]
            ids = tuple(x for x in (row.get("police_uk_id") or "", *(row["hmicfrs_slug"] or "").split(" ")) if x)
            out.append(Force(row["name"], row["short"], _split(row["aliases"]) + extra_aliases().get(row["name"], ()),
                             row["kind"], region, slug, ids))
    return tuple(out)


@lru_cache(maxsize=None)
def inspectors(reference_dir: Path = REFERENCE_DIR) -> tuple[Inspector, ...]:
    out = []
    with open(reference_dir / "inspectors.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.append(Inspector(row["name"], _split(row["name_variants"])))
    return tuple(out)


@lru_cache(maxsize=None)
def force_by_name() -> dict[str, Force]:
    """Folded full names and unambiguous aliases → force. Short names are left out: "Kent" is police and fire."""
    table: dict[str, Force] = {}
    ambiguous: set[str] = set()
    for force in forces():
        for key in (force.name, *force.aliases):
            k = fold(key)
            if k in table and table[k] is not force:
                ambiguous.add(k)
            table[k] = force
    for k in ambiguous:
        table.pop(k, None)
    return table


def lookup_force(name: str) -> Force | None:
    return force_by_name().get(fold(name))


def region_of(force_name: str) -> str | None:
    force = lookup_force(force_name)
    return force.region if force and force.region else None


def regions_for(force_names) -> tuple[str, ...]:
    """Geographic regions of the given forces, in first-seen order, without repeats."""
    seen: list[str] = []
    for name in force_names:
        region = region_of(name)
        if region and region not in seen:
            seen.append(region)
    return tuple(seen)


@lru_cache(maxsize=None)
def inspector_by_name() -> dict[str, str]:
    """Folded name variants (with and without "Sir") → canonical inspector name."""
    table: dict[str, str] = {}
    for person in inspectors():
        for variant in (person.name, *person.variants):
            k = fold(variant)
            table[k] = person.name
            table[re.sub(r"^(sir|dame|lord) ", "", k)] = person.name
    return table


def canonical_inspector(name: str) -> str:
    """The reference name of an inspector, or the name as written (tidied) when not in the table."""
    k = re.sub(r"^(sir|dame|lord) ", "", fold(name))
    k = re.sub(r",? (cbe|obe|qpm|kpm|cb|qfsm|dl|mbe)\b.*$", "", k)
    return inspector_by_name().get(k) or re.sub(r"\s+", " ", name).strip()
