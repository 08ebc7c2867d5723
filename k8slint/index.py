"""One namespace-aware view of every object in the run, whatever file or directory it came from.

Cross-object rules query it instead of scanning objects: selectors resolve through an inverted
index of pod-template labels, so a run grows linearly with the number of objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from .model import BUILTIN_GROUPS, K8sObject, as_dict, as_list, folder_of, map_selector_matches, selector_matches

__all__ = ["BUILTIN_GROUPS", "ObjectIndex", "is_custom_resource", "owned_by_controllers", "prefer"]

def is_custom_resource(obj: K8sObject) -> bool:
    return obj.custom


def prefer(objects: Sequence[K8sObject], near: K8sObject | None) -> list[K8sObject]:
    """The definitions nearest to `near`: those in its file, else those in its directory, else all.

    Repositories of samples define the same object in several places; a reference resolves to the
    definition that sits with it (a StatefulSet's headless Service in its own file), not to an
    unrelated sample's."""
    if near is None or len(objects) <= 1:
        return list(objects)
    same_file = [o for o in objects if o.file == near.file]
    if same_file:
        return same_file
    folder = folder_of(near.file)
    same_folder = [o for o in objects if folder_of(o.file) == folder]
    return same_folder or list(objects)


def owned_by_controllers(objects: Iterable[K8sObject]) -> set[int]:
    """ids of the objects whose controller (an ownerReference with `controller: true`) is among
    `objects`: the ReplicaSets and Pods of a Deployment in a `kubectl get -o yaml` dump."""
    objects = list(objects)
    owners = [o for o in objects if as_dict(o.data.get("metadata")).get("ownerReferences")]
    if not owners:
        return set()  # most runs: nothing is owned, nothing to index
    by_uid = {}
    by_name = set()
    for obj in objects:
        uid = as_dict(obj.data.get("metadata")).get("uid")
        if isinstance(uid, str) and uid:
            by_uid[uid] = obj
        by_name.add((obj.kind, obj.namespace, obj.name))
    owned = set()
    for obj in owners:
        for ref in as_list(as_dict(obj.data.get("metadata")).get("ownerReferences")):
            ref = as_dict(ref)
            if ref.get("controller") is not True:
                continue
            uid = ref.get("uid")
            if (isinstance(uid, str) and uid in by_uid) or (ref.get("kind"), obj.namespace, ref.get("name")) in by_name:
                owned.add(id(obj))
    return owned


class ObjectIndex:
    """Built on first use: most files of the object phase have an index no rule asks anything of."""

    #: the attributes `_build` sets
    _BUILT = frozenset({"_by_key", "_by_ns_kind", "_by_ns", "_templates", "_labels", "_labels_any", "_custom",
                        "_matches", "_claimed", "_folders", "_namespaces_of", "kinds", "has_pod_templates"})

    def __init__(self, objects: Iterable[K8sObject]) -> None:
        self.objects: list[K8sObject] = list(objects)

    def __getattr__(self, name: str) -> Any:  # only called for attributes not set yet
        if name not in ObjectIndex._BUILT or "kinds" in self.__dict__:
            raise AttributeError(name)
        try:
            self._build()
        except BaseException:  # never half an index: the next question builds it again
            for key in ObjectIndex._BUILT:
                self.__dict__.pop(key, None)
            raise
        return self.__dict__[name]

    def _build(self) -> None:
        self._by_key: dict[tuple[str, str | None, str], list[K8sObject]] = defaultdict(list)
        self._by_ns_kind: dict[tuple[str | None, str], list[K8sObject]] = defaultdict(list)
        self._by_ns: dict[str | None, list[K8sObject]] = defaultdict(list)
        self._templates: dict[str | None, list[K8sObject]] = defaultdict(list)
        # (namespace, label key, label value) -> pod-creating objects carrying that label
        self._labels: dict[tuple[str | None, str, str], list[K8sObject]] = defaultdict(list)
        # (label key, label value) -> pod-creating objects of any namespace
        self._labels_any: dict[tuple[str, str], list[K8sObject]] = defaultdict(list)
        self._custom: dict[tuple[str | None, str], K8sObject] = {}
        self._matches: dict[tuple[str | None, tuple[tuple[str, str], ...]], list[K8sObject]] = {}
        self._claimed: dict[tuple[str, str | None], set[int]] = {}
        self._folders: dict[str | None, dict[str, list[K8sObject]]] = {}
        self._namespaces_of: dict[tuple[str, str], list[str | None]] | None = None
        kinds: set[str] = set()
        for obj in self.objects:
            kinds.add(obj.kind)
            self._by_key[(obj.kind, obj.namespace, obj.name)].append(obj)
            self._by_ns_kind[(obj.namespace, obj.kind)].append(obj)
            self._by_ns[obj.namespace].append(obj)
            if is_custom_resource(obj):
                self._custom.setdefault((obj.namespace, obj.name), obj)
            labels = obj.pod_labels()
            if labels is not None:
                self._templates[obj.namespace].append(obj)
                for key, value in labels.items():
                    self._labels[(obj.namespace, str(key), str(value))].append(obj)
                    self._labels_any[(str(key), str(value))].append(obj)
        self.has_pod_templates = any(self._templates.values())
        self.kinds = kinds  # last: its presence says the index is built

    def get(self, kind: str, namespace: str | None, name: str, near: K8sObject | None = None) -> list[K8sObject]:
        """Objects of that kind and name in that namespace (several when the run repeats one; with
        `near`, only the definitions nearest to it, see `prefer`)."""
        return prefer(self._by_key.get((kind, namespace, name), []), near)

    def count(self, kind: str, namespace: str | None, name: str) -> int:
        """How many objects of that kind and name the namespace holds (without copying them)."""
        return len(self._by_key.get((kind, namespace, name), ()))

    def namespaces_of(self, kind: str, name: str) -> list[str | None]:
        """The namespaces holding an object of that kind and name (indexed once, on first use)."""
        if self._namespaces_of is None:
            self._namespaces_of = defaultdict(list)
            for kind_, namespace, name_ in self._by_key:
                self._namespaces_of[(kind_, name_)].append(namespace)
        return self._namespaces_of.get((kind, name), [])

    def in_namespace(self, namespace: str | None, kinds: Sequence[str] | None = None) -> Sequence[K8sObject]:
        """Objects of `namespace` (only of `kinds` when given). Read-only: for one kind it is the index's
        own list, so that asking how many there are costs nothing however large the namespace."""
        if kinds is None:
            return self._by_ns.get(namespace, ())
        if len(kinds) == 1:
            return self._by_ns_kind.get((namespace, kinds[0]), ())
        out: list[K8sObject] = []
        for kind in kinds:
            out.extend(self._by_ns_kind.get((namespace, kind), ()))
        return out

    def custom_resource(self, namespace: str | None, name: str) -> K8sObject | None:
        return self._custom.get((namespace, name))

    def templates_near(self, namespace: str | None, file: str,
                       limit: int) -> tuple[Sequence[K8sObject], Sequence[K8sObject]]:
        """Pod-creating objects of `namespace` defined in `file`, and at most `limit` of those in the other
        files of its folder (grouped once per namespace)."""
        groups = self._folders.get(namespace)
        if groups is None:
            groups = self._folders[namespace] = defaultdict(list)
            for obj in self.pod_templates(namespace):
                groups[obj.file].append(obj)
                groups[folder_of(obj.file) + "/"].append(obj)
        same_file = groups.get(file, ())
        in_folder = groups.get(folder_of(file) + "/", ())
        return same_file, [t for t in in_folder[:limit + len(same_file)] if t.doc.source != file][:limit]

    def pod_templates(self, namespace: str | None) -> Sequence[K8sObject]:
        """Objects in `namespace` that create pods (Pods and workloads with a pod template)."""
        return self._templates.get(namespace, ())

    def _candidates(self, namespace: str | None, pairs: list[tuple[str, str]]) -> Sequence[K8sObject]:
        """Templates carrying every (key, value) pair: the shortest posting list, filtered."""
        if not pairs:
            return self.pod_templates(namespace)
        lists = [self._labels.get((namespace, k, v), ()) for k, v in pairs]
        return min(lists, key=len)

    def pods_matching(self, namespace: str | None, selector: dict[str, Any],
                      near: K8sObject | None = None) -> list[K8sObject]:
        """Pod-creating objects of `namespace` whose pod labels a Service-style map selector selects
        (with `near`: the matches nearest to it, see `prefer`)."""
        pairs = sorted((str(k), str(v)) for k, v in selector.items())
        key = (namespace, tuple(pairs))
        found = self._matches.get(key)
        if found is None:
            found = [obj for obj in self._candidates(namespace, pairs)
                     if map_selector_matches(selector, obj.pod_labels() or {})]
            self._matches[key] = found
        return prefer(found, near)

    def pods_selected(self, namespace: str | None, selector: dict[str, Any]) -> list[K8sObject]:
        """Pod-creating objects of `namespace` a LabelSelector (matchLabels + matchExpressions) selects."""
        return list(self._selected(namespace, selector))

    def selects_any(self, namespace: str | None, selector: dict[str, Any]) -> bool:
        """Whether a LabelSelector selects some pod-creating object of `namespace` (stops at the first)."""
        return next(self._selected(namespace, selector), None) is not None

    def _selected(self, namespace: str | None, selector: dict[str, Any]) -> Iterator[K8sObject]:
        match_labels = selector.get("matchLabels")
        match_labels = match_labels if isinstance(match_labels, dict) else {}
        expressions = selector.get("matchExpressions")
        expressions = expressions if isinstance(expressions, list) else []
        pairs = [(str(k), str(v)) for k, v in match_labels.items()]
        candidates: Sequence[K8sObject] = self._candidates(namespace, pairs)
        for expr in expressions:  # an `In` expression narrows the candidates to its values' postings
            if not pairs and isinstance(expr, dict) and expr.get("operator") == "In" and isinstance(
                    expr.get("values"), list):
                key = str(expr.get("key"))
                union: dict[int, K8sObject] = {}
                for value in expr["values"]:
                    for obj in self._labels.get((namespace, key, str(value)), ()):
                        union[id(obj)] = obj
                if len(union) < len(candidates):
                    candidates = list(union.values())
        return (obj for obj in candidates if selector_matches(selector, obj.pod_labels() or {}))

    def claimed(self, kind: str, namespace: str | None, path: Sequence[str], plain: bool) -> set[int]:
        """ids of the pod templates of `namespace` that some object of `kind` selects with the selector
        at `path` (a plain map when `plain`, else a LabelSelector; empty selectors do not count)."""
        key = (kind, namespace)
        found = self._claimed.get(key)
        if found is None:
            found = set()
            seen: set[str] = set()  # copies of a sample repeat one selector many times in a namespace
            for obj in self.in_namespace(namespace, (kind,)):
                selector: Any = obj.data
                for step in path:
                    selector = selector.get(step) if isinstance(selector, dict) else None
                if not isinstance(selector, dict) or not selector:
                    continue
                written = repr(selector)
                if written in seen:
                    continue
                seen.add(written)
                matched = self.pods_matching(namespace, selector) if plain else self.pods_selected(namespace, selector)
                found.update(id(o) for o in matched)
            self._claimed[key] = found
        return found

    def pods_matching_elsewhere(self, namespace: str | None, selector: dict[str, Any]) -> list[K8sObject]:
        """Pod-creating objects of *other* namespaces a map selector would select (for hints)."""
        pairs = [(str(k), str(v)) for k, v in selector.items()]
        if not pairs:
            return []
        candidates = min((self._labels_any.get(p, ()) for p in pairs), key=len)
        return [o for o in candidates
                if o.namespace != namespace and map_selector_matches(selector, o.pod_labels() or {})]
