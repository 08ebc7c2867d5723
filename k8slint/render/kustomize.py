"""Build Kustomize overlays offline, learning where each object came from, without touching the
user's files.

- Kustomizations are parsed for what they consume: resources, bases, components, patches,
  generator inputs, transformer files, `helmCharts`, remote references. Roots (kustomizations that
  no other kustomization of the run references, and not `kind: Component`) are built; every file a
  built root consumes is not linted as a plain file.
- The binary: `kustomize` on PATH (`kustomize build`), then `kubectl` on PATH (`kubectl kustomize`),
  then kubectl in this interpreter's scripts folder (the `k8slint[kustomize]` extra puts it there);
  a kustomize older than v5 is not used.
- The build runs on a wrapper kustomization in a temporary folder (`resources: [<relative path to
  the root>]`, `buildMetadata: [originAnnotations]`), so each object says which file it came from;
  the annotation is removed before rules run (`engine.BUILD_METADATA`).
- Remote bases and `helmCharts` would make kustomize download: such roots are not built unless
  allowed (`--kustomize-allow-remote`); their local resources are linted as plain files.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sysconfig
import tempfile
import time
from dataclasses import field
from typing import Any

from ..discovery import Notice, Source, display_path
from ..findings import Finding, Location, Path
from ..parser import Document, decode, parse
from ..records import dataclass
from ..registry import REGISTRY
from ..settings import Settings
from . import Unit

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|github\.com/|gitlab\.com/|bitbucket\.org/)|\?ref=|\.git(?:/|$)")


class Names(dict[str, str]):
    """Real path -> the name discovery gave the file, so that a file has one name in a report."""

    def display(self, path: str) -> str:
        """A real path as users name files: as discovery named it, else relative to the working
        directory when under it."""
        known = self.get(path)
        if known is not None:
            return known
        return display_path(os.path.relpath(path)) if _relative(path) else display_path(path)


@dataclass
class Patch:
    kind: str  # "smp" (strategic merge) | "json6902"
    file: str | None  # the patch file, or None for an inline patch
    text: str  # the patch itself
    where: Path  # path of the entry in the kustomization (for inline patches: of the text)
    target: dict[str, Any] | None = None


@dataclass
class Kustomization:
    directory: str  # real path
    file: str  # the kustomization file (display path)
    doc: Document | None
    data: dict[str, Any]
    component: bool = False
    resources: list[tuple[str, Path]] = field(default_factory=list)  # local files and dirs (absolute)
    components: list[tuple[str, Path]] = field(default_factory=list)
    patches: list[Patch] = field(default_factory=list)
    consumed: set[str] = field(default_factory=set)  # files it reads besides resources (real paths)
    remote: list[tuple[str, Path]] = field(default_factory=list)  # (reference, where)
    helm: bool = False
    problem: str | None = None  # why it cannot be read

    @property
    def children(self) -> list[str]:
        """Directories (kustomizations) it builds on."""
        return [p for p, _ in (*self.resources, *self.components) if os.path.isdir(p)]


def find_file(directory: str) -> str | None:
    for name in KUSTOMIZATION_NAMES:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    return None


def _is_remote(value: str, base: str) -> bool:
    return bool(_REMOTE.search(value)) and not os.path.exists(os.path.join(base, value))


def load(directory: str, file: str | None = None, names: Names | None = None) -> Kustomization:
    """Parse the kustomization of `directory` (never raising: problems are kept on the result)."""
    real = os.path.realpath(directory)
    file = file or find_file(directory) or os.path.join(directory, KUSTOMIZATION_NAMES[0])
    out = Kustomization(real, (names or Names()).display(os.path.realpath(file)), None, {})
    try:
        raw = open(file, "rb").read()  # noqa: SIM115 (bounded below)
        if len(raw) > 4 * 1024 * 1024:
            raise OSError(0, "larger than 4 MiB")
        text, problem = decode(raw)
    except OSError as exc:
        out.problem = f"cannot read: {exc.strerror}"
        return out
    if text is None:
        out.problem = problem.message if problem else "not text"
        return out
    result = parse(text, out.file)
    if result.problems or not result.documents or not isinstance(result.documents[0].data, dict):
        out.problem = result.problems[0].message if result.problems else "not a kustomization (no mapping)"
        return out
    out.doc = result.documents[0]
    data = out.data = out.doc.data
    out.component = data.get("kind") == "Component"
    out.consumed.add(os.path.realpath(file))

    def local(value: Any, where: Path, into: list[tuple[str, Path]] | None) -> None:
        if not isinstance(value, str) or not value:
            return
        if _is_remote(value, directory):
            out.remote.append((value, where))
            return
        path = os.path.realpath(os.path.join(directory, value))
        if into is not None:
            into.append((path, where))
        else:
            out.consumed.add(path)

    for key in ("resources", "bases"):
        for i, value in enumerate(_list(data.get(key))):
            local(value, (key, i), out.resources)
    for i, value in enumerate(_list(data.get("components"))):
        local(value, ("components", i), out.components)
    for i, entry in enumerate(_list(data.get("patches"))):
        if isinstance(entry, dict):
            _add_patch(out, directory, entry.get("path"), entry.get("patch"), ("patches", i),
                       entry.get("target") if isinstance(entry.get("target"), dict) else None)
        elif isinstance(entry, str) and "\n" not in entry:  # kustomize wants {path: ...}: still a patch file
            _add_patch(out, directory, entry, None, ("patches", i), None)
    for i, entry in enumerate(_list(data.get("patchesStrategicMerge"))):
        if isinstance(entry, str):
            inline = "\n" in entry or ":" in entry
            _add_patch(out, directory, None if inline else entry, entry if inline else None,
                       ("patchesStrategicMerge", i), None, "smp")
    for i, entry in enumerate(_list(data.get("patchesJson6902"))):
        if isinstance(entry, dict):
            _add_patch(out, directory, entry.get("path"), entry.get("patch"), ("patchesJson6902", i),
                       entry.get("target") if isinstance(entry.get("target"), dict) else None, "json6902")
    for key in ("configMapGenerator", "secretGenerator"):
        for i, entry in enumerate(_list(data.get(key))):
            if not isinstance(entry, dict):
                continue
            for j, item in enumerate(_list(entry.get("files"))):
                if isinstance(item, str):
                    local(item.split("=", 1)[-1], (key, i, "files", j), None)
            for j, item in enumerate(_list(entry.get("envs"))):
                local(item, (key, i, "envs", j), None)
            local(entry.get("env"), (key, i, "env"), None)
    for key in ("crds", "configurations", "transformers", "generators", "validators"):
        for i, value in enumerate(_list(data.get(key))):
            if isinstance(value, str) and "\n" not in value:
                local(value, (key, i), None)
    for i, entry in enumerate(_list(data.get("replacements"))):
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            local(entry["path"], ("replacements", i, "path"), None)
    openapi = data.get("openapi")
    if isinstance(openapi, dict):
        local(openapi.get("path"), ("openapi", "path"), None)
    if data.get("helmCharts") or data.get("helmChartInflationGenerator"):
        out.helm = True
    return out


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _add_patch(out: Kustomization, directory: str, path: Any, inline: Any, where: Path,
               target: dict[str, Any] | None, kind: str | None = None) -> None:
    if isinstance(path, str) and path:
        if _is_remote(path, directory):
            out.remote.append((path, (*where, "path") if kind != "smp" else where))
            return
        file = os.path.realpath(os.path.join(directory, path))
        out.consumed.add(file)
        try:
            text, _ = decode(open(file, "rb").read())  # noqa: SIM115
        except OSError:
            text = None
        if text is not None:
            out.patches.append(Patch(kind or _patch_kind(text), file, text, where, target))
    elif isinstance(inline, str):
        out.patches.append(Patch(kind or _patch_kind(inline), None, inline,
                                 where if kind == "smp" else (*where, "patch"), target))


def _patch_kind(text: str) -> str:
    """`patches` entries are JSON 6902 when they hold a list of operations, else strategic merge."""
    stripped = text.lstrip()
    return "json6902" if stripped.startswith("-") or stripped.startswith("[") else "smp"


@dataclass
class Tree:
    """A root and every kustomization it builds on (root first, then depth-first)."""

    root: Kustomization
    nodes: list[Kustomization]
    names: Names = field(default_factory=Names)

    @property
    def remote(self) -> list[tuple[Kustomization, str, Path]]:
        return [(k, ref, where) for k in self.nodes for ref, where in k.remote]

    @property
    def helm(self) -> bool:
        return any(k.helm for k in self.nodes)

    def files(self) -> set[str]:
        out: set[str] = set()
        for node in self.nodes:
            out |= node.consumed
            out |= {p for p, _ in node.resources if os.path.isfile(p)}
        return out


def tree(root: Kustomization, cache: dict[str, Kustomization], names: Names | None = None) -> Tree:
    names = names if names is not None else Names()
    nodes = [root]
    seen = {root.directory}
    stack = list(reversed(root.children))
    while stack:
        directory = stack.pop()
        if directory in seen:
            continue
        seen.add(directory)
        node = cache.get(directory)
        if node is None:
            node = cache[directory] = load(directory, names=names)
        nodes.append(node)
        stack.extend(reversed(node.children))
    return Tree(root, nodes, names)


# --- the binary -------------------------------------------------------------------------------------------

@dataclass
class Builder:
    command: list[str]  # e.g. ["kustomize", "build"] or ["kubectl", "kustomize"]
    label: str

    def build(self, directory: str) -> str:
        proc = subprocess.run([*self.command, directory], capture_output=True, timeout=300)
        if proc.returncode != 0:
            raise BuildError(proc.stderr.decode("utf-8", "replace").strip().removeprefix("Error: "))
        return proc.stdout.decode("utf-8", "replace")


class BuildError(Exception):
    pass


_BUILDER: list[Builder | None] = []
_TOO_OLD: list[str] = []


def builder() -> Builder | None:
    """kustomize, else kubectl on PATH, else kubectl in this interpreter's scripts folder (v5+ only)."""
    if _BUILDER:
        return _BUILDER[0]
    found: Builder | None = None
    candidates: list[tuple[str, list[str]]] = []
    kustomize = shutil.which("kustomize")
    if kustomize:
        candidates.append(("kustomize", [kustomize]))
    kubectl = shutil.which("kubectl")
    if kubectl:
        candidates.append(("kubectl", [kubectl]))
    scripts = sysconfig.get_path("scripts")
    local = os.path.join(scripts, "kubectl") if scripts else None
    if local and os.path.isfile(local) and os.access(local, os.X_OK) and local != kubectl:
        candidates.append(("kubectl", [local]))
    for kind, command in candidates:
        version = _version(kind, command[0])
        if version is None or _major(version) < 5:
            _TOO_OLD.append(f"{command[0]} (kustomize {version or 'version unknown'})")
            continue
        build = [command[0], "build"] if kind == "kustomize" else [command[0], "kustomize"]
        found = Builder(build, f"kustomize {version} ({command[0]})")
        break
    _BUILDER.append(found)
    return found


