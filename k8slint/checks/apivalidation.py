"""What the API server's own validation rejects beyond the OpenAPI schema (validation-error).

Each check mirrors a Go function of Kubernetes, cited next to it, so that "the API server rejects
this" is exact rather than an opinion.
"""

from __future__ import annotations

from collections.abc import Iterator

from .. import apivalidation as api
from ..findings import Severity, Violation
from ..model import K8sObject, as_dict, get_in
from ..registry import Context, rule
from ..validation import crd_schema_problems

#: Where Jobs and CronJobs keep their JobSpec (validateJobSpec).
_JOB_SPECS = {"Job": ("spec",), "CronJob": ("spec", "jobTemplate", "spec")}


@rule(
    "validation-error",
    severity=Severity.ERROR,
    summary="The API server's validation code rejects the object (or the kubelet its image), although its OpenAPI "
            "schema accepts it.",
    why=(
        "The OpenAPI schema is only the first gate: the API server then runs its own validation "
        "functions, and `kubectl apply` fails with 'Invalid value' or 'Unsupported value' for objects "
        "that every schema validator passes. Each check follows the Go validation function it names."
    ),
    remediation=(
        "Change the field as the message says (the message is the API server's). Checks mirror "
        "pkg/apis/core/validation (ValidateObjectMeta, ValidatePodSpec, validateContainers, "
        "validateResourceRequirements, validateProbe, ValidateService), pkg/apis/apps, batch (validateJobSpec, "
        "validateCronJobSpec with robfig/cron v3), networking (ValidateIngressSpec) and autoscaling validation, "
        "k8s.io/apimachinery's name and label validation, and the kubelet's image reference parser "
        "(github.com/distribution/reference); k8slint/apivalidation.py cites each function."
    ),
    kinds=None,
    exemptions=(
        "What other rules report: types, required fields and enumerations of the schema (schema-violation), "
        "quantities (invalid-quantity), port names (port-name-invalid), mounts of undefined volumes "
        "(volume-mount-undefined), unnamed ports of multi-port Services (service-port-name-required), selectors "
        "against templates (selector-template-mismatch).",
        "Objects of removed API versions (removed-api-version reports them) and kinds without a schema: only "
        "their metadata is checked.",
        "CustomResourceDefinitions of apiextensions.k8s.io/v1beta1 (removed).",
        "Rules that depend on the cluster's configuration or feature gates that are off by default (a "
        "non-default --service-node-port-range, HPAScaleToZero, RelaxedServiceNameValidation).",
    ),
    tags=("schema", "admission"),
    checks=(
        "metadata.name per kind, generateName prefixes, namespace names: ValidateObjectMeta with NameIsDNSSubdomain, "
        "ValidateNamespaceName, ValidateServiceName (DNS-1035), NameIsDNSLabel (StatefulSet from 1.27), "
        "minimalNameRequirements (RBAC); CronJob names of at most 52 characters (ValidateCronJobCreate)",
        "label keys and values, annotation keys and total size: ValidateLabels, ValidateAnnotations "
        "(apimachinery api/validation)",
        "container names unique and DNS-1123 labels, ephemeral containers: validateContainers, "
        "validateInitContainers, validateEphemeralContainers",
        "images present (Pods and templates), without surrounding spaces (Pods): validateContainerCommon, "
        "validateContainerOnlyForPod; parseable by the kubelet: distribution/reference ParseNormalizedNamed",
        "port names unique per container, port ranges, hostPort conflicts, hostPort = containerPort with "
        "hostNetwork: validateContainerPorts, validatePodHostNetworkDeps",
        "volume names unique DNS-1123 labels, one source each; unique mountPaths: validateVolumes, "
        "ValidateVolumeMounts",
        "environment variable names (relaxed from 1.32): ValidateEnv, ValidateEnvFrom",
        "requests at most limits; extended resources and hugepages requested as much as limited: "
        "validateResourceRequirements",
        "one handler per probe and lifecycle hook, thresholds, successThreshold 1 for liveness and startup, "
        "probes only on sidecar init containers: validateProbe, validateHandler, validateInitContainers",
        "restartPolicy per workload, activeDeadlineSeconds: ValidatePodTemplateSpecForReplicaSet (and the "
        "DaemonSet, StatefulSet, ReplicationController equivalents), validateJobSpec",
        "dnsPolicy None needs dnsConfig: validatePodDNSConfig",
        "Services: ports, names, duplicates, headless NodePort/LoadBalancer, ExternalName, nodePort, session "
        "affinity: ValidateService; the NodePort range of the allocator (default 30000-32767)",
        "Ingresses: rules or defaultBackend, paths, hosts, backends: ValidateIngressSpec, validateIngressBackend",
        "CronJobs: schedule (robfig/cron/v3 ParseStandard), no TZ in it (1.27+), time zone: validateCronJobSpec, "
        "validateTimeZone",
        "Jobs: counts, Indexed completions: validateJobSpec",
        "HPAs: replica bounds, metric sources and targets: validateHorizontalPodAutoscalerSpec",
        "PVCs: access modes, storage request: ValidatePersistentVolumeClaimSpec",
        "ConfigMaps and Secrets: keys, duplicates, 1 MiB, the keys of each Secret type: ValidateConfigMap, "
        "ValidateSecret",
        "Deployments and DaemonSets: maxSurge and maxUnavailable, progressDeadlineSeconds: ValidateDeploymentSpec, "
        "ValidateRollingUpdateDeployment, ValidateDaemonSetUpdateStrategy",
        "CustomResourceDefinition schemas: structural schema rules (apiextensions validation)",
    ),
)
def validation_error(obj: K8sObject, ctx: Context) -> Iterator[Violation]:
    """Metadata of every object (ValidateObjectMeta); the kind's own validation for the built-in kinds the
    target version serves."""
    major, minor = ctx.schemas.version.split(".")[:2]
    version = (int(major), int(minor))
    problems = api.metadata(obj.kind, not obj.custom, obj.data, obj.namespace is not None, version)
    if obj.kind == "CustomResourceDefinition" and obj.api_version == "apiextensions.k8s.io/v1":
        problems += crd_schema_problems(obj.data)
    builtin = not obj.custom and ctx.schemas.status(obj.api_version, obj.kind).state == "builtin"
    if builtin or obj.pod_template_path is not None:
        problems += _kind_problems(obj, version, builtin)
    for path, message in api.walk_problems(problems):
        yield Violation(path, message)


