"""Deprecated and removed apiVersions (the table lives in rules/deprecations.yaml)."""

from __future__ import annotations

from functools import cache

from .records import dataclass


@dataclass(frozen=True)
class Deprecation:
    api_version: str
    kind: str
    deprecated: str
    removed: str
    replacement: str | None
    note: str

    def advice(self) -> str:
        if not self.replacement:
            return self.note or "there is no replacement API"
        return f"use {self.replacement}. {self.note}".strip() if self.note else f"use {self.replacement}"


def _v(version: str) -> tuple[int, int]:
    major, minor = str(version).split(".")[:2]
    return int(major), int(minor)


@cache
def table() -> dict[tuple[str, str], Deprecation]:
    from .data import load_data

    out = {}
    for entry in load_data("deprecations.yaml"):
        for kind in entry["kinds"]:
            out[(entry["apiVersion"], kind)] = Deprecation(
                entry["apiVersion"], kind, str(entry["deprecated"]), str(entry["removed"]),
                entry.get("replacement"), entry.get("note") or "",
            )
    return out


def lookup(api_version: str, kind: str) -> Deprecation | None:
    return table().get((api_version, kind))


def removed_in(api_version: str, kind: str, target: str) -> Deprecation | None:
    """The table entry when `api_version`/`kind` is no longer served by Kubernetes `target`."""
    entry = lookup(api_version, kind)
    return entry if entry and _v(target) >= _v(entry.removed) else None


def deprecated_in(api_version: str, kind: str, target: str) -> Deprecation | None:
    """The table entry when `api_version`/`kind` is deprecated but still served by `target`."""
    entry = lookup(api_version, kind)
    return entry if entry and _v(entry.deprecated) <= _v(target) < _v(entry.removed) else None
