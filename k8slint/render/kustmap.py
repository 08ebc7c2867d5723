"""From a field of a built Kustomize overlay back to the line the user must edit.

In order: the patch that set the field (strategic-merge and JSON 6902, files and inline; the
root's own patches first, then its components', then its bases'), else the field in the origin file
(lists matched by their merge keys: containers and volumes by name, ports by containerPort,
volumeMounts by mountPath), unless a transformer changed its value (`images`, `replicas`,
`namespace`, `labels`, `namePrefix`), else the generator entry, else the transformer entry, else
the nearest ancestor in the origin file, else the root kustomization.
"""

from __future__ import annotations

import os
import re
from functools import cache
from typing import Any

from ..findings import Location, Path, RelatedLocation
from ..parser import Document, decode, parse
from . import Mapped
from .kustomize import Kustomization, Patch, Tree

#: How list items are matched between a built object and a source (strategic merge keys).
MERGE_KEYS = {"containers": "name", "initContainers": "name", "ephemeralContainers": "name", "volumes": "name",
              "env": "name", "ports": "containerPort", "volumeMounts": "mountPath", "volumeDevices": "devicePath",
              "imagePullSecrets": "name", "hostAliases": "ip", "tolerations": "key"}
_IMAGE_PATH = re.compile(r"^(containers|initContainers|ephemeralContainers)$")


@cache
def _file_documents(file: str) -> list[Document]:
    try:
        text, _ = decode(open(file, "rb").read())  # noqa: SIM115
    except OSError:
        return []
    return parse(text or "", file).documents


