"""Container security context rules that need the pod and container settings together."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Severity, Violation
from ..model import WORKLOAD_KINDS, K8sObject, as_dict, as_list
from ..registry import Context, rule


@rule(
    "run-as-root",
    severity=Severity.WARNING,
    summary="A container may run as root: neither runAsNonRoot: true nor a non-zero runAsUser applies to it.",
    why=(
        "Unless the pod or container securityContext says otherwise, a container runs as the user its "
        "image declares, usually root (UID 0). Root in a container is one kernel bug or one "
        "misconfigured mount away from root on the node. Pod Security 'restricted' requires "
        "runAsNonRoot: true."
    ),
    remediation=(
        "Set `securityContext.runAsNonRoot: true` (pod or container) and a non-zero `runAsUser`, "
        "and build the image to run as an unprivileged user."
    ),
    kinds=WORKLOAD_KINDS,
    exemptions=(
        "Containers with runAsUser > 0 or runAsNonRoot: true, from the container or the pod securityContext "
        "(the container's value wins, as in the kubelet).",
    ),
    tags=("security",),
)
def run_as_root(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    spec = obj.pod_spec()
    if spec is None:
        return
    pod_sc = as_dict(spec.get("securityContext"))
    for container in obj.containers():
        sc = as_dict(container.data.get("securityContext"))
        user_from = sc if "runAsUser" in sc else pod_sc
        user = user_from.get("runAsUser")
        non_root = sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot"))
        if user == 0:
            base = container.path if user_from is sc else obj.pod_spec_path or ()
            where = (*base, "securityContext", "runAsUser")
            if non_root is True:
                yield Violation(where, (
                    f'container "{container.name}" sets runAsUser: 0 with runAsNonRoot: true: the kubelet '
                    "refuses to start it"))
            else:
                yield Violation(where, f'container "{container.name}" runs as root (runAsUser: 0)')
        elif non_root is not True and not (isinstance(user, int) and not isinstance(user, bool) and user > 0):
            yield Violation(container.path, (
                f'container "{container.name}" may run as root: set runAsNonRoot: true or a non-zero '
                "runAsUser in its or the pod's securityContext"))


@rule(
    "duplicate-env-var",
    severity=Severity.WARNING,
    summary="A container defines the same environment variable twice.",
    why=(
        "The API server accepts it and the last definition silently wins (kubectl only warns 'hides "
        "previous definition'), so the value you read first in the manifest is not the one the "
        "process gets."
    ),
    remediation="Keep one definition of each variable.",
    kinds=WORKLOAD_KINDS,
    tags=("reliability",),
)
def duplicate_env_var(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    for container in obj.containers():
        first: dict[str, int] = {}
        for i, env in enumerate(as_list(container.data.get("env"))):
            name = as_dict(env).get("name")
            if not isinstance(name, str):
                continue
            if name in first:
                yield Violation((*container.path, "env", i, "name"), (
                    f'environment variable "{name}" of container "{container.name}" is defined again '
                    f"(first at env[{first[name]}]); the last definition wins"))
            else:
                first[name] = i
