"""The site profile: which hosts and paths are the site, where discovery starts, and how politely to crawl."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .urls import strip_legacy_prefix

DEFAULT_PROFILE = Path(__file__).resolve().parent.parent / "corpus" / "site.toml"
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class ProfileError(ValueError):
    """A site profile that cannot be used; the message names the file and the setting."""


@dataclass(frozen=True)
class HostRule:
    host: str
    prefixes: tuple[str, ...] = ("/",)
    role: str = "pages"            # pages | legacy | assets

    def covers(self, path: str) -> bool:
        return any(path.startswith(p) for p in self.prefixes)


@dataclass(frozen=True)
class Exclusion:
    pattern: re.Pattern
    reason: str


@dataclass(frozen=True)
class Profile:
    name: str
    base_url: str
    hosts: tuple[HostRule, ...]
    exclusions: tuple[Exclusion, ...] = ()
    robots: str = "/robots.txt"
    sitemaps: tuple[str, ...] = ()
    listings: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ("", ".html", ".htm", ".pdf")
    listing_patterns: tuple[re.Pattern, ...] = ()
    product: str = "HMICSearchBot/0.1"
    contact: str = ""
    robots_token: str = "HMICSearchBot"
    delay: float = 1.0
    min_delay: float = 1.0
    max_delay: float = 60.0
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    fetch_deadline: float = 300.0
    retries: int = 3
    backoff: float = 2.0
    retry_after_max: float = 120.0
    block_limit: int = 5
    failure_limit: int = 20
    max_redirects: int = 5
    max_html_bytes: int = 5_000_000
    max_pdf_bytes: int = 100_000_000
    max_xml_bytes: int = 50_000_000
    max_robots_bytes: int = 500_000
    trust_sitemap_lastmod: bool = False
    pdf_recheck_days: float = 30.0
    mirror: str | None = None      # scheme://netloc of a mirror serving this site, when set
    extra_hosts: tuple[str, ...] = field(default=())   # netlocs allowed besides the profile's own

    # -- derived views -------------------------------------------------------------------------
    @property
    def user_agent(self) -> str:
        return f"{self.product} (+{self.contact})" if self.contact else self.product

    @property
    def root(self) -> str:
        """scheme://netloc that start URLs are resolved against: the mirror if any, else the site."""
        if self.mirror:
            return self.mirror
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def start_url(self, path: str) -> str:
        return self.root + path

    def replace(self, **changes) -> "Profile":
        return dataclasses.replace(self, **changes)

    def with_base_url(self, url: str) -> "Profile":
        """The same profile pointed at a mirror: the real site's hosts are rewritten onto it."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ProfileError(f"base URL {url!r} must be an http(s) URL with a host")
        return self.replace(mirror=f"{parts.scheme}://{parts.netloc.lower()}")

    def with_allowed_hosts(self, hosts) -> "Profile":
        extra = tuple(_netloc(h) for h in hosts if h)
        return self.replace(extra_hosts=self.extra_hosts + extra)

    # -- scope ---------------------------------------------------------------------------------
    def scope(self, url: str, *, document: bool = True) -> tuple[str | None, str]:
        """The URL to fetch for a link, or None and why it is out of scope.

        On a mirror, links to any of the real site's hosts are moved onto the mirror (same path).
        `document=False` (robots.txt, sitemaps, feeds) checks hosts only, not exclusions or file types.
        """
        try:
            parts = urlsplit(url.strip())
        except ValueError:
            return None, "malformed"
        if parts.scheme not in ("http", "https"):
            return None, "scheme"
        host = (parts.hostname or "").lower()
        try:
            port = parts.port
        except ValueError:
            return None, "bad port"
        netloc = host + (f":{port}" if port else "")
        path = parts.path or "/"
        target = None
        rule = self._rule(host)
        if rule is not None:
            if not rule.covers(path):
                return None, "outside the profile's paths"
            target = self.mirror or f"{parts.scheme}://{netloc}"
        elif self._is_mirror_host(parts.scheme, host, port) or netloc in self.extra_hosts:
            target = f"{parts.scheme}://{netloc}"
        elif self._is_mirror_asset_host(host, path):
            target = f"{parts.scheme}://{netloc}"
        if target is None:
            return None, "off-host"
        fetch_url = urlunsplit((*urlsplit(target)[:2], path, parts.query, ""))
        if not document:
            return fetch_url, ""
        reason = self.excluded(path, parts.query)
        if reason:
            return None, f"excluded: {reason}"
        suffix = re.search(r"\.[A-Za-z0-9]{1,5}$", path)
        if (suffix.group(0).lower() if suffix else "") not in self.extensions:
            return None, "file type"
        return fetch_url, ""

    def excluded(self, path: str, query: str = "") -> str | None:
        subject = strip_legacy_prefix(path) + (f"?{query}" if query else "")
        for rule in self.exclusions:
            if rule.pattern.search(subject):
                return rule.reason
        return None

    def is_listing(self, url: str) -> bool:
        path = strip_legacy_prefix(urlsplit(url).path or "/")
        return path in self.listings or any(p.search(path) for p in self.listing_patterns)

    def _rule(self, host: str) -> HostRule | None:
        for rule in self.hosts:
            if rule.host == host:
                return rule
        return None

    def _is_mirror_host(self, scheme: str, host: str, port: int | None) -> bool:
        """The mirror's own host, or a loopback alias of it on the same port (127.0.0.1 ~ localhost)."""
        if not self.mirror:
            return False
        m = urlsplit(self.mirror)
        m_port = m.port or (443 if m.scheme == "https" else 80)
        if (port or (443 if scheme == "https" else 80)) != m_port:
            return False
        return host == m.hostname or (_is_loopback(host) and _is_loopback(m.hostname or ""))

    def _is_mirror_asset_host(self, host: str, path: str) -> bool:
        """On a loopback mirror, another loopback port stands in for the PDF host, for its paths only."""
        if not self.mirror or not _is_loopback(host) or not _is_loopback(urlsplit(self.mirror).hostname or ""):
            return False
        assets = [p for r in self.hosts if r.role == "assets" for p in r.prefixes]
        bare = strip_legacy_prefix(path)
        return (any(bare.startswith(p) for p in assets) or bare.startswith("/wp-content/uploads/")
                or bare.lower().endswith(".pdf"))


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _netloc(host: str) -> str:
    """`localhost:8001`, `http://localhost:8001/` and `LOCALHOST:8001` all give `localhost:8001`."""
    parts = urlsplit(host if "//" in host else f"//{host}")
    return (parts.hostname or "").lower() + (f":{parts.port}" if parts.port else "")


