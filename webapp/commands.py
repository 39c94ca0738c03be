"""The web front end's commands, `serve` and `demo`, plugged into `hmic-search` by entry point."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from indexer import settings
from indexer.cli import CONTEXT, corpus_option, crawl_kwargs, crawl_options, fail, index_option

logger = logging.getLogger(__name__)


def serve_forever(index_dir: Path, *, host: str = "127.0.0.1", port: int = 5000, threads: int = 8,
                  corpus_dir: Path | None = None, update_every: float | None = None,
                  crawl_options: dict | None = None, demo: bool = False) -> None:
    """Serve the app with waitress (a production WSGI server; Flask's debug server is never used)."""
    import waitress

    from . import create_app

    app = create_app({"INDEX_DIR": str(index_dir), "DEMO": demo})
    from indexer.index_writer import IndexCorrupt
    try:
        app.extensions["search_index"].doc_count()
    except IndexCorrupt as exc:  # serve anyway: a rebuild (by hand or --update-every) is picked up live
        click.echo(f"hmic-search: warning: {exc}", err=True)
    scheduler = None
    if update_every:
        from indexer.update import Scheduler, run_update
        scheduler = Scheduler(update_every, lambda: run_update(
            corpus_dir, index_dir, crawl_options=crawl_options or {}, lock_wait=5.0))
        scheduler.start()
        logger.warning("updates scheduled every %.0f s (the first one runs now)", update_every)
    click.echo(f"HMIC Search: serving {index_dir} on http://{host}:{port}/ (Ctrl+C to stop)")
    try:
        waitress.serve(app, host=host, port=port, threads=threads, ident="hmic-search",
                       clear_untrusted_proxy_headers=True, _quiet=True)
    finally:
        if scheduler:
            scheduler.stop()


@click.command(context_settings=CONTEXT)
@index_option
@corpus_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="Worker threads.")
@click.option("--update-every", help="Also run `update` in the background this often (e.g. 24h, 30m).")
@crawl_options
def serve(index, corpus, host, port, threads, update_every, base_url, max_pages, delay, user_agent, allow_hosts):
    """Serve the search web site and JSON API.

    With --update-every, the same process crawls and indexes on a schedule (the first run starts at
    once and the index is searchable while it grows).

    \b
    Example:
      hmic-search serve --update-every 24h
    """
    from indexer.update import parse_interval
    try:
        interval = parse_interval(update_every) if update_every else None
        serve_forever(settings.data_path(index, "index"), host=host, port=port, threads=threads,
                      corpus_dir=settings.data_path(corpus, "corpus"), update_every=interval,
                      crawl_options=crawl_kwargs(base_url, max_pages, delay, user_agent, allow_hosts))
    except (ValueError, OSError) as exc:
        fail(str(exc))


@click.command(context_settings=CONTEXT)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path),
              help="Where to build the demo corpus and index (default: corpus/data/demo).")
def demo(host, port, data):
    """Offline demo: index the sample site shipped with the project and serve it.

    The sample pages are written for the project and labelled as sample data wherever shown.

    \b
    Example:
      hmic-search demo --port 8080
    """
    from indexer.demo import build_demo
    try:
        index_dir = build_demo(data)
        serve_forever(index_dir, host=host, port=port, demo=True)
    except (ValueError, OSError) as exc:
        fail(str(exc))