class OverlayMapper:
    def __init__(self, tree: Tree, output: str, origins: list[dict[str, Any]]) -> None:
        self.tree, self.output, self.origins = tree, output, origins
        self._docs: list[Document] | None = None
        self._inline: dict[int, list[Document]] = {}

    def suppressed_rules(self, document: int) -> frozenset[str]:
        return frozenset()

    def map_position(self, line: int, column: int) -> Mapped:
        return Mapped(Location(self.tree.root.file, 1, 1), exact=False)

    def map(self, document: int, path: Path, line: int, column: int) -> Mapped:
        docs = self._built()
        data = docs[document].data if 0 <= document < len(docs) else {}
        origin = self.origins[document] if 0 <= document < len(self.origins) else {}
        source = self._origin_document(origin, data)
        original_name = _name(source.data) if source is not None else _name(data)
        for node in self.tree.nodes:
            for patch in node.patches:
                found = self._in_patch(node, patch, data, original_name, path)
                if found is not None:
                    return found
        if source is not None:
            located, complete = _walk(source, data, path)
            if complete:
                if _value(source.data, located) == _value(data, path) or not _leaf(data, path):
                    return Mapped(Location(source.source, *source.locate(located)))
                transformer = self._transformer(path, data)
                if transformer is not None:
                    return Mapped(transformer.location, (RelatedLocation(
                        Location(source.source, *source.locate(located)), None, "the value before the transformer"),))
                return Mapped(Location(source.source, *source.locate(located)))
        generator = self._generator(origin, data, path)
        if generator is not None:
            return generator
        transformer = self._transformer(path, data)
        if transformer is not None:
            return transformer
        if source is not None:
            located, _ = _walk(source, data, path)
            return Mapped(Location(source.source, *source.locate(located)), exact=False)
        return Mapped(Location(self.tree.root.file, 1, 1), exact=False)

    # --- sources ------------------------------------------------------------------------------------

    def _built(self) -> list[Document]:
        if self._docs is None:
            self._docs = parse(self.output, "build").documents
        return self._docs

    def _origin_document(self, origin: dict[str, Any], data: Any) -> Document | None:
        file = origin.get("file")
        if not file:
            return None
        kind, name = (data.get("kind"), _name(data)) if isinstance(data, dict) else (None, "")
        candidates = [d for d in _file_documents(file) if isinstance(d.data, dict) and d.data.get("kind") == kind]
        exact = [d for d in candidates if _name(d.data) == name]
        contained = [d for d in candidates if _name(d.data) and _name(d.data) in name]
        chosen = exact or sorted(contained, key=lambda d: -len(_name(d.data))) or candidates
        return chosen[0] if chosen else None

    # --- patches -----------------------------------------------------------------------------------------

    def _patch_documents(self, node: Kustomization, patch: Patch) -> list[tuple[Document, int, int]]:
        """The patch's documents, with the (line, column) offset of inline text in the kustomization."""
        if patch.file is not None:
            return [(d, 0, 0) for d in _file_documents(patch.file)]
        key = id(patch)
        if key not in self._inline:
            self._inline[key] = parse(patch.text, node.file).documents
        line_offset, column_offset = _inline_offset(node, patch)
        return [(d, line_offset, column_offset) for d in self._inline[key]]

    def _in_patch(self, node: Kustomization, patch: Patch, data: Any, original: str, path: Path) -> Mapped | None:
        if not isinstance(data, dict):
            return None
        for doc, line_offset, column_offset in self._patch_documents(node, patch):
            file = patch.file and os.path.relpath(patch.file) or node.file
            if patch.kind == "smp":
                if not isinstance(doc.data, dict) or not _targets(patch.target, doc.data, data, original):
                    continue
                located, complete = _walk(doc, data, path)
                # a patch claims what it sets: a key, or an item it adds (one the origin lacks)
                if complete and path and (isinstance(path[-1], str) or not self._in_origin(data, path)):
                    line, column = doc.locate(located)
                    return Mapped(Location(file, line + line_offset, column + column_offset))
            elif _targets(patch.target, None, data, original):
                found = _json6902(doc, path, data)
                if found is not None:
                    line, column = found
                    return Mapped(Location(file, line + line_offset, column + column_offset))
        return None

    def _in_origin(self, data: Any, path: Path) -> bool:
        docs = self._built()
        index = next((i for i, d in enumerate(docs) if d.data is data), None)
        origin = self.origins[index] if index is not None and index < len(self.origins) else {}
        source = self._origin_document(origin, data)
        return source is not None and _walk(source, data, path)[1]

    # --- generators and transformers -----------------------------------------------------------------

    def _generator(self, origin: dict[str, Any], data: Any, path: Path) -> Mapped | None:
        configured = origin.get("configuredIn")
        if not configured:
            return None
        node = next((n for n in self.tree.nodes if os.path.realpath(n.file) == os.path.realpath(configured)), None)
        if node is None or node.doc is None:
            return Mapped(Location(configured, 1, 1), exact=False)
        key = "secretGenerator" if origin.get("kind") == "SecretGenerator" else "configMapGenerator"
        name = _name(data)
        for i, entry in enumerate(node.data.get(key) or []):
            if isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry["name"] in name:
                where: Path = (key, i)
                if len(path) >= 2 and path[0] in ("data", "stringData", "binaryData") and isinstance(path[1], str):
                    for field in ("literals", "files", "envs"):
                        for j, item in enumerate(entry.get(field) or []):
                            if isinstance(item, str) and (item.split("=", 1)[0] == path[1]
                                                          or os.path.basename(item) == path[1]):
                                where = (key, i, field, j)
                return Mapped(Location(node.file, *node.doc.locate(where)))
        return Mapped(Location(node.file, *node.doc.locate((key,))), exact=False)

    def _transformer(self, path: Path, data: Any) -> Mapped | None:
        """The transformer entry that owns a field: images, replicas, namespace, labels, name prefixes."""
        for node in self.tree.nodes:
            doc = node.doc
            if doc is None:
                continue
            spec = node.data
            if path and path[-1] == "image" and len(path) >= 2:
                image = _value(data, path)
                for i, entry in enumerate(spec.get("images") or []):
                    if isinstance(entry, dict) and isinstance(image, str) and _image_matches(entry, image):
                        field = next((f for f in ("newTag", "digest", "newName") if f in entry), None)
                        where: Path = ("images", i, field) if field else ("images", i)
                        return Mapped(Location(node.file, *doc.locate(where)))
            if tuple(path) == ("spec", "replicas"):
                for i, entry in enumerate(spec.get("replicas") or []):
                    if isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry["name"] in _name(data):
                        return Mapped(Location(node.file, *doc.locate(("replicas", i, "count"))))
            if tuple(path) == ("metadata", "namespace") and "namespace" in spec:
                return Mapped(Location(node.file, *doc.locate(("namespace",))))
            if tuple(path[:1]) == ("metadata",) and len(path) >= 2 and path[1] == "name":
                for key in ("namePrefix", "nameSuffix"):
                    if key in spec:
                        return Mapped(Location(node.file, *doc.locate((key,))))
            if len(path) >= 3 and path[-2] == "labels":
                for key in ("commonLabels", "labels"):
                    if key in spec:
                        return Mapped(Location(node.file, *doc.locate((key,))))
        return None


