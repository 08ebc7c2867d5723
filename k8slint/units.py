"""Planning a run: which files are linted as they are, which charts and overlays are rendered, and
how they group into units (each unit one cluster view for cross-object rules)."""

from __future__ import annotations

import os

from .discovery import Discovery, Notice, Source
from .findings import Finding, Location
from .registry import REGISTRY
from .render import Unit
from .settings import Settings


def plan(found: Discovery, settings: Settings) -> tuple[list[Unit], list[tuple[str, str]], list[Notice]]:
    """(units, skipped files with reasons, notices). The plain files come first, as one unit."""
    notices: list[Notice] = []
    skipped = list(found.skipped)
    units: list[Unit] = []
    if found.charts:  # imported only when there is a chart: a run of plain files does not pay for it
        from .render import helm

        renderer = helm.backend() if settings.render else None
        for chart in found.charts.values():
            if renderer is None:
                notices.append(helm.chart_notice(chart, settings.render))
                continue
            units.extend(helm.chart_units(chart, settings, renderer))
    plain = list(found.sources)
    if found.kustomizations:
        plain = _kustomizations(found, settings, plain, units, skipped, notices)
    folders = _folders(plain, settings) if settings.units is not None else {}
    plain = [s for s in plain if s not in folders]
    grouped: dict[str, list[Source]] = {}
    for source, folder in folders.items():
        grouped.setdefault(folder, []).append(source)
    declared = [Unit(f"unit {name}", "folder", sources=members) for name, members in sorted(grouped.items())]
    return [Unit("files", "files", sources=plain), *declared, *units], skipped, notices


def _folders(sources: list[Source], settings: Settings) -> dict[Source, str]:
    """The `units:` folder (or file) of each plain source inside one: the outermost of its folders, or
    the file itself, that a glob matches (a glob matches a folder and everything under it). Globs are
    relative to the configuration file's folder; files outside it belong to no declared unit."""
    matches, base = settings.units, settings.units_base
    assert matches is not None
    known: dict[str, bool] = {}
    out: dict[Source, str] = {}
    for source in sources:
        if source.path is None:
            continue
        rel = os.path.relpath(os.path.abspath(source.path), base)
        if rel == ".." or rel.startswith(".." + os.sep):
            continue
        parts = rel.split(os.sep)
        for depth in range(1, len(parts) + 1):
            candidate = os.path.join(base, *parts[:depth])
            hit = known.get(candidate)
            if hit is None:
                hit = known[candidate] = matches(candidate)
            if hit:
                out[source] = os.path.relpath(candidate)
                break
    return out


def _kustomizations(found: Discovery, settings: Settings, plain: list[Source], units: list[Unit],
                    skipped: list[tuple[str, str]], notices: list[Notice]) -> list[Source]:
    """Build the kustomization roots; return the plain sources that no built root consumes."""
    from .render import kustomize

    names = kustomize.Names({os.path.realpath(s.path): s.name for s in plain if s.path is not None})
    names.update({os.path.realpath(kustomize.find_file(real) or file): file
                  for real, (file, _) in found.kustomizations.items()})
    cache: dict[str, kustomize.Kustomization] = {}
    nodes = {}
    for real, (file, _) in found.kustomizations.items():
        nodes[real] = cache[real] = kustomize.load(real, file if os.path.isfile(file) else None, names)
    referenced = {child for node in nodes.values() for child in node.children}
    roots = [node for real, node in nodes.items()
             if found.kustomizations[real][1] and real not in referenced and not node.component]
    rule = REGISTRY["kustomize-build-error"]
    consumed: set[str] = set()  # built: nothing of it is plain
    patches: set[str] = set()  # not built: its patches and inputs are not plain (they are partial objects)
    tool = kustomize.builder() if settings.render and roots else None
    unbuilt: list[kustomize.Kustomization] = []
    for root in roots:
        if root.problem is not None:
            units.append(Unit(f"kustomization {root.file}", "kustomize", findings=[Finding(
                rule.id, rule.severity, f"the kustomization cannot be read: {root.problem}", Location(root.file, 1, 1),
                remediation=rule.remediation)]))
            continue
        tree = kustomize.tree(root, cache, names)
        if (tree.remote or tree.helm) and not settings.kustomize.allow_remote:
            notices.append(kustomize.remote_notice(tree))
            unbuilt.append(root)
            patches |= {f for node in tree.nodes for f in node.consumed}
            continue
        if tool is None:
            unbuilt.append(root)
            patches |= {f for node in tree.nodes for f in node.consumed}
            continue
        units.append(kustomize.build_unit(tree, settings, tool))
        consumed |= tree.files()
    if unbuilt and tool is None and settings.render:
        notices.append(kustomize.no_builder_notice(unbuilt))
    for real, node in nodes.items():  # kustomizations looked up for a file named inside them
        if not found.kustomizations[real][1]:
            patches |= node.consumed
    out = []
    for source in plain:
        real = os.path.realpath(source.path) if source.path is not None else ""
        if real in consumed:
            continue
        if real in patches:
            skipped.append((source.name, "part of a Kustomize overlay (a patch or generator input): checked when "
                                         "its kustomization is built"))
            continue
        out.append(source)
    return out
