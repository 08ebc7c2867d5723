"""Data files shipped with k8slint: the repository's rules/ and schemas/ folders.

In the installed package they are the `k8slint._rules` and `k8slint._schemas` packages (see
pyproject.toml: the folders are mapped, not copied, so the repository keeps one copy).
"""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path
from typing import Any

_REPO = Path(__file__).resolve().parent.parent


def _folder(package: str, repo_folder: str) -> Path:
    # the package's folder from its import spec (importlib.resources would cost a small run 4 ms of
    # imports); a source tree that was not installed has no such package
    try:
        spec = importlib.util.find_spec(package)
    except ModuleNotFoundError:
        spec = None
    locations = list(spec.submodule_search_locations or ()) if spec is not None else []
    return Path(locations[0]) if locations else _REPO / repo_folder


def fixtures_folder() -> Path:
    """The fixtures/ folder (rule examples for `k8slint explain`)."""
    return _folder("k8slint._fixtures", "fixtures")


def data_folder() -> Path:
    """The rules/ folder (packs and data tables)."""
    return _folder("k8slint._rules", "rules")


@cache
def load_data(name: str) -> Any:
    """A YAML data file of rules/, parsed with our own parser (first document)."""
    from .parser import decode, parse

    path = _folder("k8slint._rules", "rules") / name
    text, problem = decode(path.read_bytes())
    if text is None:
        raise ValueError(f"{path}: {problem}")
    result = parse(text, str(path))
    if result.problems:
        raise ValueError(f"{path}: {result.problems[0]}")
    return result.documents[0].data if result.documents else None


@cache
def load_schema(name: str) -> Any:
    """A JSON Schema of schemas/."""
    with open(_folder("k8slint._schemas", "schemas") / name, encoding="utf-8") as handle:
        return json.load(handle)
