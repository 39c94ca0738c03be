"""`python -m indexer` runs the command line, as `hmic-search` does."""

from .cli import main

main()
