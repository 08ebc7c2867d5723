"""Workload selectors must select the workload's own pod template."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..findings import Severity, Violation
from ..model import K8sObject, as_dict, as_list, expression_matches, get_in
from ..registry import Context, rule

_KINDS = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "ReplicationController"})


def _show(labels: dict[str, Any], key: str) -> str:
    return f"{key}={labels[key]}" if key in labels else f'no label "{key}"'


@rule(
    "selector-template-mismatch",
    severity=Severity.ERROR,
    summary="A workload's selector does not select its own pod template, or an apps/v1 workload's selector is empty.",
    why=(
        "The API server rejects a Deployment, ReplicaSet, StatefulSet, DaemonSet or Job whose "
        "selector does not match `spec.template.metadata.labels` ('selector does not match "
        "template labels'), and apps/v1 requires a non-empty selector. A ReplicationController with "
        "a mismatching selector is rejected the same way."
    ),
    remediation=(
        "Make `spec.selector` (matchLabels and matchExpressions) select the labels in "
        "`spec.template.metadata.labels`; keep the selector small and stable (it is immutable "
        "after creation) and add other labels to the template only."
    ),
    kinds=_KINDS,
    exemptions=(
        "Workloads of older API versions (extensions/v1beta1, apps/v1beta1) and "
        "ReplicationControllers without a selector: the API defaults it to the template labels.",
        "Jobs without a selector: the Job controller generates one.",
        "apps/v1 workloads without any spec.selector: schema-violation reports the missing required field.",
    ),
    tags=("selectors",),
)
def selector_template_mismatch(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    spec = obj.data.get("spec")
    if not isinstance(spec, dict):
        return
    labels = get_in(spec, ("template", "metadata", "labels"))
    labels = labels if isinstance(labels, dict) else {}
    selector = spec.get("selector")
    if obj.kind == "ReplicationController":
        if isinstance(selector, dict):
            for key, value in selector.items():
                if key not in labels or str(labels[key]) != str(value):
                    yield Violation(
                        ("spec", "selector", key),
                        f"selector requires {key}={value} but the pod template has {_show(labels, key)}",
                    )
        return
    if selector is None:
        return  # apps/v1 requires it: schema-violation reports the missing field (one defect, one finding)
    if not isinstance(selector, dict):
        return  # a type error, reported by schema validation
    match_labels = as_dict(selector.get("matchLabels"))
    expressions = as_list(selector.get("matchExpressions"))
    if not match_labels and not expressions:
        if obj.api_version == "apps/v1":
            yield Violation(
                ("spec", "selector"),
                f"{obj.kind} has an empty selector: apps/v1 requires one that selects the pod template",
            )
        return
    for key, value in match_labels.items():
        if key not in labels or str(labels[key]) != str(value):
            yield Violation(
                ("spec", "selector", "matchLabels", key),
                f"selector requires {key}={value} but the pod template has {_show(labels, key)}",
            )
    for i, expr in enumerate(expressions):
        if isinstance(expr, dict) and not expression_matches(expr, labels):
            key = str(expr.get("key"))
            operator = str(expr.get("operator"))
            values = ", ".join(str(v) for v in as_list(expr.get("values")))
            shown = f"{key} {operator}" + (f" ({values})" if values or operator in ("In", "NotIn") else "")
            yield Violation(
                ("spec", "selector", "matchExpressions", i),
                f"selector expression {shown} excludes the pod template, which has {_show(labels, key)}",
            )
