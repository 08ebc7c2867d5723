"""Resource hygiene: containers without requests, containers without a memory limit.

What counts is what the pod gets once the API server has defaulted it: a container that sets a limit
but no request for a resource is given a request equal to the limit (SetDefaults_Pod in
pkg/apis/core/v1/defaults.go, for containers and init containers alike). A `null` value is an absent
value (`requests:` with nothing after it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..findings import Path, Severity, Violation
from ..model import WORKLOAD_KINDS, Container, K8sObject, as_dict
from ..registry import Context, rule

_KINDS = frozenset(WORKLOAD_KINDS)


def _set(values: dict[str, Any], resource: str) -> bool:
    value = values.get(resource)
    return value is not None and value != ""


def _where(container: Container, *steps: str) -> Path:
    """The deepest existing mapping on the way to `resources.<steps>`: where the user adds the field."""
    path: Path = container.path
    node: Any = container.data
    for step in ("resources", *steps):
        if not isinstance(node, dict) or step not in node:
            return path
        node, path = node[step], (*path, step)  # `requests:` left empty (null) is pointed at too
    return path


def _describe(container: Container) -> str:
    return f'{"init container" if container.init else "container"} "{container.name}"'


@rule(
    "missing-resource-requests",
    severity=Severity.WARNING,
    summary="A container does not request cpu and memory (neither directly nor through a limit).",
    why=(
        "The scheduler places pods by their requests: without them a node is overcommitted, the pod "
        "is the first evicted under pressure (QoS BestEffort), and autoscalers have nothing to work with."
    ),
    remediation="Set `resources.requests.cpu` and `resources.requests.memory` from observed usage.",
    kinds=_KINDS,
    exemptions=(
        "A resource with a limit but no request: the API server sets the request to the limit "
        "(SetDefaults_Pod, pkg/apis/core/v1/defaults.go).",
        "Requests a LimitRange of the namespace would default (`defaultRequest`): the rule does not read "
        "LimitRanges; disable it for namespaces that rely on them.",
    ),
    tags=("resources", "reliability"),
)
def missing_resource_requests(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    for container in obj.containers():
        resources = as_dict(container.data.get("resources"))
        requests, limits = as_dict(resources.get("requests")), as_dict(resources.get("limits"))
        missing = [r for r in ("cpu", "memory") if not _set(requests, r) and not _set(limits, r)]
        if not missing:
            continue
        if len(missing) == 2:
            message = f"{_describe(container)} requests neither cpu nor memory (no requests, no limits)"
        else:
            message = (f"{_describe(container)} requests no {missing[0]} (no resources.requests.{missing[0]}, "
                       "no limit to default from)")
        yield Violation(_where(container, "requests"), message)


@rule(
    "missing-memory-limit",
    severity=Severity.WARNING,
    summary="A container has no memory limit.",
    why=(
        "A container without a memory limit can take all of its node's memory; the kernel's OOM "
        "killer then picks victims among the other pods."
    ),
    remediation="Set `resources.limits.memory` (usually equal to the memory request).",
    kinds=_KINDS,
    exemptions=(
        "Limits a LimitRange of the namespace would default (`default`): the rule does not read "
        "LimitRanges; disable it for namespaces that rely on them.",
    ),
    tags=("resources", "reliability"),
)
def missing_memory_limit(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    for container in obj.containers():
        limits = as_dict(as_dict(container.data.get("resources")).get("limits"))
        if not _set(limits, "memory"):
            yield Violation(_where(container, "limits"), f"{_describe(container)} has no memory limit "
                                                         "(resources.limits.memory)")
