"""LimitRange and ResourceQuota admission, checked across the objects of a namespace."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from fractions import Fraction
from typing import Any

from ..admission import (
    MUST_SPECIFY,
    EffectiveContainer,
    LimitRangeItem,
    Value,
    container_defaults,
    effective_containers,
    is_extended,
    limit_range_items,
    merged_defaults,
    overhead,
    pod_matches_scope,
    pod_quota_usage,
    pod_totals,
    quota_hard,
    quota_scope,
)
from ..findings import Path, Related, Severity, Violation
from ..model import WORKLOAD_KINDS, K8sObject, as_dict, as_list, get_in
from ..quantity import format_quantity, human_quantity, parse_quantity
from ..registry import Context, rule

_LIMITRANGER = "plugin/pkg/admission/limitranger/admission.go"
_QUOTA = "pkg/quota/v1/evaluator/core/pods.go"
_MAX_MILLI = (2**63 - 1) // 1000  # resource.MaxMilliValue


def show(name: str, amount: Fraction) -> str:
    binary = name.split("/")[-1].split(".")[-1] in ("memory", "storage", "ephemeral-storage") or "hugepages" in name
    return human_quantity(amount, binary=binary)


def _enforced_units(*amounts: Fraction) -> list[Fraction]:
    """requestLimitEnforcedValues: compare in milli-units (rounded up) unless that would overflow."""
    values = [math.ceil(a) for a in amounts]
    if all(v <= _MAX_MILLI for v in values):
        return [Fraction(math.ceil(a * 1000)) for a in amounts]
    return [Fraction(v) for v in values]


def _limit_ranges(obj: K8sObject, ctx: Context) -> Sequence[K8sObject]:
    return ctx.index.in_namespace(obj.namespace, ("LimitRange",))


def _items(lr: K8sObject, ctx: Context) -> list[LimitRangeItem]:
    """A LimitRange's items after its own defaulting, parsed once per run."""
    key = ("limit-range-items", id(lr))
    found = ctx.cache.get(key)
    if found is None:
        found = ctx.cache[key] = limit_range_items(lr)
    return found  # type: ignore[return-value]


_BOUNDS = ("min", "max", "maxLimitRequestRatio")


def _bounded_items(obj: K8sObject, ctx: Context) -> list[LimitRangeItem]:
    """The namespace's LimitRange items that bound anything (min, max, ratio), once per namespace."""
    key = ("bounded-items", obj.namespace)
    found = ctx.cache.get(key)
    if found is None:
        lrs = sorted(_limit_ranges(obj, ctx), key=lambda o: o.name)
        found = ctx.cache[key] = [item for lr in lrs for item in _items(lr, ctx)
                                  if any(item.fields[b] for b in _BOUNDS)]
    return found  # type: ignore[return-value]


def effective(obj: K8sObject, ctx: Context) -> list[EffectiveContainer]:
    """Containers after defaulting, computed once per object per run."""
    key = ("effective", id(obj))
    found = ctx.cache.get(key)
    if found is None:
        ns_key = ("container-defaults", obj.namespace)
        defaults = ctx.cache.get(ns_key)
        if defaults is None:
            defaults = ctx.cache[ns_key] = merged_defaults(container_defaults(_limit_ranges(obj, ctx)))
        found = ctx.cache[key] = effective_containers(obj, defaults)  # type: ignore[arg-type]
    return found  # type: ignore[return-value]


def _origin(value: Value) -> str:
    if value.origin == "limit":
        return " (the request defaults to the limit)"
    if value.origin:
        return f" (default from {value.origin})"
    return ""


