"""Resource quantities must parse as Kubernetes quantities."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..findings import Path, Severity, Violation, render_path
from ..model import K8sObject, as_dict, as_list, get_in
from ..quantity import EXAMPLES, parse_quantity
from ..registry import Context, rule


def _map(data: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    """The entries of the mapping at `path` in `data`."""
    return _entries(get_in(data, path), path)


def _entries(mapping: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    """The entries of `mapping` (found at `path`), when it is a mapping."""
    if isinstance(mapping, dict):
        for key, value in mapping.items():
            yield (*path, key), value


def _requirements(resources: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    """requests and limits of the ResourceRequirements `resources` (found at `path`)."""
    if isinstance(resources, dict):
        for part in ("requests", "limits"):
            yield from _entries(resources.get(part), (*path, part))


def _pod_spec_quantities(obj: K8sObject) -> Iterator[tuple[Path, Any]]:
    spec_path = obj.pod_spec_path
    spec = obj.pod_spec()
    if spec_path is None or spec is None:
        return
    for group in ("containers", "initContainers", "ephemeralContainers"):
        for i, container in enumerate(as_list(spec.get(group))):
            if isinstance(container, dict):
                yield from _requirements(container.get("resources"), (*spec_path, group, i, "resources"))
    yield from _requirements(spec.get("resources"), (*spec_path, "resources"))  # pod-level resources
    yield from _entries(spec.get("overhead"), (*spec_path, "overhead"))
    for i, volume in enumerate(as_list(spec.get("volumes"))):
        volume = as_dict(volume)
        if "emptyDir" in volume and "sizeLimit" in as_dict(volume["emptyDir"]):
            yield (*spec_path, "volumes", i, "emptyDir", "sizeLimit"), volume["emptyDir"]["sizeLimit"]
        template = ("ephemeral", "volumeClaimTemplate", "spec", "resources")
        yield from _requirements(get_in(volume, template), (*spec_path, "volumes", i, *template))


def resource_quantities(obj: K8sObject) -> Iterator[tuple[Path, Any]]:
    """(path, value) of every field of `obj` that holds a resource quantity."""
    kind = obj.kind
    yield from _pod_spec_quantities(obj)
    if kind == "StatefulSet":
        for i, _ in enumerate(as_list(get_in(obj.data, ("spec", "volumeClaimTemplates")))):
            path = ("spec", "volumeClaimTemplates", i, "spec", "resources")
            yield from _requirements(get_in(obj.data, path), path)
    elif kind == "PersistentVolumeClaim":
        yield from _requirements(get_in(obj.data, ("spec", "resources")), ("spec", "resources"))
    elif kind == "PersistentVolume":
        yield from _map(obj.data, ("spec", "capacity"))
    elif kind == "ResourceQuota":
        yield from _map(obj.data, ("spec", "hard"))
    elif kind == "LimitRange":
        for i, _ in enumerate(as_list(get_in(obj.data, ("spec", "limits")))):
            for part in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
                yield from _map(obj.data, ("spec", "limits", i, part))


_KINDS = frozenset({"Pod", "Deployment", "ReplicaSet", "ReplicationController", "StatefulSet", "DaemonSet",
                    "Job", "CronJob", "PodTemplate", "PersistentVolumeClaim", "PersistentVolume",
                    "ResourceQuota", "LimitRange"})


@rule(
    "invalid-quantity",
    severity=Severity.ERROR,
    summary="A resource quantity (requests, limits, quota, LimitRange, storage size) is not a Kubernetes quantity.",
    why=(
        "The API server rejects the object ('quantities must match the regular expression ...'), "
        "but the published schemas accept any string, so `cpu: lots` or `memory: 1GB` pass other "
        "validators. Negative requests and limits are rejected too."
    ),
    remediation=(
        f"Write a number with an optional suffix: {EXAMPLES}. Memory takes Ki, Mi, Gi (powers of 2) "
        "or k, M, G (powers of 10) — `1GB` is not valid, `1G` or `1Gi` is; CPU takes millicores (`250m`)."
    ),
    kinds=_KINDS,
    tags=("resources", "schema"),
)
def invalid_quantity(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    for path, value in resource_quantities(obj):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            continue  # not a string or number at all: schema-violation reports the type
        parsed = parse_quantity(value)
        if parsed is not None and parsed >= 0:
            continue
        shown = f'"{value}"' if isinstance(value, str) else repr(value)
        if parsed is None:
            hint = ""
            if isinstance(value, str) and value[-1:] in ("B", "b") and parse_quantity(value[:-1]) is not None:
                hint = f" (drop the B: {value[:-1]})"
            yield Violation(path, f"{render_path(path)} {shown} is not a Kubernetes quantity{hint}; {EXAMPLES}")
        elif parsed < 0:
            yield Violation(path, f"{render_path(path)} {shown} must not be negative")