def _version(kind: str, binary: str) -> str | None:
    try:
        if kind == "kustomize":
            out = subprocess.run([binary, "version"], capture_output=True, timeout=60).stdout.decode()
            match = re.search(r"v?(\d+\.\d+\.\d+)", out)
            return f"v{match.group(1)}" if match else None
        raw = subprocess.run([binary, "version", "--client", "-o", "json"], capture_output=True, timeout=60).stdout
        version = json.loads(raw or b"{}").get("kustomizeVersion")
        return str(version) if version else None
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def _major(version: str) -> int:
    match = re.match(r"v?(\d+)", version)
    return int(match.group(1)) if match else 0


# --- units ------------------------------------------------------------------------------------------------------

ORIGIN = "config.kubernetes.io/origin"


def build_unit(tree_: Tree, settings: Settings, tool: Builder) -> Unit:
    """Build a root through a wrapper kustomization; findings are mapped by `kustmap`."""
    from .kustmap import OverlayMapper

    root = tree_.root
    names = tree_.names
    unit = Unit(f"kustomization {names.display(root.directory)}", "kustomize")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="k8slint-kustomize-") as folder:
        relative = os.path.relpath(root.directory, folder)
        with open(os.path.join(folder, "kustomization.yaml"), "w", encoding="utf-8") as handle:
            handle.write(f"resources:\n- {json.dumps(relative)}\nbuildMetadata: [originAnnotations]\n")
        try:
            output = tool.build(folder)
        except (BuildError, subprocess.SubprocessError, OSError) as exc:
            unit.seconds = time.perf_counter() - start
            message = str(exc) if isinstance(exc, BuildError) else f"{tool.label} failed: {exc}"
            unit.findings.append(build_error(tree_, message, folder))
            unit.files[root.file] = 0
            return unit
        unit.seconds = time.perf_counter() - start
        origins = origins_of(output, folder, names)
    name = f"{root.file} [built]"
    unit.sources.append(Source(name, None, output, unit.name))
    unit.mappers[name] = OverlayMapper(tree_, output, origins)
    unit.origins[name] = root.file
    unit.files[root.file] = 0
    for origin in origins:
        file = origin.get("file")
        if file:
            unit.files[file] = unit.files.get(file, 0) + 1
    for node in tree_.nodes:
        for path in node.consumed:
            unit.files.setdefault(names.display(path), 0)
    return unit


