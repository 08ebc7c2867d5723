"""Planning a run: which files are linted as they are, which charts and overlays are rendered, and
how they group into units (each unit one cluster view for cross-object rules)."""

from __future__ import annotations

from .discovery import Discovery, Notice
from .render import Unit
from .settings import Settings


def plan(found: Discovery, settings: Settings) -> tuple[list[Unit], list[tuple[str, str]], list[Notice]]:
    """(units, skipped files with reasons, notices). The plain files come first, as one unit."""
    from .render import helm

    notices: list[Notice] = []
    skipped = list(found.skipped)
    units: list[Unit] = [Unit("files", "files", sources=list(found.sources))]
    renderer = helm.backend() if settings.render and found.charts else None
    for chart in found.charts.values():
        if renderer is None:
            notices.append(helm.chart_notice(chart, settings.render))
            continue
        units.extend(helm.chart_units(chart, settings, renderer))
    return units, skipped, notices