def _constraints(item: LimitRangeItem, requests: dict[str, Value], limits: dict[str, Value],
                 what: str) -> Iterator[tuple[str, str, str | None, str]]:
    """(resource, message, offending part or None, bound field) for each min/max/ratio violated.

    Mirrors minConstraint, maxConstraint and limitRequestRatioConstraint of LimitRanger, with the
    API server's messages; `what` is the LimitRange type ("Container", "Pod").
    """
    fields = item.fields
    for res, bound in fields["min"].items():
        req, lim = requests.get(res), limits.get(res)
        head = f"minimum {res} usage per {what} is {show(res, bound)}"
        if req is None:
            yield res, f"{head}. No request is specified", None, "min"
            continue
        r, b = _enforced_units(req.amount, bound)
        if r < b:
            yield res, f"{head}, but request is {show(res, req.amount)}{_origin(req)}", "requests", "min"
        elif lim is not None:
            v, b = _enforced_units(lim.amount, bound)
            if v < b:
                yield res, f"{head}, but limit is {show(res, lim.amount)}{_origin(lim)}", "limits", "min"
    for res, bound in fields["max"].items():
        req, lim = requests.get(res), limits.get(res)
        head = f"maximum {res} usage per {what} is {show(res, bound)}"
        if lim is None:
            yield res, f"{head}. No limit is specified", None, "max"
            continue
        v, b = _enforced_units(lim.amount, bound)
        if v > b:
            yield res, f"{head}, but limit is {show(res, lim.amount)}{_origin(lim)}", "limits", "max"
        elif req is not None:
            r, b = _enforced_units(req.amount, bound)
            if r > b:
                yield res, f"{head}, but request is {show(res, req.amount)}{_origin(req)}", "requests", "max"
    for res, bound in fields["maxLimitRequestRatio"].items():
        req, lim = requests.get(res), limits.get(res)
        r = _enforced_units(req.amount)[0] if req else Fraction(0)
        v = _enforced_units(lim.amount)[0] if lim else Fraction(0)
        head = f"{res} max limit to request ratio per {what} is {format_quantity(bound)}"
        if req is None or r == 0:
            yield res, f"{head}, but no request is specified or request is 0", None, "maxLimitRequestRatio"
        elif lim is None or v == 0:
            yield res, f"{head}, but no limit is specified or limit is 0", None, "maxLimitRequestRatio"
        elif v / r > bound:
            yield res, (f"{head}, but provided ratio is {float(v / r):f} (limit {show(res, lim.amount)}"
                        f"{_origin(lim)}, request {show(res, req.amount)}{_origin(req)})"), \
                "limits", "maxLimitRequestRatio"


