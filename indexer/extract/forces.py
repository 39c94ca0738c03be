"""The forces and fire and rescue services a document is about, as canonical names from the reference table."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from .. import gazetteer
from ..gazetteer import Force, fold, without_marks

_EXPLICIT = re.compile(r"^(police forces?|forces?|fire (?:&|and) rescue services?|fire and rescue authorit(?:y|ies))"
                       r"\s*:\s*(.+)$", re.I)
_NATIONAL_ITEM = re.compile(r"^(all|national|none|n/a|england and wales|all forces|all services)\b", re.I)
_SLUG_PATHS = (
    (re.compile(r"/peel-assessments/peel-\d{4}/([a-z0-9-]+)"), False),
    (re.compile(r"/peel-reports/([a-z0-9-]+?)(?:-\d{4}(?:-\d{2,4})?)?/"), False),
    (re.compile(r"/police-forces/([a-z0-9-]+)"), False),
    (re.compile(r"/frs-assessment/frs-\d{4}/([a-z0-9-]+)"), True),
    (re.compile(r"/frs-assessments/([a-z0-9-]+?)(?:-\d{4}(?:-\d{2,4})?)?/"), True),
    (re.compile(r"/fire-and-rescue-services/([a-z0-9-]+)"), True),
)
_FIRE_WORDS = re.compile(r"\b(fire|frs|firefighters?|fire brigade|fire service|fire and rescue)\b", re.I)
_POLICE_WORDS = re.compile(r"\b(police|constabulary|policing|peel|custody|crime|officers?|forces?)\b", re.I)
_AFTER_FIRE = re.compile(r"^\W{0,3}(fire|frs\b|county fire)", re.I)
_AFTER_POLICE = re.compile(r"^\W{0,3}(police|constabulary|force\b|peel)", re.I)
# Short names that are ordinary words or places far more often than they name a force or service.
_SHORT_STOP = {"london", "avon", "city of london", "isle of wight", "hampshire and isle of wight", "cornwall",
               "west midlands fire"}
_THEMATIC_TITLE = re.compile(r"\b(forces|services|national|nationally|england and wales|all \d+|state of (policing|fire)|"
                             r"annual (report|assessment)|thematic|inspection programme)\b", re.I)
_MANY = 4   # this many distinct bodies near the top of a page means a list or a national page


def _plain(text: str) -> str:
    """Accents removed and ampersands spelled out, case kept: for matching acronyms and one-word names."""
    return without_marks(text).replace("\u2019", "'").replace("&", " and ")


@lru_cache(maxsize=None)
def _tables():
    """Two patterns: multi-word names (case-insensitive, folded) and one-word names (case-sensitive)."""
    exact: dict[str, Force | None] = {}      # folded name -> force (None when several share it)
    shorts: dict[str, list[Force]] = {}       # folded short name -> forces sharing it
    for force in gazetteer.forces():
        for name in (force.name, *force.aliases):
            key = fold(name)
            exact[key] = None if key in exact and exact[key] is not force else force
        short = fold(re.sub(r"\(.*?\)", "", force.short))
        if short and short not in _SHORT_STOP and short not in exact:
            shorts.setdefault(short, []).append(force)
    keys = {k: ("exact", v) for k, v in exact.items() if v is not None}
    for k, v in shorts.items():
        keys.setdefault(k, ("short", v))
    multi = sorted((k for k in keys if " " in k), key=len, reverse=True)
    multi_re = re.compile(r"(?<![\w-])(" + "|".join(re.escape(k) for k in multi) + r")(?![\w-])")
    # One-word names are matched as written: "Kent" or "GMP", never the verb "met".
    display = {}
    for force in gazetteer.forces():
        for name in (force.name, *force.aliases, re.sub(r"\(.*?\)", "", force.short).strip()):
            if " " not in name.strip() and fold(name) in keys:
                display[_plain(name).strip()] = fold(name)
    single_re = re.compile(r"(?<![\w-])(" + "|".join(re.escape(k) for k in sorted(display, key=len, reverse=True))
                           + r")(?![\w-])")
    return keys, multi_re, single_re, display


def mentions(text: str) -> list[tuple[int, str, tuple[Force, ...], str]]:
    """(position, matched text, candidate forces, following text) for each force named in `text`."""
    keys, multi_re, single_re, display = _tables()
    found = []
    folded = fold(text)
    taken: list[tuple[int, int]] = []
    for match in multi_re.finditer(folded):
        kind, value = keys[match.group(1)]
        forces = (value,) if kind == "exact" else tuple(value)
        taken.append((match.start(), match.end()))
        found.append((match.start(), match.group(1), forces, folded[match.end():match.end() + 30]))
    plain = re.sub(r"\s+", " ", _plain(text)).strip()
    # Positions differ slightly between the two forms; overlap is judged on the folded form of the word.
    for match in single_re.finditer(plain):
        key = display[match.group(1)]
        start = folded.find(key, max(0, match.start() - 10))
        if any(a <= start < b for a, b in taken):
            continue
        kind, value = keys[key]
        forces = (value,) if kind == "exact" else tuple(value)
        found.append((start if start >= 0 else match.start(), key, forces,
                      plain[match.end():match.end() + 30].lower()))
    found.sort(key=lambda m: m[0])
    return found


def _fire_context(url: str, title: str, lead: str) -> bool:
    path = urlsplit(url).path.lower()
    if re.search(r"/(frs-assessments?|fire-and-rescue-services|fire)/", path):
        return True
    if re.search(r"/(peel-assessments|peel-reports|police-forces)/", path):
        return False
    fire = 3 * len(_FIRE_WORDS.findall(title)) + len(_FIRE_WORDS.findall(lead))
    police = 3 * len(_POLICE_WORDS.findall(title)) + len(_POLICE_WORDS.findall(lead))
    return fire > police


def resolve(candidates: tuple[Force, ...], following: str, fire: bool) -> Force | None:
    if len(candidates) == 1:
        return candidates[0]
    if _AFTER_FIRE.match(following):
        wanted = True
    elif _AFTER_POLICE.match(following):
        wanted = False
    else:
        wanted = fire
    current = [f for f in candidates if f.is_fire == wanted and "historical" not in f.short]
    pool = current or [f for f in candidates if f.is_fire == wanted] or list(candidates)
    return pool[0]


def named(text: str, fire: bool) -> list[str]:
    """Canonical names of the bodies named in `text`, in order of first mention, without repeats."""
    out: list[str] = []
    for _, _, candidates, following in mentions(text):
        force = resolve(candidates, following, fire)
        if force and force.name not in out:
            out.append(force.name)
    return out


def from_explicit_lines(lines: list[str]) -> tuple[str, ...] | None:
    """`Police Forces: Gwent` / `Fire & Rescue Services: Kent`; None when the page has no such line."""
    found: list[str] = []
    seen_line = False
    for line in lines[:40]:
        match = _EXPLICIT.match(line)
        if not match:
            continue
        seen_line = True
        fire = "fire" in match.group(1).lower()
        items = match.group(2)
        if _NATIONAL_ITEM.match(items):
            continue
        for name in named(items, fire):
            if name not in found:
                found.append(name)
    return tuple(found) if seen_line else None


def from_url(url: str) -> tuple[str, ...] | None:
    path = urlsplit(url).path.lower()
    if not path.endswith("/"):
        path += "/"
    for pattern, fire in _SLUG_PATHS:
        match = pattern.search(path)
        if match:
            force = gazetteer.lookup_slug(match.group(1), fire)
            if force:
                return (force.name,)
    return None


def from_title(title: str, fire: bool) -> tuple[str, ...] | None:
    names = named(title, fire)
    if not names:
        return None
    return tuple(names) if len(names) < _MANY else ()


_WINDOW = 1500


def _lead(lines: list[str], title: str) -> tuple[str, str]:
    """The first substantial paragraph after the title, and a wider window of the page's opening."""
    key = fold(title)
    body: list[str] = []
    size = -2
    for line in lines:   # only as far as the first 8 paragraphs and the window reach
        if len(body) >= 8 and size >= _WINDOW:
            break
        if fold(line) != key:
            body.append(line)
            size += len(line) + 2
    lead = ""
    for line in body[:8]:
        if len(line) >= 60:
            lead = line
            break
    return lead, " \n".join(body)[:_WINDOW]


def from_lead(lines: list[str], title: str, fire: bool,
              opening: tuple[str, str] | None = None) -> tuple[str, ...] | None:
    """`opening`: what _lead(lines, title) gives, when the caller has it already."""
    if _THEMATIC_TITLE.search(title):
        return ()
    lead, window = opening or _lead(lines, title)
    if len(named(window, fire)) >= _MANY:
        return ()
    names = named(lead, fire)
    if not names:
        return None
    return tuple(names[:2]) if len(names) <= 2 else ()


def forces(lines: list[str], title: str, url: str) -> tuple[str, ...]:
    """Explicit field lines, then the URL of a force's own page, then the title, then the lead."""
    explicit = from_explicit_lines(lines)
    if explicit is not None:
        return explicit
    slug = from_url(url)
    if slug is not None:
        return slug
    opening = _lead(lines, title)
    fire = _fire_context(url, title, opening[0])
    found = from_title(title, fire)
    if found is None:
        found = from_lead(lines, title, fire, opening)
    return found if found is not None else ()
