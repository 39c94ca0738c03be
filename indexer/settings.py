"""Settings declared once (name, default, help), read from the environment and validated at start-up."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_DIR / "corpus" / "data"


class SettingsError(ValueError):
    """A setting with an unusable value; the message says which and why."""


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


SETTINGS = (
    Setting("corpus", "HMIC_CORPUS", str(DATA_DIR / "corpus"),
            "Folder of the raw corpus (fetched and ingested documents)."),
    Setting("index", "HMIC_INDEX", str(DATA_DIR / "index"), "Folder of the Whoosh index."),
)


def default(name: str) -> str:
    """The value of a setting: its environment variable if set, else its default."""
    for setting in SETTINGS:
        if setting.name == name:
            return os.environ.get(setting.env) or setting.default
    raise KeyError(name)


def data_path(value: str | os.PathLike, what: str) -> Path:
    """A folder setting, validated: it may not exist yet, but must not be a file."""
    path = Path(value).expanduser()
    if path.exists() and not path.is_dir():
        raise SettingsError(f"{what} {path} is a file, not a folder")
    return path
