"""HMIC Search: crawl, extract and index what HM Inspectorate of Constabulary publishes."""

__version__ = "0.1.0"
