"""What rules yield (Violation) and what reports show (Finding).

Rules know nothing about files, rule ids or severities: they yield a Violation, a path into the
object they were given plus a message. The engine turns it into a Finding.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import Enum
from typing import Any

from .records import dataclass

PathElem = str | int
Path = tuple[PathElem, ...]


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.ERROR: 3, Severity.WARNING: 2, Severity.INFO: 1}

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


_RENDERED: dict[Path, str] = {}
_RENDERED_LIMIT = 1 << 16


def render_path(path: Path) -> str:
    """`("spec", "containers", 0, "ports")` -> `spec.containers[0].ports`.

    Keys that are not plain identifiers (annotation keys, `app.kubernetes.io/name`) are quoted:
    `metadata.labels["app.kubernetes.io/name"]`. Paths of strings and integers are rendered once: the
    same few paths recur in thousands of findings, which then share one string.
    """
    plain = all(type(e) is str or type(e) is int for e in path)  # not 1.0 or True, which equal 1 as keys
    if plain:
        found = _RENDERED.get(path)
        if found is not None:
            return found
    text = _render(path)
    if plain:
        if len(_RENDERED) >= _RENDERED_LIMIT:
            _RENDERED.clear()
        _RENDERED[path] = text
    return text


def _render(path: Path) -> str:
    out: list[str] = []
    for elem in path:
        if isinstance(elem, int):
            out.append(f"[{elem}]")
        elif _PLAIN_KEY.match(elem):
            out.append(f".{elem}" if out else elem)
        else:
            escaped = elem.replace("\\", "\\\\").replace('"', '\\"')
            out.append(f'["{escaped}"]')
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Related:
    """Another object a cross-object violation cites (a `model.K8sObject`), with a path into it."""

    obj: Any
    path: Path = ()
    message: str = ""


@dataclass(frozen=True, slots=True)
class Op:
    """One change of an automatic fix (see k8slint.fixes). `path` leads to the node changed: from the
    object a rule checks (the engine adds where the object sits in its document).

    - quote: the plain scalar at `path` becomes a double-quoted string of the same characters
    - unquote: the quoted scalar at `path` is written plain (`text`, or its characters), reading as `value`
    - set: the scalar at `path`, now `old`, becomes `value`, written `text` (quoted when it must be)
    - rename: the key at the end of `path` becomes `value`
    - insert: the mapping at `path` gets the entry `value` = (key, data), written in flow style
    - rewrite: the mapping of scalars at `path` is replaced by the mapping `value`
    - separate: a line `---` above line `line` (two documents pasted together)
    - expand-tabs: the tabs of line `line`'s indentation become spaces (tab stops of 8)
    """

    kind: str
    path: Path = ()
    value: Any = None
    text: str | None = None
    old: Any = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class FixIntent:
    """What a rule proposes to repair a violation: a description, safe or not, the changes."""

    description: str
    safe: bool
    ops: tuple[Op, ...]


@dataclass(frozen=True, slots=True)
class Violation:
    """What a rule yields: where in the object (a path) and what is wrong.

    `severity` is only set by rules whose declaration documents two severities
    (service-target-port-undefined: error for a named port, warning for a number).
    """

    path: Path
    message: str
    related: tuple[Related, ...] = ()
    severity: Severity | None = None
    fix: FixIntent | None = None  # the change that repairs it, when the rule knows one (see k8slint.fixes)


@dataclass(frozen=True, slots=True)
class ObjectRef:
    api_version: str
    kind: str
    name: str
    namespace: str | None

    def __reduce__(self) -> tuple[Any, ...]:  # see Finding.__reduce__
        return ObjectRef, (self.api_version, self.kind, self.name, self.namespace)

    def to_json(self) -> dict[str, Any]:
        return {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "name": self.name,
            "namespace": self.namespace,
        }

    def display(self) -> str:
        """`Deployment shop/web` (`ClusterRole admin` for cluster-scoped kinds)."""
        name = self.name or "<unnamed>"
        return f"{self.kind} {self.namespace}/{name}" if self.namespace else f"{self.kind} {name}"

    def logical_name(self) -> str:
        parts = [self.namespace] if self.namespace else []
        return "/".join([*parts, self.kind, self.name or "<unnamed>"])


@dataclass(frozen=True, slots=True)
class Location:
    file: str
    line: int
    column: int

    def __reduce__(self) -> tuple[Any, ...]:  # see Finding.__reduce__
        return Location, (self.file, self.line, self.column)


@dataclass(frozen=True, slots=True)
class RelatedLocation:
    location: Location
    object: ObjectRef | None
    message: str

    def __reduce__(self) -> tuple[Any, ...]:  # see Finding.__reduce__
        return RelatedLocation, (self.location, self.object, self.message)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.location.file,
            "line": self.location.line,
            "column": self.location.column,
            "object": self.object.to_json() if self.object else None,
            "message": self.message,
        }


@dataclass(slots=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    location: Location
    object: ObjectRef | None = None
    path: str = ""
    remediation: str = ""
    #: other places that explain it (a tuple when there are none: one shared empty value for the
    #: hundreds of thousands of findings of a large run)
    related: Sequence[RelatedLocation] = ()
    suppression: Any = None  # a suppress.Suppression when suppressed (reported, never counted)
    units: tuple[str, ...] = ()  # the render units that report it (charts, overlays); () for plain files
    #: (document index, object base, fixes.FixIntent) while the run goes on; resolved into `fix`
    intent: Any = None
    fix: Any = None  # a fixes.Fix: the edits that repair it in the user's file

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its fields in order (worker processes send findings back): smaller and faster to
        load than the default state, a mapping of slot names per finding."""
        return Finding, (self.rule, self.severity, self.message, self.location, self.object, self.path,
                         self.remediation, self.related, self.suppression, self.units, self.intent, self.fix)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.file, loc.line, loc.column, self.rule, self.message)

    def to_json(self) -> dict[str, Any]:
        loc = self.location
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "file": loc.file,
            "line": loc.line,
            "column": loc.column,
            "object": self.object.to_json() if self.object else None,
            "path": self.path,
            "remediation": self.remediation,
            "related": [r.to_json() for r in self.related],
            "suppressed": self.suppression.to_json() if self.suppression else None,
            "fix": self.fix.to_json() if self.fix else None,
            **({"units": list(self.units)} if self.units else {}),
        }