def _name(data: Any) -> str:
    meta = data.get("metadata") if isinstance(data, dict) else None
    name = meta.get("name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) else ""


def _value(data: Any, path: Path) -> Any:
    for elem in path:
        if isinstance(elem, int) and isinstance(data, list) and 0 <= elem < len(data):
            data = data[elem]
        elif isinstance(elem, str) and isinstance(data, dict) and elem in data:
            data = data[elem]
        else:
            return None
    return data


def _leaf(data: Any, path: Path) -> bool:
    value = _value(data, path)
    return not isinstance(value, (dict, list))


def _walk(doc: Document, built: Any, path: Path) -> tuple[Path, bool]:
    """`path` of the built object translated into `doc` (list items matched by merge key): the
    translated path and whether all of it exists there."""
    source = doc.data
    out: list[str | int] = []
    for i, elem in enumerate(path):
        if isinstance(elem, str):
            if isinstance(source, dict) and elem in source:
                out.append(elem)
                source = source[elem]
                built = built.get(elem) if isinstance(built, dict) else None
                continue
            return tuple(out), False
        if not isinstance(source, list) or not isinstance(built, list) or not 0 <= elem < len(built):
            return tuple(out), False
        item = built[elem]
        field = MERGE_KEYS.get(str(path[i - 1]) if i else "")
        match = None
        if field and isinstance(item, dict) and field in item:
            match = next((j for j, s in enumerate(source) if isinstance(s, dict) and s.get(field) == item[field]), None)
        elif elem < len(source):
            match = elem
        if match is None:
            return tuple(out), False
        out.append(match)
        source, built = source[match], item
    return tuple(out), True


def _targets(target: dict[str, Any] | None, patch: dict[str, Any] | None, data: dict[str, Any], original: str) -> bool:
    """Whether a patch applies to the object (by its target, or the patch's own kind and name)."""
    kind, name = data.get("kind"), original
    if target is not None:
        if "kind" in target and not _regex_match(str(target["kind"]), str(kind)):
            return False
        if "name" in target and not _regex_match(str(target["name"]), name):
            return False
        selector = target.get("labelSelector")
        if isinstance(selector, str):
            labels = (data.get("metadata") or {}).get("labels") or {}
            for term in selector.split(","):
                key, _, value = term.partition("=")
                if labels.get(key.strip()) != value.strip():
                    return False
        return True
    if patch is None:
        return False
    return patch.get("kind") == kind and _name(patch) == name


def _regex_match(pattern: str, value: str) -> bool:
    if pattern == value:
        return True
    from ..validation import RegexError, linear_regex

    try:
        regex = linear_regex(f"^(?:{pattern})$")
    except RegexError:
        return False
    return bool(regex and regex.search(value))


def _json6902(doc: Document, path: Path, built: Any) -> tuple[int, int] | None:
    """The operation of a JSON 6902 patch whose path is the field or one of its ancestors."""
    operations = doc.data if isinstance(doc.data, list) else []
    pointer = [str(p) for p in path]
    best: tuple[int, tuple[int, int]] | None = None
    for i, op in enumerate(operations):
        if not isinstance(op, dict) or not isinstance(op.get("path"), str) or op.get("op") == "remove":
            continue
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        if parts and parts[-1] == "-":  # an append: the last item of the list
            parent = _value(built, tuple(int(p) if p.isdigit() else p for p in parts[:-1]))
            parts[-1] = str(len(parent) - 1) if isinstance(parent, list) else "-"
        if pointer[: len(parts)] != parts:
            continue
        rest = tuple(path[len(parts):])
        value_doc_path: Path = (i, "value", *rest)
        position = doc.locate(value_doc_path) if rest else doc.locate((i, "path"))
        if best is None or len(parts) > best[0]:
            best = (len(parts), position)
    return best[1] if best else None


def _image_matches(entry: dict[str, Any], image: str) -> bool:
    name = entry.get("newName") or entry.get("name")
    repository = image.split("@", 1)[0]
    if ":" in repository.rsplit("/", 1)[-1]:
        repository = repository.rsplit(":", 1)[0]
    return isinstance(name, str) and (repository == name or repository == entry.get("name"))


def _inline_offset(node: Kustomization, patch: Patch) -> tuple[int, int]:
    """(lines, columns) to add to positions inside an inline patch to land in the kustomization:
    the content of a block scalar starts on the line after its key, at its indentation."""
    if node.doc is None:
        return 0, 0
    line, column = node.doc.locate(patch.where)
    try:
        text, _ = decode(open(node.file, "rb").read())  # noqa: SIM115
    except OSError:
        return line - 1, column - 1
    lines = (text or "").split("\n")
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    if re.search(r"[|>][-+0-9]*\s*(#.*)?$", here):
        for j in range(line, len(lines)):
            if lines[j].strip():
                indent = len(lines[j]) - len(lines[j].lstrip(" "))
                return j, indent
    return line - 1, column - 1
