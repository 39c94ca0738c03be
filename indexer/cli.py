"""The `hmic-search` command line: each command validates its options, makes one library call, prints."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from pathlib import Path

import click

from . import settings

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def corpus_option(f):
    return click.option("--corpus", "corpus", type=click.Path(file_okay=False, path_type=Path),
                        default=lambda: settings.default("corpus"), show_default="$HMIC_CORPUS or corpus/data/corpus",
                        help="Folder of the raw corpus.")(f)


def index_option(f):
    return click.option("--index", "index", type=click.Path(file_okay=False, path_type=Path),
                        default=lambda: settings.default("index"), show_default="$HMIC_INDEX or corpus/data/index",
                        help="Folder of the search index.")(f)


def crawl_options(f):
    for option in reversed([
        click.option("--base-url", help="Crawl a mirror of the site at this address instead of the live site."),
        click.option("--max-pages", type=click.IntRange(min=1), help="Stop after fetching this many documents."),
        click.option("--delay", type=click.FloatRange(min=0), help="Seconds between requests to a host "
                     "(at least 1; a robots.txt Crawl-delay is a floor)."),
        click.option("--user-agent", help="User-Agent header (default identifies the project with a contact URL)."),
        click.option("--allow-host", "allow_hosts", multiple=True,
                     help="Another host to fetch from (e.g. a mirror's second host for PDFs). Repeatable."),
    ]):
        f = option(f)
    return f


def crawl_kwargs(base_url, max_pages, delay, user_agent, allow_hosts) -> dict:
    return {"base_url": base_url, "max_pages": max_pages, "delay": delay, "user_agent": user_agent,
            "allow_hosts": tuple(allow_hosts)}


def os_message(exc: OSError) -> str:
    """An operating-system error as one line an operator can act on (a full disk says so plainly)."""
    import errno
    where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return (f"the disk is full{where}: nothing more was written; what was stored before is intact. "
                "Free some space and run the command again")
    return f"{exc.strerror or exc}{where}"


def fail(message: str, code: int = 1):
    click.echo(f"hmic-search: {message}", err=True)
    sys.exit(code)


@contextlib.contextmanager
def library_errors(*expected: type[Exception]):
    """The library's errors as one line and an exit status: the only place they become CLI output."""
    from .lock import LockBusy
    try:
        yield
    except LockBusy as exc:
        from .update import EXIT_BUSY
        fail(str(exc), EXIT_BUSY)
    except (settings.SettingsError, *expected) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(os_message(exc))


def _print(report, as_json: bool) -> None:
    click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) if as_json else report.summary())


class PluginGroup(click.Group):
    """Commands of higher layers (the web front end's `serve` and `demo`) plug in through the
    `hmic_search.commands` entry point, loaded only when used, so this package never imports them."""

    def _plugins(self) -> dict:
        from importlib.metadata import entry_points
        return {ep.name: ep for ep in entry_points(group="hmic_search.commands")}

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(self._plugins()))

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is None and name in self._plugins():
            command = self._plugins()[name].load()
        return command


