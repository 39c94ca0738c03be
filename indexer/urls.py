"""URL normalisation and stable document ids: one identity per document across the site's addresses."""

from __future__ import annotations

import hashlib
import posixpath
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

CURRENT_HOST = "hmicfrs.justiceinspectorates.gov.uk"
ASSETS_HOST = "assets-hmicfrs.justiceinspectorates.gov.uk"
LEGACY_HOST = "www.justiceinspectorates.gov.uk"
# Page hosts whose paths are the same documents as the current host's.
PAGE_HOSTS = {CURRENT_HOST, LEGACY_HOST, "justiceinspectorates.gov.uk"}
# Older path prefixes of the same documents on the shared justiceinspectorates host.
LEGACY_PREFIXES = ("/hmicfrs/", "/hmic/")
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|_ga|replytocom)$")
_FILE_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,5}$")


def strip_legacy_prefix(path: str) -> str:
    for prefix in LEGACY_PREFIXES:
        if path.startswith(prefix) and len(path) > len(prefix):
            return "/" + path[len(prefix):]
    return path


def _clean_path(path: str) -> str:
    if not path:
        return "/"
    path = re.sub(r"/{2,}", "/", path)
    trailing = path.endswith("/")
    path = posixpath.normpath(path)
    if path in (".", "//"):
        path = "/"
    if (trailing or not _FILE_SUFFIX.search(path)) and not path.endswith("/"):
        path += "/"
    return path


def _clean_query(query: str) -> str:
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not _TRACKING.match(k)]
    return urlencode(sorted(pairs))


def normalise_url(url: str) -> str:
    """Canonical form of a site URL: https, current host, no legacy prefix, no fragment or tracking.

    Hosts that are not the inspectorate's (a mirror, a test server) keep their scheme and host, but
    their paths are normalised the same way so a mirror's documents get the real site's ids.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # an invalid IPv6 host or port: not a URL anything can fetch; kept as written
        return url
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return url
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{port}" if port else "")
    is_site = host in PAGE_HOSTS
    path = _clean_path(parts.path or "/")
    # Until nothing changes, so that normalising is idempotent (`/./hmic/x`, `/hmicfrs/hmic/x`).
    while (stripped := strip_legacy_prefix(path)) != path:
        path = _clean_path(stripped)
    if is_site:
        scheme, netloc = "https", CURRENT_HOST
    elif host == ASSETS_HOST:
        scheme = "https"
    return urlunsplit((scheme, netloc, path, _clean_query(parts.query), ""))


def identity_key(url: str) -> str:
    """What makes two URLs the same document: the normalised path and query, whatever the host.

    Host-independence lets a mirror (`--base-url`) produce the real site's ids.
    """
    norm = normalise_url(url)
    try:
        parts = urlsplit(norm)
    except ValueError:
        return norm
    if parts.scheme not in ("http", "https"):
        return norm
    return parts.path + ("?" + parts.query if parts.query else "")


def document_id(url: str) -> str:
    """A stable, URL-safe id: 16 hex characters of the SHA-1 of the identity key."""
    return hashlib.sha1(identity_key(url).encode("utf-8")).hexdigest()[:16]


def is_pdf_url(url: str) -> bool:
    try:
        return urlsplit(url).path.lower().endswith(".pdf")
    except ValueError:
        return False
