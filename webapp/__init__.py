"""The Flask front end: search pages, document pages, the JSON API, CSV and Atom exports."""

from __future__ import annotations

import logging
import os

from flask import Flask

from indexer.search import SearchIndex
from indexer.settings import default

logger = logging.getLogger(__name__)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        INDEX_DIR=default("index"),
        DEMO=False,
        SITE_NAME="HMIC Search",
        ATOM_ENTRIES=50,
        MAX_CONTENT_LENGTH=64 * 1024,
        JSON_SORT_KEYS=False,
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    app.config["DEBUG"] = False  # never debug mode, whatever the environment says
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    if not os.path.isabs(str(app.config["INDEX_DIR"])):
        app.config["INDEX_DIR"] = os.path.abspath(app.config["INDEX_DIR"])
    # One reader for the whole process, shared by request threads; it refreshes when the index changes.
    app.extensions["search_index"] = SearchIndex(app.config["INDEX_DIR"])

    from . import api, errors, exports, security, views
    for module in (security, errors, views, api, exports):
        module.init_app(app)
    return app


def search_index(app=None) -> SearchIndex:
    from flask import current_app
    return (app or current_app).extensions["search_index"]
