"""Render units: Helm charts and Kustomize overlays turned into documents to lint, with a way back
from every rendered field to the line of the user's source that produced it.

A renderer produces a `Unit`: rendered sources (text in memory, one per template or build), a
`SourceMapper` per rendered source, and the problems found while rendering (already located in the
user's files). The engine lints a unit like any other set of files, then asks the mapper where each
finding belongs (`k8slint.engine`).
"""

from __future__ import annotations

from dataclasses import field
from typing import Protocol

from ..discovery import Notice, Source
from ..findings import Finding, Location, Path, RelatedLocation
from ..records import dataclass


@dataclass(frozen=True, slots=True)
class Mapped:
    """Where a finding on a rendered field belongs in the user's files."""

    location: Location
    related: tuple[RelatedLocation, ...] = ()
    exact: bool = True  # False when only an ancestor (or the action that produced it) was found


class SourceMapper(Protocol):
    def map(self, document: int, path: Path, line: int, column: int) -> Mapped:
        """The source location of `path` in rendered document `document`, found at (line, column)
        of the rendered text."""
        ...

    def map_position(self, line: int, column: int) -> Mapped:
        """The source location of a position of the rendered text (a YAML error in the output)."""
        ...

    def suppressed_rules(self, document: int) -> frozenset[str]:
        """Rules this unit knows not to report on a document (e.g. apiVersions chosen by a
        `.Capabilities` test that the renderer could not answer)."""
        ...


@dataclass
class Unit:
    """One cluster view: a chart rendered with one value set, a kustomization root built, or the
    plain files of the run."""

    name: str  # shown to users: `chart charts/web (values: prod)`, `kustomization deploy/overlays/prod`
    kind: str  # "files" | "folder" (listed in `units:`) | "helm" | "kustomize"
    sources: list[Source] = field(default_factory=list)
    mappers: dict[str, SourceMapper] = field(default_factory=dict)  # rendered source name -> mapper
    findings: list[Finding] = field(default_factory=list)  # render problems, located in source files
    notices: list[Notice] = field(default_factory=list)
    files: dict[str, int] = field(default_factory=dict)  # source file -> objects it rendered
    origins: dict[str, str] = field(default_factory=dict)  # rendered source name -> the source file
    only: set[str] | None = None  # report findings in these source files only (named templates)
    namespace: str | None = None  # where objects without a namespace go (a chart's release namespace)
    seconds: float = 0.0  # time spent rendering

    @property
    def plain(self) -> bool:
        """Files linted as they are (not rendered)."""
        return self.kind in ("files", "folder")
