"""HorizontalPodAutoscalers whose utilization targets cannot be computed.

The HPA controller computes a Resource (or ContainerResource) utilization as usage over the pods'
requests, summed over the regular containers and restartable sidecars of each pod; a container that
requests none of the resource makes the whole metric fail ("missing request for cpu in container app of
Pod web-7d4b9c-x", calculatePodRequests in pkg/controller/podautoscaler/replica_calculator.go), and the
HPA never scales. An HPA without metrics defaults to 80% cpu utilization (SetDefaults_HorizontalPodAutoscaler
in pkg/apis/autoscaling/v2/defaults.go; autoscaling/v1 the same without targetCPUUtilizationPercentage).
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

from ..findings import Path, Related, Severity, Violation
from ..model import K8sObject, as_dict, as_list, get_in
from ..registry import Context, rule
from .admission import effective


def _utilization_metrics(hpa: K8sObject) -> list[tuple[Path, str, str | None]]:
    """(where it is written, resource, container or None) of each utilization target of `hpa`."""
    spec = as_dict(hpa.data.get("spec"))
    if hpa.api_version == "autoscaling/v1":
        where: Path = ("spec", "targetCPUUtilizationPercentage") if "targetCPUUtilizationPercentage" in spec \
            else ("spec", "scaleTargetRef")
        return [(where, "cpu", None)]
    metrics = as_list(spec.get("metrics"))
    if not metrics:
        return [(("spec", "scaleTargetRef"), "cpu", None)]  # the default: 80% cpu utilization
    out: list[tuple[Path, str, str | None]] = []
    for i, metric in enumerate(metrics):
        metric = as_dict(metric)
        kind = metric.get("type")
        if kind == "Resource":
            source = as_dict(metric.get("resource"))
            field = "resource"
        elif kind == "ContainerResource":
            source = as_dict(metric.get("containerResource"))
            field = "containerResource"
        else:
            continue
        name = source.get("name")
        target = as_dict(source.get("target"))
        utilization = target.get("type") == "Utilization" or "targetAverageUtilization" in source  # v2beta1
        if not isinstance(name, str) or not utilization:
            continue
        container = source.get("container") if kind == "ContainerResource" else None
        out.append((("spec", "metrics", i, field, "name"), name,
                    container if isinstance(container, str) else None))
    return out


@rule(
    "hpa-requests-missing",
    severity=Severity.WARNING,
    summary="A HorizontalPodAutoscaler scales on cpu or memory utilization, but a container of its target requests "
            "none of that resource.",
    why=(
        "Utilization is usage divided by the pods' requests. When a container of the target requests none of the "
        "resource, the HPA controller reports 'missing request for cpu in container ...' (FailedGetResourceMetric) "
        "and never scales: not up under load, not down when idle."
    ),
    remediation=(
        "Set `resources.requests` for that resource on every container of the target (sidecars included), or "
        "scale on another metric (`AverageValue`, a Pods or External metric)."
    ),
    kinds={"HorizontalPodAutoscaler"},
    exemptions=(
        "Containers whose request comes from their limit (the API server sets request := limit) or from a "
        "LimitRange of the namespace in the run (`defaultRequest`, `default`).",
        "Targets that are not in the run, or not workloads with a pod template (hpa-target-missing "
        "reports a missing target when the run shows a near miss).",
        "Metrics of other types (Pods, Object, External) and Resource targets of type Value or AverageValue: they "
        "do not divide by requests. Regular init containers do not count; restartable sidecars do.",
        "Pods with pod-level `spec.resources.requests` for the resource.",
    ),
    tags=("reliability", "autoscaling", "cross-object"),
)
def hpa_requests_missing(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    metrics = _utilization_metrics(obj)
    ref = as_dict(get_in(obj.data, ("spec", "scaleTargetRef")))
    kind, name = ref.get("kind"), ref.get("name")
    if not metrics or not isinstance(kind, str) or not isinstance(name, str):
        return
    targets = [t for t in ctx.index.get(kind, obj.namespace, name, near=obj) if t.pod_template_path is not None]
    if not targets:
        return
    target = targets[0]
    pod_requests = as_dict(get_in(target.pod_spec() or {}, ("resources", "requests")))
    containers = [c for c in effective(target, ctx) if not c.container.init or c.container.restartable]
    for path, resource, only in metrics:
        if resource in pod_requests:
            continue
        missing = [c for c in containers if (only is None or c.name == only)
                   and (resource not in c.requests or c.requests[resource].amount == Fraction(0))]
        if not missing:
            continue
        names = ", ".join(f'"{c.name}"' for c in missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3
                                                                 else "")
        noun, verb = ("container", "requests") if len(missing) == 1 else ("containers", "request")
        yield Violation(path, (
            f'{resource} utilization is usage over requests, but {noun} {names} of {target.kind} "{target.name}" '
            f"{verb} no {resource}: the autoscaler cannot compute it and never scales"),
            tuple(Related(target, c.container.path, "container without a request") for c in missing[:3]))