_FROM = re.compile(r"accumulating resources from '([^']+)'")


def build_error(tree_: Tree, message: str, folder: str) -> Finding:
    """kustomize's error as a finding: at the resource entry it names when there is one, with the
    innermost cause and the user's paths (not the temporary wrapper's)."""
    rule = REGISTRY["kustomize-build-error"]
    for directory in {folder, os.path.realpath(folder)}:
        message = message.replace(os.path.relpath(tree_.root.directory, directory),
                                  tree_.names.display(tree_.root.directory))
    for node in sorted(tree_.nodes, key=lambda n: -len(n.directory)):
        message = message.replace(node.directory + os.sep, tree_.names.display(node.directory) + os.sep)
    cause = message.rsplit(": ", 2)
    short = ": ".join(cause[-2:]) if len(cause) >= 2 else message
    for ref in reversed(_FROM.findall(message)):
        for node in tree_.nodes:
            if node.doc is None:
                continue
            for key in ("resources", "bases", "components"):
                for i, value in enumerate(_list(node.data.get(key))):
                    if value == ref:
                        line, column = node.doc.locate((key, i))
                        text = f'the kustomization does not build: resource "{ref}": {short}'
                        return Finding(rule.id, rule.severity, text, Location(node.file, line, column),
                                       remediation=rule.remediation)
    field = _GO_FIELD.search(message)
    if field is not None and tree_.root.doc is not None and field.group(1) in tree_.root.data:
        line, column = tree_.root.doc.locate((field.group(1),))
        return Finding(rule.id, rule.severity, f"the kustomization does not build: {short}",
                       Location(tree_.root.file, line, column), remediation=rule.remediation)
    return Finding(rule.id, rule.severity, f"the kustomization does not build: {short}",
                   Location(tree_.root.file, 1, 1), remediation=rule.remediation)


