"""Bytes to text without ever raising: BOM, declared charset, UTF-8, then cp1252 with replacement."""

from __future__ import annotations

import codecs
import re

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]+)", re.I)
# Replacement characters and control characters other than tab, line feed, form feed and carriage return.
_BROKEN = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")


def charset_from_bom(body: bytes) -> str | None:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    return None


def declared_charset(body: bytes, content_type: str | None) -> str | None:
    """The charset named by the Content-Type header, else by a <meta> tag near the start."""
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        if match:
            return match.group(1)
    match = _META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii", "replace") if match else None


def _known(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode(body: bytes, content_type: str | None = None) -> str:
    """Text of `body`; undecodable bytes become U+FFFD rather than an exception."""
    bom = charset_from_bom(body)
    if bom:
        return body[len(codecs.BOM_UTF8) if bom == "utf-8" else 2:].decode(bom, "replace").lstrip("\ufeff")
    declared = _known(declared_charset(body, content_type))
    if declared and declared not in ("utf-8", "ascii"):
        try:
            return body.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared and declared not in ("utf-8", "ascii"):
        return body.decode(declared, "replace")
    # UTF-8 with a few bad bytes stays UTF-8 (its multi-byte characters decode); else a legacy single-byte page.
    text = body.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    good = sum(1 for c in text if ord(c) > 127 and c != "\ufffd")
    if bad == 0 or (good and bad <= good * 3 + 2):
        return text
    return body.decode("cp1252", "replace")


def replacement_ratio(text: str) -> float:
    """Share of characters that are replacement or control characters: how broken the decoding is."""
    if not text:
        return 0.0
    bad = len(text) - len(_BROKEN.sub("", text))
    return bad / len(text)
