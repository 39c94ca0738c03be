"""Plain text: paragraphs as lines, the site's furniture removed, and the title from the first line."""

from __future__ import annotations

import re
import unicodedata

# Lines that are site furniture wherever they appear in page text.
_FURNITURE = re.compile(
    r"^(skip to (main )?content|english\s*cymraeg|cymraeg|english|print this document|contents|menu|search|"
    r"back to top|share this page|share|home|close|accept (all )?cookies|reject (all )?cookies|"
    r"accept additional cookies|reject additional cookies|hide this message|view cookies|cookie settings|"
    r"change your cookie settings|get the free pdf reader from adobe.*|promoting improvements|"
    r"in policing and fire & rescue|services to make everyone safer|previous|next)\s*$",
    re.I,
)
# Banners about cookies, consultations and surveys that sit above the content.
_BANNER = re.compile(
    r"^(we use (some essential )?cookies|this site uses cookies|cookies on (this|the) |"
    r"hmicfrs is consulting on|hmic is consulting on|please give us your views|"
    r"we would like your views|proposed (policing|fire and rescue|fire & rescue)[^\n]{0,80}inspection programme|"
    r"(proposed )?[^\n]{0,60}inspection programme and framework [^\n]{0,30}: for consultation)",
    re.I,
)


_BLANKS = re.compile(r"[ \t\f\v\r]+")


def normalise_space(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ").replace("\u200b", "")
    # Substring tests are much cheaper than the pattern, which changes nothing where every blank is one space.
    if "  " in text or "\t" in text or "\f" in text or "\v" in text or "\r" in text:
        text = _BLANKS.sub(" ", text)
    return text.strip()


def is_furniture(line: str) -> bool:
    return bool(_FURNITURE.match(line) or _BANNER.match(line))


def clean_lines(lines) -> list[str]:
    """Non-empty paragraphs without furniture, whitespace tidied, in reading order."""
    out = []
    for raw in lines:
        line = normalise_space(raw)
        if line and not is_furniture(line):
            out.append(line)
    return out


def text_lines(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return clean_lines(text.split("\n"))


def title_from_lines(lines: list[str]) -> str:
    """The first line that reads like a heading (short, not a field line)."""
    for line in lines[:5]:
        if len(line) <= 300 and not re.match(r"^(published on|publication types?|police forces?)\s*:", line, re.I):
            return line
    return lines[0][:300] if lines else ""
