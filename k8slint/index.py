"""One namespace-aware view of every object in the run, whatever file or directory it came from.

Cross-object rules query it instead of scanning objects: selectors resolve through an inverted
index of pod-template labels, so a run grows linearly with the number of objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from .model import K8sObject, map_selector_matches, selector_matches

# API groups served by Kubernetes itself (every group of the bundled schemas, 1.25 to 1.37, and the
# removed `extensions`; tests/test_validation.py keeps the list complete). Objects of any other
# group are custom resources, including the many add-on groups that end in `.k8s.io` (Gateway API's
# gateway.networking.k8s.io, snapshot.storage.k8s.io, ...).
BUILTIN_GROUPS = frozenset({
    "", "admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io", "apps",
    "authentication.k8s.io", "authorization.k8s.io", "autoscaling", "batch", "certificates.k8s.io",
    "coordination.k8s.io", "discovery.k8s.io", "events.k8s.io", "extensions", "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io", "lifecycle.k8s.io", "networking.k8s.io", "node.k8s.io", "policy",
    "rbac.authorization.k8s.io", "resource.k8s.io", "scheduling.k8s.io", "storage.k8s.io",
    "storagemigration.k8s.io",
})


def is_custom_resource(obj: K8sObject) -> bool:
    return obj.api_version.rpartition("/")[0] not in BUILTIN_GROUPS


class ObjectIndex:
    def __init__(self, objects: Iterable[K8sObject]) -> None:
        self.objects: list[K8sObject] = list(objects)
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
        self.kinds: set[str] = set()
        for obj in self.objects:
            self.kinds.add(obj.kind)
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

    def get(self, kind: str, namespace: str | None, name: str) -> list[K8sObject]:
        """Objects of that kind and name in that namespace (several when the run repeats one)."""
        return self._by_key.get((kind, namespace, name), [])

    def in_namespace(self, namespace: str | None, kinds: Iterable[str] | None = None) -> list[K8sObject]:
        """Objects of `namespace` (only of `kinds` when given)."""
        if kinds is None:
            return self._by_ns.get(namespace, [])
        out: list[K8sObject] = []
        for kind in kinds:
            out.extend(self._by_ns_kind.get((namespace, kind), ()))
        return out

    def custom_resource(self, namespace: str | None, name: str) -> K8sObject | None:
        return self._custom.get((namespace, name))

    def pod_templates(self, namespace: str | None) -> Sequence[K8sObject]:
        """Objects in `namespace` that create pods (Pods and workloads with a pod template)."""
        return self._templates.get(namespace, ())

    def _candidates(self, namespace: str | None, pairs: list[tuple[str, str]]) -> Sequence[K8sObject]:
        """Templates carrying every (key, value) pair: the shortest posting list, filtered."""
        if not pairs:
            return self.pod_templates(namespace)
        lists = [self._labels.get((namespace, k, v), ()) for k, v in pairs]
        return min(lists, key=len)

    def pods_matching(self, namespace: str | None, selector: dict[str, Any]) -> list[K8sObject]:
        """Pod-creating objects of `namespace` whose pod labels a Service-style map selector selects."""
        pairs = sorted((str(k), str(v)) for k, v in selector.items())
        key = (namespace, tuple(pairs))
        found = self._matches.get(key)
        if found is None:
            found = [obj for obj in self._candidates(namespace, pairs)
                     if map_selector_matches(selector, obj.pod_labels() or {})]
            self._matches[key] = found
        return found

    def pods_selected(self, namespace: str | None, selector: dict[str, Any]) -> list[K8sObject]:
        """Pod-creating objects of `namespace` a LabelSelector (matchLabels + matchExpressions) selects."""
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
        return [obj for obj in candidates if selector_matches(selector, obj.pod_labels() or {})]

    def pods_matching_elsewhere(self, namespace: str | None, selector: dict[str, Any]) -> list[K8sObject]:
        """Pod-creating objects of *other* namespaces a map selector would select (for hints)."""
        pairs = [(str(k), str(v)) for k, v in selector.items()]
        if not pairs:
            return []
        candidates = min((self._labels_any.get(p, ()) for p in pairs), key=len)
        return [o for o in candidates
                if o.namespace != namespace and map_selector_matches(selector, o.pod_labels() or {})]
