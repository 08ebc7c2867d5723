"""Test isolation: rule packs loaded through a configuration register rules for the whole process;
each test starts from the catalog as it was."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from k8slint import policies
from k8slint.catalog import load


@pytest.fixture(autouse=True)
def _restore_the_catalog() -> Iterator[None]:
    registry = load()
    rules = dict(registry.rules)
    loaded = set(policies._LOADED)
    yield
    registry.rules.clear()
    registry.rules.update(rules)
    policies._LOADED.clear()
    policies._LOADED.update(loaded)
