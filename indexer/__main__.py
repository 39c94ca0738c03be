"""`python -m indexer` runs the command line, as `hmic-search` does."""

from .cli import main

if __name__ == "__main__":  # a spawned worker process imports this module too: it must not run the CLI
    main()
