"""What the API server's LimitRanger and ResourceQuota admission plugins would compute for a pod.

Mirrors, in order of application:
- API defaulting (pkg/apis/core/v1/defaults.go): a container with a limit but no request for a
  resource gets a request equal to the limit; a LimitRange item of type Container gets
  default := max, defaultRequest := default, defaultRequest := min where unset
  (SetDefaults_LimitRangeItem).
- LimitRanger (plugin/pkg/admission/limitranger/admission.go): defaults from each LimitRange of
  the namespace are merged into containers and init containers where unset
  (defaultContainerResourceRequirements, mergeContainerResources); then min, max and
  maxLimitRequestRatio are enforced per container (type Container), on pod totals (type Pod,
  podRequests/podLimits) and on PVC requests (type PersistentVolumeClaim).
- ResourceQuota (pkg/quota/v1/evaluator/core): pod usage from pod totals (resourcehelper.PodRequests,
  PodLimits: containers summed, init containers as a maximum with restartable sidecars cumulated,
  plus overhead), podComputeUsageHelper's resource names, the "must specify" constraint on cpu and
  memory, and scopes.

Quantities are exact (`fractions.Fraction`). Values remember where they came from, so a finding
can point at the offending field, or at the container when the value is a default.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import field
from fractions import Fraction
from typing import Any

from .findings import Path
from .model import Container, K8sObject, as_dict, as_list, get_in
from .quantity import parse_quantity
from .records import dataclass

Resources = dict[str, Fraction]


@dataclass(frozen=True, slots=True)
class Value:
    amount: Fraction
    path: Path | None  # where the value is written in the object, None when it is a default
    origin: str = ""  # "" (written), "limit" (request defaulted to the limit), or "LimitRange <name>"


def _resources(data: Any, path: Path) -> dict[str, Value]:
    out = {}
    for name, raw in as_dict(get_in(data, path)).items():
        amount = parse_quantity(raw)
        if amount is not None:  # invalid quantities are invalid-quantity's business
            out[str(name)] = Value(amount, (*path, name))
    return out


def _amounts(values: dict[str, Value]) -> Resources:
    return {k: v.amount for k, v in values.items()}


# --- LimitRange ----------------------------------------------------------------------------------

_LR_FIELDS = ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio")


@dataclass
class LimitRangeItem:
    limit_range: K8sObject
    index: int
    type: str
    fields: dict[str, Resources]  # after SetDefaults_LimitRangeItem
    written: dict[str, Resources]  # as written (for limit-range-invalid)

    def path(self, part: str, resource: str | None = None) -> Path:
        base: Path = ("spec", "limits", self.index)
        if part in self.written and (resource is None or resource in self.written[part]):
            return (*base, part, resource) if resource else (*base, part)
        return base

    @property
    def name(self) -> str:
        return self.limit_range.name


def limit_range_items(lr: K8sObject) -> list[LimitRangeItem]:
    items = []
    for i, raw in enumerate(as_list(get_in(lr.data, ("spec", "limits")))):
        raw = as_dict(raw)
        written = {f: _amounts(_resources(raw, (f,))) for f in _LR_FIELDS}
        fields = {f: dict(v) for f, v in written.items()}
        kind = str(raw.get("type", ""))
        if kind == "Container":  # SetDefaults_LimitRangeItem
            for key, value in fields["max"].items():
                fields["default"].setdefault(key, value)
            for key, value in fields["default"].items():
                fields["defaultRequest"].setdefault(key, value)
            for key, value in fields["min"].items():
                fields["defaultRequest"].setdefault(key, value)
        items.append(LimitRangeItem(lr, i, kind, fields, written))
    return items


# --- containers after defaulting -----------------------------------------------------------------

@dataclass
class EffectiveContainer:
    container: Container
    requests: dict[str, Value]
    limits: dict[str, Value]

    @property
    def name(self) -> str:
        return self.container.name


Defaults = list[tuple[str, Resources, Resources]]


def container_defaults(limit_ranges: Iterable[K8sObject]) -> Defaults:
    """(origin, default requests, default limits) of each LimitRange, in the order they apply."""
    defaults: Defaults = []
    for lr in sorted(limit_ranges, key=lambda o: o.name):
        requests: Resources = {}
        limits: Resources = {}
        for item in limit_range_items(lr):
            if item.type == "Container":
                requests.update(item.fields["defaultRequest"])
                limits.update(item.fields["default"])
        defaults.append((f"LimitRange {lr.name}", requests, limits))
    return defaults


MergedDefaults = tuple[dict[str, tuple[Fraction, str]], dict[str, tuple[Fraction, str]]]
NO_DEFAULTS: MergedDefaults = ({}, {})


def merged_defaults(defaults: Defaults) -> MergedDefaults:
    """The defaults of several LimitRanges as one (request and limit: resource -> (amount, origin)).

    mergeContainerResources fills only unset values, LimitRange after LimitRange, so for each
    resource the first LimitRange that defaults it wins.
    """
    requests: dict[str, tuple[Fraction, str]] = {}
    limits: dict[str, tuple[Fraction, str]] = {}
    for origin, default_requests, default_limits in defaults:
        for name, amount in default_limits.items():
            limits.setdefault(name, (amount, origin))
        for name, amount in default_requests.items():
            requests.setdefault(name, (amount, origin))
    return requests, limits


def effective_containers(obj: K8sObject, defaults: MergedDefaults) -> list[EffectiveContainer]:
    """Containers and init containers of `obj`'s pod after API and LimitRanger defaulting.

    `defaults`: `merged_defaults(container_defaults(limit ranges of the namespace))`, computed once
    per namespace.
    """
    default_requests, default_limits = defaults
    out = []
    for container in obj.containers():
        base = (*container.path, "resources")
        requests = _resources(obj.data, (*base, "requests"))
        limits = _resources(obj.data, (*base, "limits"))
        for name, value in limits.items():  # API defaulting: request := limit
            if name not in requests:
                requests[name] = Value(value.amount, value.path, "limit")
        for name, (amount, origin) in default_limits.items():  # mergeContainerResources
            if name not in limits:
                limits[name] = Value(amount, None, origin)
        for name, (amount, origin) in default_requests.items():
            if name not in requests:
                requests[name] = Value(amount, None, origin)
        out.append(EffectiveContainer(container, requests, limits))
    return out


def _add(into: Resources, values: Resources) -> None:
    for name, amount in values.items():
        into[name] = into.get(name, Fraction(0)) + amount


def _max(into: Resources, values: Resources) -> None:
    for name, amount in values.items():
        if name not in into or amount > into[name]:
            into[name] = amount


def pod_totals(containers: list[EffectiveContainer], overhead: Resources, part: str) -> Resources:
    """Pod requests or limits (`part`) as resourcehelper.PodRequests / PodLimits compute them.

    Regular containers are summed; restartable init containers (sidecars) are added to that sum
    and also run beside every later init container; the pod needs the larger of that sum and the
    largest init-phase total. A container without a value for a resource contributes nothing.
    `overhead` is added to requests, and to non-zero limits: the quota evaluator does this
    (resourcehelper.PodRequests/PodLimits); LimitRanger's own podRequests/podLimits do not, so
    callers mirroring LimitRanger pass no overhead.
    """
    total: Resources = {}
    for c in containers:
        if not c.container.init:
            _add(total, _amounts(getattr(c, part)))
    sidecars: Resources = {}
    init_peak: Resources = {}
    for c in containers:
        if not c.container.init:
            continue
        values = _amounts(getattr(c, part))
        if c.container.restartable:
            _add(total, values)
            _add(sidecars, values)
            phase = dict(sidecars)
        else:
            phase = dict(values)
            _add(phase, sidecars)
        _max(init_peak, phase)
    _max(total, init_peak)
    if part == "requests":
        _add(total, overhead)
    else:
        for name, amount in overhead.items():
            if total.get(name):
                total[name] += amount
    return total


def overhead(obj: K8sObject) -> Resources:
    path = obj.pod_spec_path
    return _amounts(_resources(obj.data, (*path, "overhead"))) if path is not None else {}


# --- ResourceQuota -------------------------------------------------------------------------------

#: Resources a quota may track for which every container must then specify a value (the quota
#: evaluator's `validationSet`: "BACKWARD COMPATIBILITY REQUIREMENT ... this was a mistake").
MUST_SPECIFY = {
    "cpu": ("requests", "cpu"), "requests.cpu": ("requests", "cpu"), "limits.cpu": ("limits", "cpu"),
    "memory": ("requests", "memory"), "requests.memory": ("requests", "memory"),
    "limits.memory": ("limits", "memory"),
}
_STANDARD_PREFIXED = ("cpu", "memory", "ephemeral-storage")


def is_extended(name: str) -> bool:
    """An extended resource (helper.IsExtendedResourceName): a domain-qualified name outside the
    kubernetes.io domain and without the requests. prefix, e.g. nvidia.com/gpu."""
    if "/" not in name or name.startswith("requests."):
        return False
    domain = name.split("/", 1)[0]
    return not (domain == "kubernetes.io" or domain.endswith(".kubernetes.io"))


def pod_quota_usage(requests: Resources, limits: Resources) -> Resources:
    """podComputeUsageHelper: the quota resource names one pod is charged for."""
    usage: Resources = {"pods": Fraction(1), "count/pods": Fraction(1)}
    for name in _STANDARD_PREFIXED:
        if name in requests:
            usage[name] = requests[name]
            usage[f"requests.{name}"] = requests[name]
        if name in limits:
            usage[f"limits.{name}"] = limits[name]
    for name, amount in requests.items():
        if name.startswith("hugepages-"):
            usage[name] = amount
            usage[f"requests.{name}"] = amount
        elif is_extended(name):
            usage[f"requests.{name}"] = amount
    return usage


def is_best_effort(containers: list[EffectiveContainer]) -> bool:
    """QoS BestEffort (qos.GetPodQOS): no container or init container has a non-zero cpu or memory
    request or limit."""
    for c in containers:
        for values in (c.requests, c.limits):
            for name in ("cpu", "memory"):
                if name in values and values[name].amount > 0:
                    return False
    return True


@dataclass
class QuotaScope:
    terminating: bool | None = None  # True: Terminating, False: NotTerminating
    best_effort: bool | None = None
    priority: list[tuple[str, set[str]]] = field(default_factory=list)  # (operator, values)
    unsupported: list[str] = field(default_factory=list)


def quota_scope(quota: K8sObject) -> QuotaScope:
    scope = QuotaScope()
    spec = as_dict(quota.data.get("spec"))
    names: list[tuple[str, str, set[str]]] = [(str(s), "Exists", set()) for s in as_list(spec.get("scopes"))]
    for expr in as_list(as_dict(spec.get("scopeSelector")).get("matchExpressions")):
        expr = as_dict(expr)
        names.append((str(expr.get("scopeName")), str(expr.get("operator")),
                      {str(v) for v in as_list(expr.get("values"))}))
    for name, op, values in names:
        if name == "Terminating":
            scope.terminating = True
        elif name == "NotTerminating":
            scope.terminating = False
        elif name == "BestEffort":
            scope.best_effort = True
        elif name == "NotBestEffort":
            scope.best_effort = False
        elif name == "PriorityClass":
            scope.priority.append((op, values))
        else:
            scope.unsupported.append(name)
    return scope


def pod_matches_scope(scope: QuotaScope, obj: K8sObject, containers: list[EffectiveContainer]) -> bool:
    spec = obj.pod_spec() or {}
    if scope.unsupported:
        return False  # e.g. CrossNamespacePodAffinity: we cannot tell, so we do not count
    if scope.terminating is not None:
        deadline = spec.get("activeDeadlineSeconds")
        terminating = isinstance(deadline, int) and not isinstance(deadline, bool) and deadline >= 0
        if terminating != scope.terminating:
            return False
    if scope.best_effort is not None and is_best_effort(containers) != scope.best_effort:
        return False
    priority = spec.get("priorityClassName")
    for op, values in scope.priority:
        if op == "In" and priority not in values:
            return False
        if op == "NotIn" and priority in values:
            return False
        if op == "Exists" and not priority:
            return False
        if op == "DoesNotExist" and priority:
            return False
    return True


def quota_hard(quota: K8sObject) -> dict[str, Value]:
    return _resources(quota.data, ("spec", "hard"))