@click.group(cls=PluginGroup, context_settings=CONTEXT)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="hmic-search")
def cli(verbose: int) -> None:
    """Search what HM Inspectorate of Constabulary (HMIC, HMICFRS) publishes.

    Data flows one way: crawl (or ingest) → corpus → index → search / serve.

    \b
    Example:
      hmic-search update && hmic-search search "custody" --force "Kent Police"
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=max(level, logging.DEBUG), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # urllib3 logs every retry as a warning with a repr; the fetcher logs retries readably itself.
    logging.getLogger("urllib3").setLevel(logging.DEBUG if verbose >= 2 else logging.ERROR)


@cli.command(context_settings=CONTEXT)
@corpus_option
@crawl_options
@click.option("--json", "as_json", is_flag=True, help="Print the run report as JSON.")
def crawl(corpus, base_url, max_pages, delay, user_agent, allow_hosts, as_json):
    """Fetch the inspectorate's site into the corpus, politely and incrementally.

    \b
    Example:
      hmic-search crawl --max-pages 50
      hmic-search crawl --base-url http://127.0.0.1:8000/ --delay 1
    """
    from .crawl import CrawlError, run_crawl
    with library_errors(CrawlError, ValueError):
        report = run_crawl(settings.data_path(corpus, "corpus"),
                           **crawl_kwargs(base_url, max_pages, delay, user_agent, allow_hosts))
    _print(report, as_json)


@cli.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@corpus_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def ingest(paths, corpus, as_json):
    """Add local HTML, PDF or text files (or folders of them) to the corpus.

    \b
    Example:
      hmic-search ingest ~/downloads/hmic-reports/ && hmic-search index
    """
    from .ingest import ingest_paths
    with library_errors():
        report = ingest_paths(paths, settings.data_path(corpus, "corpus"))
    _print(report, as_json)


@cli.command(context_settings=CONTEXT)
@corpus_option
@index_option
@click.option("--rebuild", is_flag=True, help="Build a fresh index from the whole corpus and swap it in.")
@click.option("--wait", default=30.0, show_default=True, type=click.FloatRange(min=0),
              help="Seconds to wait for another run to finish.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def index(corpus, index, rebuild, wait, as_json):
    """Index what changed in the corpus (or everything, with --rebuild).

    \b
    Example:
      hmic-search index --rebuild
    """
    from .pipeline import index_corpus
    with library_errors():
        report = index_corpus(settings.data_path(corpus, "corpus"), settings.data_path(index, "index"),
                              rebuild=rebuild, lock_wait=wait)
    _print(report, as_json)


@cli.command(context_settings=CONTEXT)
@corpus_option
@index_option
@crawl_options
@click.option("--wait", default=30.0, show_default=True, type=click.FloatRange(min=0),
              help="Seconds to wait for another run to finish.")
@click.option("--json", "as_json", is_flag=True, help="Print the run status as JSON.")
def update(corpus, index, base_url, max_pages, delay, user_agent, allow_hosts, wait, as_json):
    """Crawl, then index what changed: what a scheduler runs.

    Exit status: 0 done; 1 could not run; 3 another run holds the lock; 4 done but some pages failed.

    \b
    Example (cron, daily at 03:15):
      15 3 * * *  hmic-search update >> /var/log/hmic-search.log 2>&1
    """
    from .crawl import CrawlError
    from .update import EXIT_PARTIAL, run_update
    with library_errors(CrawlError, ValueError):
        status = run_update(settings.data_path(corpus, "corpus"), settings.data_path(index, "index"),
                            crawl_options=crawl_kwargs(base_url, max_pages, delay, user_agent, allow_hosts),
                            lock_wait=wait)
    if as_json:
        click.echo(json.dumps(status, indent=2, ensure_ascii=False))
    else:
        click.echo(f"update done: {status['documents']} documents, {status['new']} new, "
                   f"{status['changed']} changed, {status['failed']} failed")
    failed_pages = sum((status.get("crawl") or {}).get("failed", {}).values()) + status["failed"]
    if failed_pages:
        sys.exit(EXIT_PARTIAL)


@cli.command(context_settings=CONTEXT)
@click.argument("query")
@index_option
@click.option("--force", multiple=True, help="Only documents about this force or service (repeatable: OR).")
@click.option("--region", multiple=True, help="Only this geographic region (repeatable).")
@click.option("--inspector", multiple=True, help="Only documents quoting this HM Inspector (repeatable).")
@click.option("--year", multiple=True, help="Only this year of publication (repeatable).")
@click.option("--type", "type_", multiple=True, help="Only this document type, e.g. 'news release' (repeatable).")
@click.option("--from", "date_from", help="Published on or after YYYY-MM-DD.")
@click.option("--to", "date_to", help="Published on or before YYYY-MM-DD.")
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]), default="relevance", show_default=True)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100), help="Hits to show.")
@click.option("--page", default=1, show_default=True, type=click.IntRange(1, 10000), help="Page of hits.")
@click.option("--json", "as_json", is_flag=True, help="Print the same object as /api/search.")
def search(query, index, force, region, inspector, year, type_, date_from, date_to, sort, limit, page, as_json):
    """Search the index. An empty QUERY ("") lists everything, newest first.

    Query syntax: words (all must match), "a phrase", OR, NOT, field:value (force:, inspector:,
    region:, type:, title:), wildcards (custod*).

    \b
    Example:
      hmic-search search "child protection" --force "Northamptonshire Police" --from 2013-01-01 --json
    """
    from .query import InvalidRequest, from_mapping
    from .search import SearchIndex
    params = {"q": query, "force": force, "region": region, "inspector": inspector, "year": year,
              "type": type_, "from": date_from, "to": date_to, "sort": sort, "per_page": str(limit),
              "page": str(page)}
    try:
        req = from_mapping({k: v for k, v in params.items() if v is not None})
    except InvalidRequest as exc:
        fail(str(exc), 2)
    from .index_writer import IndexCorrupt
    reader = SearchIndex(settings.data_path(index, "index"))
    try:
        result = reader.search(req)
    except InvalidRequest as exc:
        fail(str(exc), 2)
    except IndexCorrupt as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    from .textout import format_results
    click.echo(format_results(result))


@cli.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line (the record without its body).")
def extract(paths, as_json):
    """Extract records from local files without indexing them (for checking extraction).

    \b
    Example:
      hmic-search extract page.html report.pdf --json
    """
    from .extract import ExtractionError, extract as extract_record
    from .ingest import content_type_for, iter_files, url_for_file
    failed = 0
    for path in iter_files(paths):
        try:
            body = path.read_bytes()
            doc = extract_record(body, url_for_file(path), content_type_for(path, body[:1024]))
        except (ExtractionError, OSError) as exc:
            failed += 1
            click.echo(f"hmic-search: {path}: {exc}", err=True)
            continue
        meta = doc.metadata()
        meta["path"] = str(path)
        if as_json:
            click.echo(json.dumps(meta, ensure_ascii=False))
        else:
            click.echo(f"{path}: {doc.title!r} {doc.published or '-'} {doc.type}; "
                       f"forces={', '.join(doc.forces) or '-'}; inspectors={', '.join(doc.inspectors) or '-'}")
    if failed:
        sys.exit(1)


@cli.command(context_settings=CONTEXT)
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def stats(index, as_json):
    """Documents in the index (by type and year), the last update, and the index size.

    \b
    Example:
      hmic-search stats --json
    """
    from .index_writer import IndexCorrupt
    from .search import SearchIndex
    try:
        data = SearchIndex(settings.data_path(index, "index")).stats()
    except IndexCorrupt as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(f"{data['documents']} documents; last update {data['last_update'] or 'never'}; "
               f"index {data['index_bytes'] / 2**20:.1f} MB at {data['index_dir']}")
    for label, table in (("by type", data["by_type"]), ("by year", data["by_year"])):
        click.echo(f"{label}: " + ", ".join(f"{k} {v}" for k, v in table.items()))


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("hmic-search: interrupted", err=True)
        sys.exit(130)
