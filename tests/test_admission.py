"""Admission arithmetic: defaulting order, pod totals with sidecars, quota usage, replicas."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from click.testing import CliRunner

from k8slint.admission import (
    NO_DEFAULTS,
    container_defaults,
    effective_containers,
    is_best_effort,
    limit_range_items,
    merged_defaults,
    pod_quota_usage,
    pod_totals,
)
from k8slint.cli import cli
from k8slint.model import K8sObject
from k8slint.parser import parse

from .helpers import HYGIENE


def objects(text: str) -> list[K8sObject]:
    docs = parse(text, "t.yaml").documents
    return [K8sObject.from_data(d.data, d, (), "default") for d in docs]


POD = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  overhead: {cpu: 100m}
  initContainers:
    - {name: init-1, resources: {requests: {cpu: "1"}}}
    - {name: sidecar, restartPolicy: Always, resources: {requests: {cpu: 300m}, limits: {cpu: 600m}}}
    - {name: init-2, resources: {requests: {cpu: 900m}}}
  containers:
    - {name: a, resources: {requests: {cpu: 200m}, limits: {memory: 1Gi}}}
    - {name: b, resources: {limits: {cpu: 500m}}}
"""


def test_pod_totals_follow_the_sidecar_formula() -> None:
    (pod,) = objects(POD)
    containers = effective_containers(pod, NO_DEFAULTS)
    b = next(c for c in containers if c.name == "b")
    # b's request defaults to its limit (API defaulting)
    assert b.requests["cpu"].amount == Fraction(1, 2) and b.requests["cpu"].origin == "limit"
    requests = pod_totals(containers, {}, "requests")
    # regular + sidecar = 200m + 500m + 300m = 1; init phases: init-1 = 1, init-2 + sidecar = 1.2
    assert requests["cpu"] == Fraction(6, 5)
    # quota adds overhead to requests, and to limits only where a limit exists
    with_overhead = pod_totals(containers, {"cpu": Fraction(1, 10), "memory": Fraction(64)}, "requests")
    assert with_overhead["cpu"] == Fraction(13, 10) and with_overhead["memory"] == 2**30 + 64
    limits = pod_totals(containers, {"cpu": Fraction(1, 10), "ephemeral-storage": Fraction(1)}, "limits")
    assert limits == {"cpu": Fraction(12, 10), "memory": 2**30}  # 600m + 500m + overhead 100m


def test_limit_range_defaulting_order() -> None:
    (lr,) = objects("""\
apiVersion: v1
kind: LimitRange
metadata: {name: lr}
spec:
  limits:
    - type: Container
      max: {cpu: "2", memory: 1Gi}
      min: {cpu: 100m, memory: 64Mi}
      default: {memory: 512Mi}
""")
    (item,) = limit_range_items(lr)
    # max -> default where unset; default -> defaultRequest; min only where still unset
    assert item.fields["default"] == {"cpu": 2, "memory": 512 * 2**20}
    assert item.fields["defaultRequest"] == {"cpu": 2, "memory": 512 * 2**20}
    (pod,) = objects("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c}]\n")
    (container,) = effective_containers(pod, merged_defaults(container_defaults([lr])))
    assert container.limits["cpu"].origin == "LimitRange lr" and container.limits["cpu"].path is None


def test_quota_usage_names_and_best_effort() -> None:
    usage = pod_quota_usage({"cpu": Fraction(1), "nvidia.com/gpu": Fraction(2), "hugepages-2Mi": Fraction(4)},
                            {"memory": Fraction(8)})
    assert usage == {"pods": 1, "count/pods": 1, "cpu": 1, "requests.cpu": 1, "limits.memory": 8,
                     "requests.nvidia.com/gpu": 2, "hugepages-2Mi": 4, "requests.hugepages-2Mi": 4}
    (pod,) = objects("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
                     "  containers: [{name: c, resources: {requests: {cpu: '0'}}}]\n")
    assert is_best_effort(effective_containers(pod, NO_DEFAULTS))  # zero requests do not count


QUOTA_WORKLOADS = """\
apiVersion: v1
kind: ResourceQuota
metadata: {name: q}
spec:
  hard: {pods: "4"}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: a, image: x, livenessProbe: {grpc: {port: 1}}, readinessProbe: {grpc: {port: 1}}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: w, image: x, resources: {requests: {cpu: 100m}}, livenessProbe: {grpc: {port: 1}},
                    readinessProbe: {grpc: {port: 1}}}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 6
"""


def test_nodes_and_replicas_options(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text(QUOTA_WORKLOADS)
    def run(_cli: object, args: list[str]):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(cli, [*args[:1], "--disable", ",".join(HYGIENE), *args[1:]])

    assert run(cli, ["lint", str(path)]).exit_code == 0  # 1 daemon pod + 2 replicas
    nodes = run(cli, ["lint", "--nodes", "3", str(path)])
    assert nodes.exit_code == 1 and "pods: 5 used (DaemonSet agent 3, Deployment web 2) exceeds hard 4" in nodes.output
    most = run(cli, ["lint", "--replicas", "max", str(path)])
    assert "pods: 7 used (Deployment web 6, DaemonSet agent 1) exceeds hard 4" in most.output


def test_replicas_max_counts_only_the_autoscaler_of_that_workload(tmp_path: Path) -> None:
    """HPAs are grouped by the (kind, name) they scale: one of another kind or name, or with a
    malformed scaleTargetRef, charges nothing to the Deployment."""
    path = tmp_path / "q.yaml"
    path.write_text(QUOTA_WORKLOADS + """\
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: other-kind}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: web}
  maxReplicas: 50
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: other-name}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web2}
  maxReplicas: 40
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: malformed}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: [web]}
  maxReplicas: 30
""")
    result = CliRunner().invoke(cli, ["lint", "--replicas", "max", "--enable", "quota-exceeded", str(path)])
    assert "pods: 7 used (Deployment web 6, DaemonSet agent 1) exceeds hard 4" in result.output, result.output