def _table(data: dict, key: str) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ProfileError(f"[{key}] must be a table")
    return value


def load_profile(path: str | Path | None = None) -> Profile:
    """Read and validate a site profile (default: corpus/site.toml)."""
    path = Path(path) if path else DEFAULT_PROFILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"site profile {path}: {exc}") from exc
    try:
        return _build(data)
    except KeyError as exc:
        raise ProfileError(f"site profile {path}: missing {exc}") from exc
    except (TypeError, ValueError, re.error) as exc:
        raise ProfileError(f"site profile {path}: {exc}") from exc


def _build(data: dict) -> Profile:
    if "base_url" not in data:
        raise KeyError("base_url")
    hosts = tuple(HostRule(h["host"].lower(), tuple(h.get("prefixes", ["/"])), h.get("role", "pages"))
                  for h in data["hosts"])
    if not hosts:
        raise ValueError("no [[hosts]]")
    for rule in hosts:
        if rule.role not in ("pages", "legacy", "assets") or not all(p.startswith("/") for p in rule.prefixes):
            raise ValueError(f"host {rule.host}: bad role or prefixes")
    exclusions = []
    for item in data.get("exclude", []):
        if not item.get("reason"):
            raise ValueError(f"exclusion {item.get('pattern')!r} has no reason")
        exclusions.append(Exclusion(re.compile(item["pattern"]), item["reason"]))
    start, docs, agent = _table(data, "start"), _table(data, "documents"), _table(data, "agent")
    numbers = {**_table(data, "politeness"), **_table(data, "limits"), **_table(data, "incremental")}
    known = {f.name: f for f in dataclasses.fields(Profile)}
    settings = {}
    for key, value in numbers.items():
        if key not in known:
            raise ValueError(f"unknown setting {key!r}")
        default = known[key].default
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise ValueError(f"{key} must be true or false")
        elif not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{key} must be a non-negative number")
        settings[key] = type(default)(value)
    profile = Profile(
        name=data.get("name", "site"),
        base_url=data["base_url"],
        hosts=hosts,
        exclusions=tuple(exclusions),
        robots=start.get("robots", "/robots.txt"),
        sitemaps=tuple(start.get("sitemaps", ())),
        listings=tuple(start.get("listings", ())),
        feeds=tuple(start.get("feeds", ())),
        extensions=tuple(e.lower() for e in docs.get("extensions", Profile.extensions)),
        listing_patterns=tuple(re.compile(p) for p in docs.get("listing_patterns", ())),
        product=agent.get("product", Profile.product),
        contact=agent.get("contact", ""),
        robots_token=agent.get("robots_token", Profile.robots_token),
        **settings,
    )
    if profile.min_delay > profile.delay:
        raise ValueError("politeness.delay is below politeness.min_delay")
    if urlsplit(profile.base_url).hostname not in {h.host for h in hosts}:
        raise ValueError("base_url's host is not one of [[hosts]]")
    return profile