@rule(
    "limit-range-violation",
    severity=Severity.ERROR,
    summary=(
        "After defaulting, a container, a pod or a PersistentVolumeClaim falls outside a LimitRange of "
        "its namespace (below min, above max, or a limit/request ratio above maxLimitRequestRatio)."
    ),
    why=(
        "The LimitRanger admission plugin rejects the pod ('maximum cpu usage per Container is 1, but "
        "limit is 2'), so a Deployment's ReplicaSet never gets its pods: the rollout hangs with "
        "FailedCreate events. This includes violations caused by the LimitRange's own defaults (a "
        "default limit of 500m with a defaultRequest of 100m and maxLimitRequestRatio 4 rejects every "
        "container that sets neither). Semantics follow " + _LIMITRANGER + " (defaults merged into "
        "containers and init containers where unset; min/max/ratio per container, on pod totals for "
        "type Pod, on requests.storage for type PersistentVolumeClaim) and SetDefaults_LimitRangeItem "
        "(max -> default, default -> defaultRequest, min -> defaultRequest); see "
        "https://kubernetes.io/docs/concepts/policy/limit-range/."
    ),
    remediation=(
        "Bring the value inside the bounds named in the message, or set explicit requests and limits "
        "where the LimitRange's defaults are what breaks the bound; or change the LimitRange."
    ),
    kinds=WORKLOAD_KINDS | {"PersistentVolumeClaim"},
    exemptions=(
        "Namespaces without a LimitRange in the run: LimitRanges that only exist in the cluster are "
        "not known to a linter.",
        "Ephemeral containers (they are not admitted through LimitRanger).",
    ),
    tags=("resources", "admission", "cross-object"),
)
def limit_range_violation(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    items = _bounded_items(obj, ctx)
    if not items:
        return
    if obj.kind == "PersistentVolumeClaim":
        yield from _pvc(obj, ("spec",), items)
        return
    if obj.kind == "StatefulSet":
        for i, _ in enumerate(as_list(get_in(obj.data, ("spec", "volumeClaimTemplates")))):
            yield from _pvc(obj, ("spec", "volumeClaimTemplates", i, "spec"), items)
    containers = effective(obj, ctx)
    if not containers:
        return
    for item in items:
        related = (Related(item.limit_range, item.path("max")[:3], f'LimitRange "{item.name}"'),)
        if item.type == "Container":
            for c in containers:
                for res, message, part, bound in _constraints(item, c.requests, c.limits, "Container"):
                    value = (c.requests if part == "requests" else c.limits).get(res) if part else None
                    path = value.path if value is not None and value.path and not value.origin else c.container.path
                    rel = (Related(item.limit_range, item.path(bound, res), f'LimitRange "{item.name}"'),)
                    yield Violation(path, f'container "{c.name}": {message} (LimitRange "{item.name}")', rel)
        elif item.type == "Pod":  # LimitRanger's podRequests/podLimits: no overhead
            requests = {k: Value(v, None) for k, v in pod_totals(containers, {}, "requests").items()}
            limits = {k: Value(v, None) for k, v in pod_totals(containers, {}, "limits").items()}
            for res, message, _part, bound in _constraints(item, requests, limits, "Pod"):
                rel = (Related(item.limit_range, item.path(bound, res), f'LimitRange "{item.name}"'),)
                yield Violation(obj.pod_spec_path or (), f"pod total: {message} (LimitRange \"{item.name}\")",
                                rel or related)


def _pvc(obj: K8sObject, spec: Path, items: list[LimitRangeItem]) -> Iterator[Violation]:
    """PersistentVolumeClaimValidateLimitFunc: min/max against requests.storage."""
    raw = get_in(obj.data, (*spec, "resources", "requests", "storage"))
    request = parse_quantity(raw) if raw is not None else None
    path: Path = (*spec, "resources", "requests", "storage") if raw is not None else spec
    for item in items:
        if item.type != "PersistentVolumeClaim":
            continue
        for field, compare in (("min", lambda r, b: r < b), ("max", lambda r, b: r > b)):
            bound = item.fields[field].get("storage")
            if bound is None:
                continue
            rel = (Related(item.limit_range, item.path(field, "storage"), f'LimitRange "{item.name}"'),)
            word = "minimum" if field == "min" else "maximum"
            if request is None:
                if raw is None:
                    yield Violation(path, f"{word} storage usage per PersistentVolumeClaim is "
                                    f'{show("storage", bound)}. No request is specified (LimitRange "{item.name}")',
                                    rel)
                continue
            r, b = _enforced_units(request, bound)
            if compare(r, b):
                yield Violation(path, (
                    f"{word} storage usage per PersistentVolumeClaim is {show('storage', bound)}, but "
                    f'request is {show("storage", request)} (LimitRange "{item.name}")'), rel)


_LR_CHECKS = (  # ValidateLimitRange: (smaller field, larger field, message)
    ("min", "max", "min value {a} is greater than max value {b}"),
    ("min", "defaultRequest", "min value {a} is greater than default request value {b}"),
    ("defaultRequest", "max", "default request value {a} is greater than max value {b}"),
    ("defaultRequest", "default", "default request value {a} is greater than default limit value {b}"),
    ("min", "default", "min value {a} is greater than default value {b}"),
    ("default", "max", "default value {a} is greater than max value {b}"),
)


@rule(
    "limit-range-invalid",
    severity=Severity.ERROR,
    summary=(
        "A LimitRange contradicts itself (min above max, a default outside [min, max], defaultRequest "
        "above default, ...)."
    ),
    why=(
        "The API server rejects the LimitRange (ValidateLimitRange in pkg/apis/core/validation), so "
        "the namespace silently gets no defaults and no bounds. Checks run after the API's own "
        "defaulting of the LimitRange (max -> default -> defaultRequest, min -> defaultRequest), "
        "exactly as the server validates it."
    ),
    remediation=(
        "Order the values min <= defaultRequest <= default <= max for each resource, keep "
        "maxLimitRequestRatio >= 1 and <= max/min, and do not set default or defaultRequest on "
        "items of type Pod."
    ),
    kinds={"LimitRange"},
    tags=("resources", "admission"),
)
def limit_range_invalid(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    seen_types: set[str] = set()
    for item in limit_range_items(obj):
        base: Path = ("spec", "limits", item.index)
        if item.type in seen_types:
            yield Violation((*base, "type"), f"duplicate type {item.type}: one item per type")
        seen_types.add(item.type)
        if item.type == "Pod":
            for part in ("default", "defaultRequest"):
                if item.written[part]:
                    yield Violation((*base, part), f"{part} may not be specified when type is Pod")
        if item.type == "PersistentVolumeClaim" and "storage" not in item.fields["min"] \
                and "storage" not in item.fields["max"]:
            yield Violation(base, "a PersistentVolumeClaim limit needs a min or max storage value, but neither is set")
        fields = item.fields
        found: list[tuple[str, Path, str, bool]] = []  # (resource, path, message, both values written)
        for low, high, text in _LR_CHECKS:
            for res, a in fields[low].items():
                b = fields[high].get(res)
                if b is None or a <= b:
                    continue
                written = res in item.written[low]
                both = written and res in item.written[high]
                message = text.format(a=show(res, a), b=show(res, b))
                if not both:
                    message += " (after the API defaults unset default/defaultRequest from max/default/min)"
                found.append((res, item.path(low if written else high, res), message, both))
        for res, path, message, both in found:
            # a contradiction between written values explains the ones its defaults inherit
            if both or not any(r == res and p == path and b for r, p, _, b in found):
                yield Violation(path, f"{res}: {message}")
        for res, default in fields["default"].items():  # resources that cannot be overcommitted
            request = fields["defaultRequest"].get(res)
            if (res.startswith("hugepages-") or is_extended(res)) and request is not None and request != default:
                yield Violation(item.path("default", res), (
                    f"{res}: default value {show(res, default)} must equal to defaultRequest value "
                    f"{show(res, request)} (it cannot be overcommitted)"))
        for res, ratio in fields["maxLimitRequestRatio"].items():
            path = item.path("maxLimitRequestRatio", res)
            if ratio < 1:
                yield Violation(path, f"{res}: ratio {format_quantity(ratio)} is less than 1")
            smallest: Fraction | None = fields["min"].get(res)
            largest: Fraction | None = fields["max"].get(res)
            if smallest and largest and ratio > largest / smallest:
                yield Violation(path, f"{res}: ratio {format_quantity(ratio)} is greater than max/min = "
                                      f"{float(largest / smallest):f}")


# --- ResourceQuota -------------------------------------------------------------------------------

def _quotas(obj: K8sObject, ctx: Context) -> list[tuple[K8sObject, list[str], Any]]:
    """(quota, the cpu/memory resources it makes every container specify, scope), per namespace."""
    key = ("quotas", obj.namespace)
    found = ctx.cache.get(key)
    if found is None:
        quotas = sorted(ctx.index.in_namespace(obj.namespace, ("ResourceQuota",)), key=lambda o: o.name)
        found = ctx.cache[key] = [
            (q, [k for k in quota_hard(q) if k in MUST_SPECIFY], quota_scope(q)) for q in quotas]
    return found  # type: ignore[return-value]


@rule(
    "quota-requires-resources",
    severity=Severity.ERROR,
    summary=(
        "A ResourceQuota of the namespace tracks cpu or memory requests or limits, and a container "
        "does not specify them (after LimitRange defaulting): the pod is rejected."
    ),
    why=(
        "When a quota tracks requests.cpu/cpu, requests.memory/memory, limits.cpu or limits.memory, "
        "every container and init container must specify that value or admission fails with "
        "'must specify limits.cpu for: app' (" + _QUOTA + ", Constraints: a documented backward-"
        "compatibility rule). Quotas on ephemeral storage and extended resources (requests.nvidia.com/"
        "gpu) do not require a value per container: pods without one are charged 0 and admitted, so "
        "they are not reported. See https://kubernetes.io/docs/concepts/policy/resource-quotas/."
    ),
    remediation=(
        "Set the missing requests/limits on the container, or add a LimitRange with default and "
        "defaultRequest values to the namespace."
    ),
    kinds=WORKLOAD_KINDS,
    exemptions=(
        "Pods outside the quota's scopes (Terminating, NotTerminating, BestEffort, NotBestEffort, "
        "PriorityClass).",
    ),
    tags=("resources", "admission", "cross-object"),
)
def quota_requires_resources(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    quotas = _quotas(obj, ctx)
    if not quotas:
        return
    pod_level = as_dict(as_dict(obj.pod_spec()).get("resources"))
    if pod_level.get("requests") or pod_level.get("limits"):
        return  # pod-level resources (PodLevelResources): the per-container constraint is skipped
    containers = effective(obj, ctx)
    for quota, required, scope in quotas:
        if not required or not pod_matches_scope(scope, obj, containers):
            continue
        for c in containers:
            missing = [k for k in required if MUST_SPECIFY[k][1] not in getattr(c, MUST_SPECIFY[k][0])]
            if not missing:
                continue
            what = "init container" if c.container.init else "container"
            needs = ", ".join(missing)
            yield Violation(c.container.path, (
                f'{what} "{c.name}" does not specify {needs}, which ResourceQuota "{quota.name}" tracks: '
                f'the pod is rejected ("must specify {needs}")'),
                (Related(quota, ("spec", "hard", missing[0]), f'ResourceQuota "{quota.name}"'),))


_PLURALS = {"Endpoints": "endpoints", "Ingress": "ingresses", "NetworkPolicy": "networkpolicies",
            "PodSecurityPolicy": "podsecuritypolicies", "PriorityClass": "priorityclasses",
            "StorageClass": "storageclasses", "IngressClass": "ingressclasses"}


def _plural(kind: str) -> str:
    if kind in _PLURALS:
        return _PLURALS[kind]
    lower = kind.lower()
    if lower.endswith("y") and lower[-2:-1] not in "aeiou":
        return lower[:-1] + "ies"
    if lower.endswith(("s", "x", "ch", "sh")):
        return lower + "es"
    return lower + "s"


def _count_name(obj: K8sObject) -> str:
    group = obj.api_version.rpartition("/")[0]
    return f"count/{_plural(obj.kind)}" + (f".{group}" if group else "")


def replicas(obj: K8sObject, ctx: Context) -> int:
    """How many pods of `obj` run at once: the number the quota is charged for."""
    spec = as_dict(obj.data.get("spec"))

    def number(value: Any, default: int) -> int:
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default

    if obj.kind == "Pod":
        return 1
    if obj.kind == "DaemonSet":
        return ctx.settings.nodes
    if obj.kind == "Job":
        return number(spec.get("parallelism"), 1)
    if obj.kind == "CronJob":
        return number(get_in(spec, ("jobTemplate", "spec", "parallelism")), 1)
    count = number(spec.get("replicas"), 1)
    if ctx.settings.replicas == "max":
        for hpa in _autoscalers(obj.namespace, ctx).get((obj.kind, obj.name), ()):
            count = max(count, number(get_in(hpa.data, ("spec", "maxReplicas")), count))
    return count


def _autoscalers(namespace: str | None, ctx: Context) -> dict[tuple[str, str], list[K8sObject]]:
    """The HorizontalPodAutoscalers of a namespace by the (kind, name) they scale, grouped once per
    cluster view (ctx.cache): a quota charges every workload of its namespace."""
    key = ("autoscalers", namespace)
    found = ctx.cache.get(key)
    if found is None:
        by_target: dict[tuple[str, str], list[K8sObject]] = {}
        for hpa in ctx.index.in_namespace(namespace, ("HorizontalPodAutoscaler",)):
            target = as_dict(get_in(hpa.data, ("spec", "scaleTargetRef")))
            kind, name = target.get("kind"), target.get("name")
            if isinstance(kind, str) and isinstance(name, str):
                by_target.setdefault((kind, name), []).append(hpa)
        found = ctx.cache[key] = by_target
    return found  # type: ignore[return-value]


def _usage(quota: K8sObject, ctx: Context) -> dict[str, list[tuple[K8sObject, Fraction, str]]]:
    """Quota resource name -> [(object, amount, how)] for everything of the namespace the quota charges."""
    usage: dict[str, list[tuple[K8sObject, Fraction, str]]] = {}

    def charge(name: str, obj: K8sObject, amount: Fraction, how: str = "") -> None:
        if amount:
            usage.setdefault(name, []).append((obj, amount, how))

    scope = quota_scope(quota)
    scoped = bool(scope.terminating is not None or scope.best_effort is not None or scope.priority
                  or scope.unsupported)
    for obj in ctx.index.in_namespace(quota.namespace):
        if obj.pod_labels() is not None:
            containers = effective(obj, ctx)
            if not pod_matches_scope(scope, obj, containers):
                continue
            n = replicas(obj, ctx)
            extra = overhead(obj)
            per_pod = pod_quota_usage(pod_totals(containers, extra, "requests"),
                                      pod_totals(containers, extra, "limits"))
            for name, amount in per_pod.items():
                counted = name in ("pods", "count/pods")
                charge(name, obj, amount * n, f"{n} x {show(name, amount)}" if n != 1 and not counted else "")
        if scoped:
            continue  # a quota with scopes only tracks pods
        charge(_count_name(obj), obj, Fraction(1))
        if obj.kind in ("ConfigMap", "Secret", "ReplicationController", "ResourceQuota"):
            charge(_plural(obj.kind), obj, Fraction(1))
        if obj.kind == "Deployment":
            charge("count/replicasets.apps", obj, Fraction(1), "its ReplicaSet")
        if obj.kind == "Service":
            spec = as_dict(obj.data.get("spec"))
            charge("services", obj, Fraction(1))
            kind = spec.get("type")
            if kind == "LoadBalancer":
                charge("services.loadbalancers", obj, Fraction(1))
            if kind in ("NodePort", "LoadBalancer"):
                ports = as_list(spec.get("ports"))
                if kind == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is False:
                    ports = [p for p in ports if as_dict(p).get("nodePort")]  # only explicit node ports
                how = f"{len(ports)} ports" if len(ports) != 1 else ""
                charge("services.nodeports", obj, Fraction(len(ports)), how)
        claims: list[tuple[Path, int]] = []
        if obj.kind == "PersistentVolumeClaim":
            claims.append((("spec",), 1))
        elif obj.kind == "StatefulSet":
            n = replicas(obj, ctx)
            for i, _ in enumerate(as_list(get_in(obj.data, ("spec", "volumeClaimTemplates")))):
                claims.append((("spec", "volumeClaimTemplates", i, "spec"), n))
        for spec_path, n in claims:
            how = f"{n} claims" if n != 1 else ""
            charge("persistentvolumeclaims", obj, Fraction(n), how)
            storage = parse_quantity(get_in(obj.data, (*spec_path, "resources", "requests", "storage")))
            if storage is not None:
                storage = Fraction(math.ceil(storage))  # RoundUp(0): whole bytes
            if storage is not None:
                charge("requests.storage", obj, storage * n, f"{n} x {show('storage', storage)}" if n != 1 else "")
            sc = get_in(obj.data, (*spec_path, "storageClassName"))
            if isinstance(sc, str) and sc:
                prefix = f"{sc}.storageclass.storage.k8s.io/"
                charge(prefix + "persistentvolumeclaims", obj, Fraction(n), how)
                if storage is not None:
                    charge(prefix + "requests.storage", obj, storage * n)
    return usage


def _merged(charges: list[tuple[K8sObject, Fraction, str]]) -> list[tuple[K8sObject, Fraction, str]]:
    """One entry per object (a PVC charged twice is listed once, with its total), largest first."""
    by_object: dict[int, tuple[K8sObject, Fraction, str]] = {}
    for obj, amount, how in charges:
        seen = by_object.get(id(obj))
        by_object[id(obj)] = (obj, amount, how) if seen is None else (obj, seen[1] + amount, "")
    return sorted(by_object.values(), key=lambda c: -c[1])


@rule(
    "quota-exceeded",
    severity=Severity.ERROR,
    summary="What the manifests of a namespace would create exceeds a ResourceQuota's hard limit.",
    why=(
        "The quota admission plugin rejects whatever crosses the limit ('exceeded quota: team, "
        "requested: requests.cpu=500m, used: requests.cpu=2, limited: requests.cpu=2'): the last "
        "replicas of a Deployment are never created and the rollout never completes. Compute "
        "resources are pod totals (containers, init containers and sidecars as the scheduler counts "
        "them, plus overhead) times replicas: spec.replicas (default 1), Job parallelism, DaemonSets "
        "once per node (--nodes, default 1), an HPA's maxReplicas with --replicas max. Storage counts "
        "PVCs and StatefulSet volumeClaimTemplates per replica, in total and per StorageClass; object "
        "counts cover pods, services (services.nodeports counts each port of NodePort and LoadBalancer "
        "Services), configmaps, secrets, replicationcontrollers and count/<resource>.<group>. Scopes "
        "decide which pods count. See https://kubernetes.io/docs/concepts/policy/resource-quotas/."
    ),
    remediation=(
        "Raise the quota's hard value, lower requests or replicas, or move workloads to another "
        "namespace. The message lists the largest contributors."
    ),
    kinds={"ResourceQuota"},
    exemptions=(
        "Objects that already exist in the cluster, and usage from other tools, are not known to a "
        "linter: only what the run contains is counted.",
        "Extra pods during a rolling update (maxSurge) are not counted.",
    ),
    tags=("resources", "admission", "cross-object"),
)
def quota_exceeded(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    hard = quota_hard(obj)
    if not hard:
        return
    usage = _usage(obj, ctx)
    for name, limit in hard.items():
        charges = usage.get(name)
        if not charges:
            continue
        total = sum((amount for _, amount, _ in charges), Fraction(0))
        if total <= limit.amount:
            continue
        charges = _merged(charges)
        parts = [f"{o.kind} {o.name} {show(name, amount)}" + (f" ({how})" if how else "")
                 for o, amount, how in charges[:3]]
        if len(charges) > 3:
            parts.append(f"{len(charges) - 3} more")
        verb = "requested" if name.startswith(("requests.", "limits.")) or name in ("cpu", "memory") else "used"
        yield Violation(limit.path or ("spec", "hard"), (
            f"{name}: {show(name, total)} {verb} ({', '.join(parts)}) exceeds hard {show(name, limit.amount)}"),
            tuple(Related(o, (), "counted") for o, _, _ in charges[:3]))