_GO_FIELD = re.compile(r"Go struct field Kustomization\.(\w+)")


def _relative(path: str) -> bool:
    try:
        return not os.path.relpath(path).startswith("..")
    except ValueError:
        return False


def origins_of(output: str, folder: str, names: Names) -> list[dict[str, Any]]:
    """Per built document: {"file": the origin file (display path)} or the generator that made it
    ({"configuredIn": kustomization file, "kind": "ConfigMapGenerator"})."""
    out: list[dict[str, Any]] = []
    for doc in parse(output, "build").documents:
        data = doc.data if isinstance(doc.data, dict) else {}
        annotations = (data.get("metadata") or {}).get("annotations") if isinstance(data.get("metadata"), dict) \
            else None
        raw = annotations.get(ORIGIN) if isinstance(annotations, dict) else None
        origin: dict[str, Any] = {}
        if isinstance(raw, str):
            parsed = parse(raw, "origin").documents
            value = parsed[0].data if parsed and isinstance(parsed[0].data, dict) else {}
            if isinstance(value.get("path"), str):
                origin["file"] = names.display(os.path.realpath(os.path.join(folder, value["path"])))
            if isinstance(value.get("configuredIn"), str):
                origin["configuredIn"] = names.display(os.path.realpath(os.path.join(folder, value["configuredIn"])))
                by = value.get("configuredBy")
                origin["kind"] = by.get("kind") if isinstance(by, dict) else None
        out.append(origin)
    return out


def remote_notice(tree_: Tree) -> Notice:
    what = "remote bases" if tree_.remote else ""
    what += (" and " if what and tree_.helm else "") + ("helmCharts" if tree_.helm else "")
    return Notice(tree_.root.file, f"not built: the kustomization uses {what}, which kustomize would download "
                  "(--kustomize-allow-remote builds it); its local resources are linted as plain files", False)


def no_builder_notice(roots: list[Kustomization]) -> Notice:
    old = f" ({', '.join(_TOO_OLD)} is older than kustomize v5)" if _TOO_OLD else ""
    return Notice(roots[0].file if len(roots) == 1 else f"{len(roots)} kustomizations",
                  "Kustomize overlays not built: install the kustomize extra (pip install 'k8slint[kustomize]') or "
                  f"put kustomize v5 or kubectl on PATH{old}; their resource files are linted as plain files, "
                  "their patches are not", False)