def _kind_problems(obj: K8sObject, version: tuple[int, int], builtin: bool) -> list[api.Problem]:
    data, kind = obj.data, obj.kind
    out: list[api.Problem] = []
    base = obj.pod_template_path
    if base is not None:
        spec = get_in(data, (*base, "spec"))
        if isinstance(spec, dict):
            out += api.pod_spec(spec, (*base, "spec"), kind if builtin else "custom", version)
        if base:
            out += api.labels(as_dict(get_in(data, (*base, "metadata", "labels"))), (*base, "metadata", "labels"))
    if not builtin:
        return out
    spec = as_dict(data.get("spec"))
    if kind == "Service":
        out += api.service(data)
    elif kind == "Ingress" and obj.api_version == "networking.k8s.io/v1":
        out += api.ingress(data)
    elif kind == "PersistentVolumeClaim":
        out += api.persistent_volume_claim(spec, ("spec",))
    elif kind == "ConfigMap":
        out += api.config_map(data)
    elif kind == "Secret":
        out += api.secret(data)
    elif kind == "HorizontalPodAutoscaler":
        out += api.horizontal_pod_autoscaler(data)
    elif kind in ("Deployment", "DaemonSet"):
        out += api.rollout(spec, kind)
    if kind == "CronJob":
        out += api.cron_job(data, version)
    if kind in _JOB_SPECS:
        out += api.job(as_dict(get_in(data, _JOB_SPECS[kind])), _JOB_SPECS[kind])
    return out
