"""Probe rules: missing probes on long-running containers, probes naming undeclared ports."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Severity, Violation
from ..model import LONG_RUNNING_KINDS, WORKLOAD_KINDS, Container, K8sObject, as_dict, as_list
from ..registry import Context, rule

_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")

_SCOPE = (
    "Containers of long-running pods: Pod, Deployment, ReplicaSet, ReplicationController, "
    "StatefulSet and DaemonSet templates, and custom resources with a pod template of their own "
    "(Argo Rollout, OpenKruise CloneSet, OpenShift DeploymentConfig)."
)
_EXEMPT = (
    "Job and CronJob pods, custom resources whose kind ends in Job, and bare Pods with `restartPolicy: "
    "Never` or `OnFailure`: they run to completion.",
    "Init containers, except restartable sidecars (`restartPolicy: Always`), which are held to "
    "the same rule as regular containers.",
)


def _long_running_containers(obj: K8sObject) -> Iterator[Container]:
    if obj.kind == "Pod" and as_dict(obj.data.get("spec")).get("restartPolicy") in ("Never", "OnFailure"):
        return
    if obj.runs_to_completion:  # a custom resource whose kind ends in Job (OpenKruise BroadcastJob)
        return
    for container in obj.containers():
        if container.long_running:
            yield container


def _missing(obj: K8sObject, probe: str) -> Iterator[Violation]:
    for container in _long_running_containers(obj):
        if container.data.get(probe) is None:
            what = "sidecar container" if container.init else "container"
            yield Violation(container.path, f'{what} "{container.name}" has no {probe}')


@rule(
    "missing-liveness-probe",
    severity=Severity.WARNING,
    summary="A container of a long-running pod has no livenessProbe.",
    why=(
        "Without a liveness probe the kubelet restarts a container only when its process exits. "
        "A deadlocked or wedged process keeps its pod Running and keeps receiving traffic until "
        "someone notices."
    ),
    remediation=(
        "Add a `livenessProbe` (httpGet, tcpSocket, grpc or exec) that fails only when the process "
        "cannot recover by itself; keep it cheaper and more tolerant than the readiness probe."
    ),
    kinds=LONG_RUNNING_KINDS,
    exemptions=_EXEMPT,
    tags=("probes", "reliability"),
)
def missing_liveness_probe(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    return _missing(obj, "livenessProbe")


@rule(
    "missing-readiness-probe",
    severity=Severity.WARNING,
    summary="A container of a long-running pod has no readinessProbe.",
    why=(
        "Without a readiness probe a pod receives Service traffic as soon as its containers start, "
        "before the application listens, and keeps receiving it while overloaded; rolling updates "
        "cannot tell a healthy new pod from a broken one."
    ),
    remediation="Add a `readinessProbe` that succeeds only when the container can serve requests.",
    kinds=LONG_RUNNING_KINDS,
    exemptions=_EXEMPT,
    tags=("probes", "reliability"),
)
def missing_readiness_probe(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    return _missing(obj, "readinessProbe")


@rule(
    "missing-startup-probe",
    severity=Severity.INFO,
    enabled=False,
    summary="A container of a long-running pod has no startupProbe.",
    why=(
        "Slow-starting applications need either a long liveness `initialDelaySeconds` (which also "
        "delays detection of later deadlocks) or a startup probe that holds the other probes back "
        "until the application has started."
    ),
    remediation=(
        "Add a `startupProbe` with a generous `failureThreshold * periodSeconds` for containers "
        "whose start-up time varies. Off by default: most containers start fast enough."
    ),
    kinds=LONG_RUNNING_KINDS,
    exemptions=_EXEMPT,
    tags=("probes", "reliability"),
)
def missing_startup_probe(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    return _missing(obj, "startupProbe")


@rule(
    "probe-port-undefined",
    severity=Severity.ERROR,
    summary="An httpGet or tcpSocket probe names a port the container does not declare (or declares for UDP).",
    why=(
        "A named probe port is resolved against the `ports[].name` of the same container only. "
        "When the name is not there, the kubelet cannot run the probe: a liveness probe then "
        "restarts the container forever, a readiness probe keeps the pod out of its Services. A name "
        "declared for UDP resolves, but the probe connects over TCP and fails the same way."
    ),
    remediation=(
        "Use a name from this container's `ports[].name`, declare the port with that name, or "
        "give the port number instead (numeric probe ports need no declaration)."
    ),
    kinds=WORKLOAD_KINDS,
    exemptions=(
        "Numeric probe ports, declared or not: the kubelet probes the pod's IP at that port either way. "
        "kube-linter's liveness-port check reports numbers the container does not declare; k8slint does "
        "not, because healthy manifests do it on purpose (ingress-nginx's controller declares 80, 443 and "
        "8443 and probes its health port 10254).",
        "Ports declared by another container of the pod do not count: probes resolve names in "
        "their own container only.",
    ),
    tags=("probes", "ports"),
)
def probe_port_undefined(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    for container in obj.containers():
        ports = [p for p in as_list(container.data.get("ports")) if isinstance(p, dict)]
        protocols = {p["name"]: str(p.get("protocol") or "TCP") for p in ports if isinstance(p.get("name"), str)}
        for probe in _PROBES:
            for handler in ("httpGet", "tcpSocket"):
                port = as_dict(as_dict(container.data.get(probe)).get(handler)).get("port")
                where = (*container.path, probe, handler, "port")
                if not isinstance(port, str):
                    continue
                if port in protocols:
                    if protocols[port] != "TCP":
                        yield Violation(where, (
                            f'{probe} of container "{container.name}" uses port "{port}", which is declared with '
                            f"protocol {protocols[port]}: {handler} probes connect over TCP"))
                    continue
                message = (
                    f'{probe} of container "{container.name}" uses port "{port}", which the '
                    "container does not declare in ports[].name"
                )
                if port.isdigit():
                    message += f"; write the number without quotes (port: {port})"
                elif protocols:
                    declared = ", ".join(sorted(protocols))
                    message += f" (declared: {declared})"
                yield Violation(where, message)
