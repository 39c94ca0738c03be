"""HM Inspectors quoted in a document, as canonical names, and the inspectorate region a release states."""

from __future__ import annotations

import re
from functools import lru_cache

from .. import gazetteer
from ..gazetteer import canonical_inspector, fold

_MAJESTY = r"(?:HM|H\.M\.|Her\s+Majesty['’]?s|His\s+Majesty['’]?s|Her/His\s+Majesty['’]?s)"
_FIRE = r"Fire\s+(?:&|and)\s+Rescue(?:\s+Services?)?"
_OF = rf"(?:Constabulary(?:\s+and\s+(?:of\s+)?{_FIRE})?|{_FIRE})"
_TITLE = (rf"(?:(?i:{_MAJESTY}\s+)?(?i:Chief\s+)?(?i:Inspector\s+of\s+{_OF})"
          rf"(?:\s+(?i:and\s+(?:{_MAJESTY}\s+)?(?:Chief\s+)?Inspector\s+of\s+{_FIRE}))?|HMCIC|HMI(?![\w]))")
_REGION = r"(?:,?\s+(?i:for\s+(?:the\s+)?)(?P<region>[A-Z][\w’'-]+(?:\s+(?:and\s+|of\s+)?[A-Z][\w’'-]+){0,4})\s+(?i:region)\b)?"
_NAME_WORD = r"(?:[A-Z][\w’'-]*[a-z\u00e0-\u00ff][\w’'-]*|O['’][A-Z][\w-]+)"
_NAME = rf"(?P<name>(?:(?:Sir|Dame|Dr|Lord|Lady)\s+)?{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,2}})"
_POSTNOMINALS = r"(?:,?\s+(?:CBE|OBE|MBE|QPM|KPM|CB|QFSM|DL|GBE|KBE|MA|LLB))*"
_SPEECH = re.compile(r"\b(said|says|say|commented|comments|added|adds|stated|explained|warned|concluded|told)\b", re.I)
# "HM Inspector of Constabulary for the Eastern Region, Zoë Billingham, said"
_TITLE_THEN_NAME = re.compile(rf"{_TITLE}{_REGION}\s*,?\s+{_NAME}")
# "Dru Sharpling, HM Inspector of Constabulary" / "Denis O’Connor, Chief Inspector of Constabulary"
_NAME_THEN_TITLE = re.compile(rf"{_NAME}{_POSTNOMINALS}\s*,\s+(?:the\s+)?{_TITLE}{_REGION}")
# What stands after the name in _NAME_THEN_TITLE: a comma, then the first letter of a title (HM, Her, His,
# H.M., HMCIC, HMI, Chief, Inspector).
_COMMA_THEN_TITLE = re.compile(r",\s+(?:the\s+)?(?i:[hci])")
_NOT_NAMES = {"said", "today", "the", "her", "his", "majesty", "inspectorate", "inspector", "constabulary"}
_REGION_STATEMENTS = (
    re.compile(rf"{_TITLE}{_REGION}"),
    re.compile(r"(?i:HMIC['’]?s?|HMICFRS['’]?s?)\s+(?P<region>[A-Z][\w’'-]+(?:\s+(?:and\s+|of\s+)?[A-Z][\w’'-]+){0,4})\s+(?i:region)\b"),
    re.compile(r"(?P<region>[A-Z][\w’'-]+(?:\s+(?:and\s+|of\s+)?[A-Z][\w’'-]+){0,4})\s+(?i:HMICFRS\s+(?:policing\s+|fire\s+)?region)\b"),
    re.compile(r"(?i:HMI\s+for\s+the\s+)(?P<region>[A-Z][\w’'-]+(?:\s+(?:and\s+|of\s+)?[A-Z][\w’'-]+){0,4})\s+(?i:region)\b"),
)

_REGION_WORD = re.compile(r"(?i:region)")


@lru_cache(maxsize=None)
def _known_names():
    """Every written form of a reference inspector, longest first, as a pattern over folded text."""
    forms = set()
    for person in gazetteer.inspectors():
        for variant in (person.name, *person.variants):
            key = re.sub(r",? (cbe|obe|qpm|kpm|cb|qfsm|dl|mbe|gbe|ma)\b.*$", "", fold(variant))
            forms.add(key)
            forms.add(re.sub(r"^(sir|dame|lord) ", "", key))
    ordered = sorted((f for f in forms if " " in f), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:(?:sir|dame|lord) )?(" + "|".join(re.escape(f) for f in ordered) + r")(?![\w-])")


def _clean_name(name: str) -> str | None:
    words = name.split()
    while words and words[-1].lower() in _NOT_NAMES:
        words.pop()
    if len([w for w in words if w not in ("Sir", "Dame", "Dr", "Lord", "Lady")]) < 2:
        return None
    if any(w.lower() in _NOT_NAMES for w in words):
        return None
    return canonical_inspector(" ".join(words))


def _paragraph_inspectors(paragraph: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    # _NAME_THEN_TITLE backtracks at every capital letter: only where its comma and a title's first letter stand.
    patterns = (_TITLE_THEN_NAME, _NAME_THEN_TITLE) if _COMMA_THEN_TITLE.search(paragraph) else (_TITLE_THEN_NAME,)
    for pattern in patterns:
        for match in pattern.finditer(paragraph):
            name = _clean_name(match.group("name"))
            if name:
                found.append((match.start("name"), name))
    for match in _known_names().finditer(fold(paragraph)):
        found.append((match.start(), canonical_inspector(match.group(0))))
    return found


# A word _SPEECH finds holds one of these, once its letters are lower-cased and the three letters that
# re.I also takes for an ASCII one (İ and ı for i, ſ for s) are made ASCII: a plain substring search rules
# most paragraphs out before the pattern runs.
_SPEECH_STEMS = ("said", "say", "comment", "add", "stated", "explained", "warned", "concluded", "told")
_CASE_EXTRAS = str.maketrans({"İ": "i", "ı": "i", "ſ": "s"})


def _may_quote(paragraph: str) -> bool:
    """False only where _SPEECH cannot match."""
    text = (paragraph if paragraph.isascii() else paragraph.translate(_CASE_EXTRAS)).lower()
    return any(stem in text for stem in _SPEECH_STEMS)


def quoted_inspectors(lines: list[str]) -> tuple[str, ...]:
    """Inspectors named in a paragraph that quotes someone ("said", "says", …), in order of appearance."""
    out: list[str] = []
    for index, paragraph in enumerate(lines):
        if not (_may_quote(paragraph) and _SPEECH.search(paragraph)):
            continue
        for _, name in sorted(_paragraph_inspectors(paragraph)):
            if name not in out:
                out.append(name)
    return tuple(out)


def _region_name(raw: str) -> str | None:
    words = raw.replace("’", "'").split()
    while words and words[0].lower() in ("the", "for", "in"):
        words.pop(0)
    if not words or words[0].lower() in ("this", "that", "each", "every", "a", "an", "his", "her", "its"):
        return None
    name = " ".join(w if w.lower() not in ("and", "of") else w.lower() for w in words)
    return f"{name} Region"


def stated_region(lines: list[str]) -> str | None:
    """The inspectorate region the text states, e.g. "Eastern Region"; None when it states none."""
    for paragraph in lines:
        if not _REGION_WORD.search(paragraph):   # every statement names a region: a cheap test first
            continue
        for pattern in _REGION_STATEMENTS:
            for match in pattern.finditer(paragraph):
                raw = match.groupdict().get("region")
                region = _region_name(raw) if raw else None
                if region:
                    return region
    return None
