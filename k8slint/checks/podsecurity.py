"""pod-security-violation: the Pod Security Standards as the PodSecurity admission plugin applies them
to the namespace each pod lands in (k8slint/podsecurity.py mirrors the plugin)."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Severity, Violation
from ..model import WORKLOAD_KINDS, K8sObject, as_dict, get_in
from ..podsecurity import (
    CONTROLLER_USERS,
    LABEL_PREFIX,
    MODES,
    LabelError,
    Pod,
    Policy,
    Version,
    evaluate,
    policy_to_evaluate,
)
from ..registry import Context, rule


def _policy(ctx: Context, namespace: str | None) -> tuple[Policy, bool, list[LabelError]]:
    """(policy, whether it comes from the namespace's labels, label errors) for `namespace`, once per run."""
    key = ("pod-security", namespace)
    found = ctx.cache.get(key)
    if found is None:
        defaults = ctx.settings.pod_security.policy
        namespaces = ctx.index.get("Namespace", None, namespace or "")
        labels = as_dict(get_in(namespaces[0].data, ("metadata", "labels"))) if namespaces else {}
        labels = {k: v for k, v in labels.items() if str(k).startswith(LABEL_PREFIX)}
        policy, errors = policy_to_evaluate(labels, defaults)
        found = ctx.cache[key] = (policy, bool(labels), errors)
    return found  # type: ignore[return-value]


def _cluster_version(ctx: Context) -> Version:
    major, minor = ctx.schemas.version.split(".")[:2]
    return int(major), int(minor)


def _exempt(obj: K8sObject, ctx: Context) -> bool:
    """Exemptions of the admission configuration: the namespace, the runtime class, or the user who creates
    the pods (who applies a Pod; the controller's service account for a workload's pods)."""
    exempt = ctx.settings.pod_security.exempt
    if obj.namespace in exempt.namespaces:
        return True
    runtime_class = get_in(obj.pod_spec() or {}, ("runtimeClassName",))
    if isinstance(runtime_class, str) and runtime_class in exempt.runtime_classes:
        return True
    creator = exempt.applied_by if obj.kind == "Pod" else CONTROLLER_USERS.get(obj.kind)
    return creator is not None and creator in exempt.usernames


@rule(
    "pod-security-violation",
    severity=Severity.ERROR,
    severity_note="error where the namespace enforces the level; warning where it only warns or audits",
    summary="A pod (or a workload's pod template) violates the Pod Security level its namespace enforces, warns "
            "or audits.",
    why=(
        "The PodSecurity admission plugin rejects a Pod that violates the level its namespace enforces "
        "(`pod-security.kubernetes.io/enforce: restricted`): a Deployment is accepted, but its ReplicaSet never "
        "creates a pod ('violates PodSecurity \"restricted:latest\": ...'). Warn and audit levels let the pod in "
        "with a warning or an audit annotation. The level and version come from the namespace's labels in the "
        "run, else from `pod-security:` in .k8slint.yaml (or --pod-security); every check of the plugin is "
        "mirrored at the policy version the namespace pins (k8s.io/pod-security-admission/policy, check_*.go), "
        "`latest` being the newest version the target cluster knows."
    ),
    remediation=(
        "Change the field as the message says (each message names the plugin's check, e.g. "
        "restricted/capabilities_restricted), or run the workload in a namespace with a lower level, or exempt "
        "it in the admission configuration (and in `pod-security: exempt:`)."
    ),
    kinds=WORKLOAD_KINDS | {"Namespace"},
    exemptions=(
        "Namespaces without pod-security.kubernetes.io labels in the run, unless `pod-security:` in .k8slint.yaml "
        "(or --pod-security) sets a default: a namespace's labels usually live elsewhere (another repository, "
        "the cluster's bootstrap).",
        "Namespaces, runtime classes and users listed in `pod-security: exempt:` (as in the admission "
        "configuration; users are who applies a Pod, `applied-by:`, and the controllers' service accounts for "
        "workloads).",
        "A volume without any source: the API server defaults it to emptyDir before admission.",
    ),
    tags=("security", "admission", "cross-object"),
    checks=(
        "baseline/appArmorProfile: AppArmor profile RuntimeDefault or Localhost, field and annotation forms "
        "(policy/check_appArmorProfile.go)",
        "baseline/capabilities_baseline: only the 13 default capabilities added (check_capabilities_baseline.go)",
        "baseline/hostNamespaces: no hostNetwork, hostPID, hostIPC (check_hostNamespaces.go)",
        "baseline/hostPathVolumes: no hostPath volumes (check_hostPathVolumes.go)",
        "baseline/hostPorts: no hostPort (check_hostPorts.go)",
        "baseline/hostProbesAndHostLifecycle: probes and lifecycle handlers name no host, from v1.34 "
        "(check_hostProbesAndHostLifecycle.go)",
        "baseline/privileged: no privileged containers (check_privileged.go)",
        "baseline/procMount: procMount Default (v1.35: any with hostUsers: false) (check_procMount.go)",
        "baseline/seLinuxOptions: allowed types (container_engine_t from v1.31), no user, no role "
        "(check_seLinuxOptions.go)",
        "baseline/seccompProfile_baseline: annotations before v1.19, then never Unconfined "
        "(check_seccompProfile_baseline.go)",
        "baseline/sysctls: the safe set, grown at v1.27, v1.29, v1.32, v1.37 (check_sysctls.go)",
        "baseline/windowsHostProcess: no Windows hostProcess (check_windowsHostProcess.go)",
        "restricted/allowPrivilegeEscalation: set to false, from v1.8; Windows pods exempt from v1.25 "
        "(check_allowPrivilegeEscalation.go)",
        "restricted/capabilities_restricted: drop ALL, add only NET_BIND_SERVICE, from v1.22 "
        "(check_capabilities_restricted.go)",
        "restricted/procMount_restricted: procMount Default even with hostUsers: false, from v1.35 "
        "(check_procMount.go)",
        "restricted/restrictedVolumes: configMap, csi, downwardAPI, emptyDir, ephemeral, image, "
        "persistentVolumeClaim, projected, secret only (check_restrictedVolumes.go)",
        "restricted/runAsNonRoot: runAsNonRoot true on the pod or every container (check_runAsNonRoot.go)",
        "restricted/runAsUser: no runAsUser 0, from v1.23 (check_runAsUser.go)",
        "restricted/seccompProfile_restricted: RuntimeDefault or Localhost on the pod or every container, from "
        "v1.19 (check_seccompProfile_restricted.go)",
        "The level and version of each namespace: its labels, as api/helpers.go PolicyToEvaluate reads them; the "
        "checks of a level and version as policy/registry.go populates them",
    ),
)
def pod_security_violation(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    if obj.kind == "Namespace":
        _, _, errors = _policy(ctx, obj.name)
        for error in errors:
            yield Violation(("metadata", "labels", error.label), (
                f'label {error.label}: Invalid value: "{error.value}": {error.message}; the API server rejects '
                "the Namespace (and pods in a namespace labelled so are checked against "
                f"{'restricted' if error.label.endswith('/enforce') else 'privileged'} / latest)"))
        return
    base = obj.pod_template_path
    if base is None or _exempt(obj, ctx):
        return
    policy, labelled, _ = _policy(ctx, obj.namespace)
    if all(policy.mode(m).level == "privileged" for m in MODES):
        return
    pod = Pod.of(get_in(obj.data, (*base, "metadata")), get_in(obj.data, (*base, "spec")))
    cluster = _cluster_version(ctx)
    seen: set[tuple[str, tuple[str | int, ...]]] = set()

    for mode in ("enforce", "warn", "audit"):  # one finding per field and check: the strictest mode says it
        level_version = policy.mode(mode)
        for check, offense in evaluate(level_version, pod, cluster):
            key = (check.id, offense.path)
            if key in seen:
                continue
            seen.add(key)
            if mode == "enforce":
                consequence = "the Pod is rejected" if obj.kind == "Pod" else "its pods are rejected"
                severity = Severity.ERROR
            else:
                consequence = f"admitted with a{'n audit annotation' if mode == 'audit' else ' warning'}"
                severity = Severity.WARNING
            policy_text = f'PodSecurity "{level_version.show()}"'
            if labelled:
                verb = {"enforce": "enforces", "warn": "warns at", "audit": "audits at"}[mode]
                origin = f'namespace "{obj.namespace}" {verb} {policy_text}'
            else:
                origin = f"{mode} {policy_text}: the default for namespaces without labels (pod-security)"
            yield Violation((*base, *offense.path), (
                f"{check.level}/{check.id}: {offense.text()}; {consequence} ({origin})"), severity=severity)
