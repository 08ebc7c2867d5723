"""One namespace-aware view of every object in the run, whatever file or directory it came from."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from .model import K8sObject, map_selector_matches


class ObjectIndex:
    def __init__(self, objects: Iterable[K8sObject]) -> None:
        self.objects: list[K8sObject] = list(objects)
        self._by_key: dict[tuple[str, str | None, str], list[K8sObject]] = defaultdict(list)
        self._by_ns_kind: dict[tuple[str | None, str], list[K8sObject]] = defaultdict(list)
        self._templates: dict[str | None, list[tuple[K8sObject, dict[str, object]]]] = defaultdict(list)
        self._matches: dict[tuple[str | None, tuple[tuple[str, str], ...]], list[K8sObject]] = {}
        for obj in self.objects:
            self._by_key[(obj.kind, obj.namespace, obj.name)].append(obj)
            self._by_ns_kind[(obj.namespace, obj.kind)].append(obj)
            labels = obj.pod_labels()
            if labels is not None:
                self._templates[obj.namespace].append((obj, labels))
        self.has_pod_templates = any(self._templates.values())

    def get(self, kind: str, namespace: str | None, name: str) -> list[K8sObject]:
        """Objects of that kind and name in that namespace (several when the run repeats one)."""
        return self._by_key.get((kind, namespace, name), [])

    def in_namespace(self, namespace: str | None, kinds: Iterable[str]) -> list[K8sObject]:
        out: list[K8sObject] = []
        for kind in kinds:
            out.extend(self._by_ns_kind.get((namespace, kind), ()))
        return out

    def pod_templates(self, namespace: str | None) -> Sequence[K8sObject]:
        """Objects in `namespace` that create pods (Pods and workloads with a pod template)."""
        return [obj for obj, _ in self._templates.get(namespace, ())]

    def pods_matching(self, namespace: str | None, selector: dict[str, object]) -> list[K8sObject]:
        """Pod-creating objects of `namespace` whose pod labels a Service-style map selector selects."""
        key = (namespace, tuple(sorted((str(k), str(v)) for k, v in selector.items())))
        found = self._matches.get(key)
        if found is None:
            found = [obj for obj, labels in self._templates.get(namespace, ())
                     if map_selector_matches(selector, labels)]
            self._matches[key] = found
        return found
