"""Command-line paths -> what each file is: plain manifests, Helm charts, Kustomize kustomizations,
and files that are none of them (listed with a reason, never linted).

- A directory holding `Chart.yaml` is a chart root. Its `templates/`, `charts/` and `ci/` are never
  read as plain YAML; `crds/` holds plain manifests; `Chart.yaml`, `Chart.lock`, `values*.yaml`
  and `values.schema.json` are never manifests. A template named on the command line renders its
  chart and reports that template only; a named `Chart.yaml` or values file renders the chart.
- A directory holding `kustomization.yaml`, `kustomization.yml` or `Kustomization` is a
  kustomization; which files it consumes is decided later (`k8slint.units`), once every
  kustomization of the run is known.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import field

from .records import dataclass
from .safeio import read_file, read_stdin

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
CHART_FILE = "Chart.yaml"
#: Chart subdirectories that are never plain YAML (templates, subcharts, chart-testing values).
CHART_SKIPPED_DIRS = ("templates", "charts", "ci")


def display_path(path: str) -> str:
    """A path as the user gave it, normalised (`./k8s/../x.yaml` is `x.yaml`), safe to print:
    undecodable bytes become U+FFFD."""
    return os.path.normpath(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def is_chart_file(name: str) -> bool:
    """Files of a chart that are never manifests."""
    return (name in (CHART_FILE, "Chart.lock", "values.schema.json")
            or (name.startswith("values") and name.endswith((".yaml", ".yml"))))


@dataclass(frozen=True, slots=True)
class Source:
    name: str  # the path as given (or as found under a given directory), printable
    path: str | None  # filesystem path; None for standard input or rendered text
    text: str | None = None  # rendered output (a chart's template, a kustomization's build)
    unit: str | None = None  # the render unit this rendered text belongs to

    def read(self, limit: int) -> bytes:
        """The content; safeio.ReadError when it is not a regular file or larger than `limit`."""
        if self.text is not None:
            return self.text.encode("utf-8", "surrogateescape")
        if self.path is None:
            return read_stdin(limit)
        return read_file(self.path, limit)


@dataclass(frozen=True, slots=True)
class Notice:
    """A path that was not linted. `error` notices make the run exit with code 2."""

    name: str
    message: str
    error: bool


@dataclass
class Chart:
    path: str  # the chart directory, as found
    only: set[str] | None = None  # real paths of the templates named on the command line (None: all)


@dataclass
class Discovery:
    sources: list[Source] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason): not manifests
    charts: dict[str, Chart] = field(default_factory=dict)  # real path of the chart directory -> chart
    #: real path of a kustomization directory -> (its kustomization file as found, found by the walk
    #: or named, i.e. a candidate to build; False when only looked up for a file named inside it)
    kustomizations: dict[str, tuple[str, bool]] = field(default_factory=dict)


def discover(paths: Iterable[str], follow_symlinks: bool = False) -> Discovery:
    """The sources under `paths`. Symbolic links found while walking a directory are followed only
    when they stay inside that directory, unless `follow_symlinks` (a committed `vendor -> /usr`
    must not make a CI run lint, and print, the runner's file system)."""
    found = Discovery()
    seen_files: set[tuple[int, int]] = set()
    for given in paths:
        if given == STDIN:
            found.sources.append(Source("<stdin>", None))
            continue
        name = display_path(given)
        try:
            info = os.stat(given)
        except FileNotFoundError:
            if os.path.islink(given):
                found.notices.append(Notice(name, "broken symbolic link: skipped", False))
            else:
                found.notices.append(Notice(name, "no such file or directory", True))
            continue
        except OSError as exc:
            found.notices.append(Notice(name, f"cannot access: {exc.strerror}", True))
            continue
        if stat.S_ISDIR(info.st_mode):
            _walk(given, found, seen_files, None if follow_symlinks else os.path.realpath(given))
        elif not _named_file(given, found):
            _add_file(given, info, found, seen_files)
    return found


def _chart_of_template(path: str) -> str | None:
    """The outermost chart whose templates (or a subchart's) hold `path`, if any."""
    directory = os.path.dirname(os.path.abspath(path))
    chart = None
    while True:
        if os.path.basename(directory) == "templates" and os.path.isfile(
                os.path.join(os.path.dirname(directory), CHART_FILE)):
            chart = os.path.dirname(directory)
            break
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent
    # a subchart renders with its parent: <parent>/charts/<sub>/templates/x.yaml
    while os.path.basename(os.path.dirname(chart)) == "charts" and os.path.isfile(
            os.path.join(os.path.dirname(os.path.dirname(chart)), CHART_FILE)):
        chart = os.path.dirname(os.path.dirname(chart))
    return chart


def _named_file(path: str, found: Discovery) -> bool:
    """A file named on the command line that belongs to a chart or is a kustomization (True), or
    a file that is linted as it is (False)."""
    name = display_path(path)
    base = os.path.basename(path)
    directory = os.path.dirname(path) or "."
    template_chart = _chart_of_template(path)
    if template_chart is not None:
        chart = _add_chart(os.path.relpath(template_chart) if not os.path.isabs(path) else template_chart, found)
        if chart.only is not None:
            chart.only.add(os.path.realpath(path))
        return True
    if is_chart_file(base) and os.path.isfile(os.path.join(directory, CHART_FILE)):
        chart = _add_chart(directory, found)
        chart.only = None  # the chart itself changed: every finding of it
        found.skipped.append((name, f"Helm chart file of {display_path(directory)}: the chart is rendered"))
        return True
    if base in KUSTOMIZATION_NAMES:
        found.kustomizations[os.path.realpath(directory)] = (name, True)
        return True
    for kustomization in KUSTOMIZATION_NAMES:  # a file of a kustomization: decided with it
        candidate = os.path.join(directory, kustomization)
        if os.path.isfile(candidate):
            found.kustomizations.setdefault(os.path.realpath(directory), (display_path(candidate), False))
            break
    return False


def _add_chart(directory: str, found: Discovery) -> Chart:
    real = os.path.realpath(directory)
    chart = found.charts.get(real)
    if chart is None:
        chart = found.charts[real] = Chart(display_path(directory), set())
    return chart


def _add_file(path: str, info: os.stat_result, found: Discovery, seen: set[tuple[int, int]]) -> None:
    name = display_path(path)
    if not stat.S_ISREG(info.st_mode):
        what = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "not a regular file"
        found.notices.append(Notice(name, f"{what}: skipped", False))
        return
    key = (info.st_dev, info.st_ino)  # `info` follows symbolic links: the file itself (no realpath per file)
    if key in seen:
        return  # the same file reached twice (given twice, through a symlink or a hard link): lint it once
    seen.add(key)
    found.sources.append(Source(name, path))


def _walk(root: str, found: Discovery, seen_files: set[tuple[int, int]], boundary: str | None) -> None:
    visited: set[tuple[int, int]] = set()
    stack = [root]  # explicit stack: deep trees must not hit the recursion limit
    while stack:
        _visit(stack.pop(), found, seen_files, visited, stack, boundary)


def _outside(path: str, boundary: str) -> bool:
    target = os.path.realpath(path)
    return target != boundary and not target.startswith(boundary.rstrip(os.sep) + os.sep)


def _visit(directory: str, found: Discovery, seen_files: set[tuple[int, int]], visited: set[tuple[int, int]],
           stack: list[str], boundary: str | None) -> None:
    try:
        info = os.stat(directory)
    except OSError as exc:
        found.notices.append(Notice(display_path(directory), f"cannot access: {exc.strerror}", True))
        return
    key = (info.st_dev, info.st_ino)
    if key in visited:
        found.notices.append(Notice(
            display_path(directory), "directory already visited (symbolic link loop): skipped", False,
        ))
        return
    visited.add(key)
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        found.notices.append(Notice(display_path(directory), f"cannot read directory: {exc.strerror}", True))
        return
    names = {e.name for e in entries}
    chart = CHART_FILE in names
    if chart:
        _add_chart(directory, found).only = None
    kustomization = next((n for n in KUSTOMIZATION_NAMES if n in names), None)
    if kustomization is not None:
        found.kustomizations[os.path.realpath(directory)] = (
            display_path(os.path.join(directory, kustomization)), True)
    subdirs = []
    for entry in entries:
        if entry.name.startswith("."):
            continue  # hidden files and directories (.git, .github, .pre-commit-config.yaml)
        path = os.path.join(directory, entry.name)
        try:
            is_dir = entry.is_dir()  # follows symlinks
            is_link = entry.is_symlink()
        except OSError:
            is_dir = is_link = False
        if is_link and boundary is not None and (is_dir or entry.name.lower().endswith(MANIFEST_SUFFIXES)) \
                and _outside(path, boundary):
            found.notices.append(Notice(display_path(path), "symbolic link to a path outside the linted directory: "
                                        "skipped (--follow-symlinks follows it)", False))
            continue
        if is_dir:
            if chart and entry.name in CHART_SKIPPED_DIRS:
                continue  # rendered with the chart, never plain YAML
            subdirs.append(path)
            continue
        if not entry.name.lower().endswith(MANIFEST_SUFFIXES):
            continue
        if entry.name == kustomization:
            continue  # a kustomization file: built, not linted
        if chart and is_chart_file(entry.name):
            found.skipped.append((display_path(path), f"Helm chart file of {display_path(directory)}: "
                                                      "the chart is rendered"))
            continue
        try:
            info = os.stat(path)
        except FileNotFoundError:
            found.notices.append(Notice(display_path(path), "broken symbolic link: skipped", False))
            continue
        except OSError as exc:
            found.notices.append(Notice(display_path(path), f"cannot access: {exc.strerror}", True))
            continue
        _add_file(path, info, found, seen_files)
    stack.extend(reversed(subdirs))  # popped in sorted order
