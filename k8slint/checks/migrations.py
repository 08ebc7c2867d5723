"""Mechanical migrations of removed and deprecated apiVersions: the automatic fix of
removed-api-version and deprecated-api-version, where the new version reads the same object the
same way once a few fields are rewritten (the Kubernetes deprecated API migration guide).

Not migrated (no fix offered): versions whose fields changed meaning (autoscaling/v2beta1 metrics,
discovery.k8s.io/v1beta1 topology, webhook and CRD v1beta1 defaults, certificates' signerName), a
policy/v1beta1 PodDisruptionBudget with an empty selector (it selects no pod in v1beta1 and every pod
in v1), and workloads without labels on their pod template to build the selector from.
"""

from __future__ import annotations

from typing import Any

from ..findings import FixIntent, Op
from ..model import K8sObject

#: apiVersion swaps whose schema is the same for these kinds.
_SAME_SCHEMA: dict[tuple[str, str], str] = {
    ("batch/v1beta1", "CronJob"): "batch/v1",
    ("batch/v2alpha1", "CronJob"): "batch/v1",
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler"): "autoscaling/v2",
    ("extensions/v1beta1", "NetworkPolicy"): "networking.k8s.io/v1",
    ("networking.k8s.io/v1beta1", "IngressClass"): "networking.k8s.io/v1",
    **{("rbac.authorization.k8s.io/v1beta1", k): "rbac.authorization.k8s.io/v1"
       for k in ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")},
    ("scheduling.k8s.io/v1beta1", "PriorityClass"): "scheduling.k8s.io/v1",
    ("storage.k8s.io/v1beta1", "StorageClass"): "storage.k8s.io/v1",
    ("coordination.k8s.io/v1beta1", "Lease"): "coordination.k8s.io/v1",
    ("node.k8s.io/v1beta1", "RuntimeClass"): "node.k8s.io/v1",
}

_WORKLOADS = frozenset({
    ("extensions/v1beta1", "Deployment"), ("extensions/v1beta1", "DaemonSet"), ("extensions/v1beta1", "ReplicaSet"),
    ("apps/v1beta1", "Deployment"), ("apps/v1beta1", "StatefulSet"), ("apps/v1beta1", "ReplicaSet"),
    ("apps/v1beta2", "Deployment"), ("apps/v1beta2", "StatefulSet"), ("apps/v1beta2", "DaemonSet"),
    ("apps/v1beta2", "ReplicaSet"),
})

_INGRESS = frozenset({("extensions/v1beta1", "Ingress"), ("networking.k8s.io/v1beta1", "Ingress")})

#: What rule docs say about these fixes (removed-api-version, deprecated-api-version).
FIXES = (
    "safe: batch/v1beta1 and v2alpha1 CronJob → batch/v1, autoscaling/v2beta2 → autoscaling/v2, and the "
    "v1beta1 RBAC kinds, NetworkPolicy, IngressClass, PriorityClass, StorageClass, Lease and RuntimeClass "
    "to their v1 (same schema, apiVersion rewritten).",
    "safe: policy/v1beta1 PodDisruptionBudget → policy/v1 when its selector is not empty.",
    "safe: extensions/v1beta1, apps/v1beta1 and apps/v1beta2 Deployment, DaemonSet, ReplicaSet and "
    "StatefulSet → apps/v1, with spec.selector added from the pod template's labels when it is missing (what "
    "the old versions defaulted it to). The apps/v1 defaults of fields left unset apply from then on "
    "(revisionHistoryLimit 10, rolling updates of 25%, DaemonSet and StatefulSet updateStrategy RollingUpdate).",
    "safe: extensions/v1beta1 and networking.k8s.io/v1beta1 Ingress → networking.k8s.io/v1: each backend's "
    "serviceName/servicePort becomes service.name/service.port.number (or .name), spec.backend becomes "
    "spec.defaultBackend, and each path without pathType gets ImplementationSpecific (the v1beta1 default).",
)


def migration(obj: K8sObject, replacement: str | None) -> FixIntent | None:
    """The fix that moves `obj` to `replacement`, when the migration is mechanical."""
    if not replacement:
        return None  # removed without a replacement (PodSecurityPolicy): nothing to migrate to
    key = (obj.api_version, obj.kind)
    data = obj.data
    spec = data.get("spec")
    swap = Op("set", ("apiVersion",), replacement, old=obj.api_version)
    described = f"apiVersion: {replacement}"
    if _SAME_SCHEMA.get(key) == replacement:
        return FixIntent(described, True, (swap,))
    if key == ("policy/v1beta1", "PodDisruptionBudget") and replacement == "policy/v1":
        selector = spec.get("selector") if isinstance(spec, dict) else None
        if isinstance(selector, dict) and (selector.get("matchLabels") or selector.get("matchExpressions")):
            return FixIntent(described, True, (swap,))
        return None
    if key in _WORKLOADS and replacement == "apps/v1" and isinstance(spec, dict):
        if "selector" in spec:
            return FixIntent(described, True, (swap,)) if isinstance(spec["selector"], dict) else None
        labels = _template_labels(spec)
        if not labels:
            return None
        add = Op("insert", ("spec",), ("selector", {"matchLabels": labels}))
        return FixIntent(f"{described}, with spec.selector from the pod template's labels", True, (swap, add))
    if key in _INGRESS and replacement == "networking.k8s.io/v1" and isinstance(spec, dict):
        ops = _ingress(spec)
        return None if ops is None else FixIntent(f"{described}, with v1 backends and pathType", True, (swap, *ops))
    return None


def _template_labels(spec: dict[str, Any]) -> dict[str, str] | None:
    template = spec.get("template")
    meta = template.get("metadata") if isinstance(template, dict) else None
    labels = meta.get("labels") if isinstance(meta, dict) else None
    if not isinstance(labels, dict) or not labels:
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in labels.items()):
        return None
    return dict(labels)


def _backend(value: Any) -> dict[str, Any] | None:
    """A v1beta1 backend (serviceName, servicePort and nothing else) as v1, or None."""
    if not isinstance(value, dict) or set(value) != {"serviceName", "servicePort"}:
        return None
    name, port = value["serviceName"], value["servicePort"]
    if not isinstance(name, str) or isinstance(port, bool):
        return None
    if isinstance(port, str) and port.isdigit():
        port = int(port)
    if isinstance(port, int):
        return {"service": {"name": name, "port": {"number": port}}}
    if isinstance(port, str) and port:
        return {"service": {"name": name, "port": {"name": port}}}
    return None


def _ingress(spec: dict[str, Any]) -> list[Op] | None:
    ops: list[Op] = []
    if "backend" in spec:
        new = _backend(spec["backend"])
        if new is None or "defaultBackend" in spec:
            return None
        ops += [Op("rewrite", ("spec", "backend"), new), Op("rename", ("spec", "backend"), "defaultBackend")]
    rules = spec.get("rules")
    for i, rule in enumerate(rules if isinstance(rules, list) else []):
        http = rule.get("http") if isinstance(rule, dict) else None
        paths = http.get("paths") if isinstance(http, dict) else None
        if http is not None and not isinstance(paths, list):
            return None
        for j, path in enumerate(paths or []):
            if not isinstance(path, dict):
                return None
            where = ("spec", "rules", i, "http", "paths", j)
            if "backend" in path:
                new = _backend(path["backend"])
                if new is None:
                    return None
                ops.append(Op("rewrite", (*where, "backend"), new))
            if "pathType" not in path:
                ops.append(Op("insert", where, ("pathType", "ImplementationSpecific")))
    return ops
