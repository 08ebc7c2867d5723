"""Pod Security admission: the mirror of k8s.io/pod-security-admission and the rule that applies it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from k8slint.podsecurity import (
    LevelVersion,
    Pod,
    Policy,
    checks_for,
    effective_version,
    evaluate,
    go_quote,
    parse_version,
    policy_to_evaluate,
)

from .helpers import lint
from .test_config import config, invoke, report, write

UPSTREAM = Path("/work/.mirror/kubernetes+pod-security-admission/repo")


def _offenses(level: str, version: tuple[int, int] | None, spec: dict, meta: dict | None = None) -> list[str]:
    return [f"{check.id}: {offense.text()}" for check, offense in
            evaluate(LevelVersion(level, version), Pod.of(meta or {}, spec))]


BARE = {"containers": [{"name": "c", "image": "x"}]}


def test_restricted_latest_on_a_bare_pod_reads_like_the_plugin() -> None:
    # The plugin's own message for this pod (policy/check_*_test.go, the aggregated example):
    # allowPrivilegeEscalation != false (container "c" must set ...), unrestricted capabilities (...), ...
    assert _offenses("restricted", None, BARE) == [
        'allowPrivilegeEscalation: allowPrivilegeEscalation != false (container "c" must set '
        "securityContext.allowPrivilegeEscalation=false)",
        'capabilities_restricted: unrestricted capabilities (container "c" must set '
        'securityContext.capabilities.drop=["ALL"])',
        'runAsNonRoot: runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true)',
        'seccompProfile_restricted: seccompProfile (pod or container "c" must set securityContext.seccompProfile.type '
        'to "RuntimeDefault" or "Localhost")',
    ]
    assert _offenses("baseline", None, BARE) == [] and _offenses("privileged", None, {"hostPID": True}) == []


def test_check_sets_per_level_and_version() -> None:
    ids = [c.id for c, _ in checks_for("restricted", (1, 37))]
    assert ids == ["appArmorProfile", "hostNamespaces", "hostPorts", "hostProbesAndHostLifecycle", "privileged",
                   "seLinuxOptions", "sysctls", "windowsHostProcess", "allowPrivilegeEscalation",
                   "capabilities_restricted", "procMount_restricted", "restrictedVolumes", "runAsNonRoot", "runAsUser",
                   "seccompProfile_restricted"]
    assert len(checks_for("baseline", (1, 37))) == 12
    old = [c.id for c, _ in checks_for("restricted", (1, 18))]
    assert "seccompProfile_baseline" in old and "capabilities_baseline" in old and "runAsUser" not in old
    assert "allowPrivilegeEscalation" not in [c.id for c, _ in checks_for("restricted", (1, 7))]


@pytest.mark.parametrize(("version", "cluster", "expected"), [
    (None, None, (1, 37)), ((1, 99), None, (1, 37)), ((1, 25), None, (1, 25)), (None, (1, 31), (1, 31)),
])
def test_latest_and_future_versions_clamp(version, cluster, expected) -> None:  # type: ignore[no-untyped-def]
    assert effective_version(version, cluster) == expected


def test_namespace_labels_as_policy_to_evaluate() -> None:
    prefix = "pod-security.kubernetes.io/"
    policy, errors = policy_to_evaluate({prefix + "enforce": "baseline", prefix + "enforce-version": "v1.29"}, Policy())
    assert policy.enforce == LevelVersion("baseline", (1, 29)) and not errors
    assert policy.warn == LevelVersion("baseline", (1, 29))  # warn defaults to a stricter enforce
    policy, errors = policy_to_evaluate({prefix + "enforce": "Strict", prefix + "audit": "nope",
                                         prefix + "warn-version": "1.25"}, Policy())
    assert policy.enforce.level == "restricted" and policy.audit.level == "privileged"  # closed / open
    assert [e.label for e in errors] == [prefix + "enforce", prefix + "audit", prefix + "warn-version"]
    assert parse_version("v1.025") == (None, 'must be "latest" or "v1.x"')
    defaults = Policy(enforce=LevelVersion("baseline"))
    assert policy_to_evaluate({}, defaults) == (defaults, [])


def test_go_quote() -> None:
    assert go_quote('un"confined\n') == '"un\\"confined\\n"' and go_quote("é") == '"é"'
    assert go_quote("\x01") == '"\\x01"'


@pytest.mark.skipif(not (UPSTREAM / "HEAD").exists() and not (UPSTREAM / ".git").exists(),
                    reason=f"no kubernetes/pod-security-admission snapshot at {UPSTREAM} (fetch it to run this)")
def test_upstream_golden_fixtures_agree(tmp_path: Path) -> None:
    """Every pass/fail pod of k8s.io/pod-security-admission's test data (test/testdata/<level>/<version>/,
    4,500 pods over every level and version) gets the plugin's verdict."""
    import io
    import subprocess
    import tarfile

    archive = subprocess.run(["git", "-C", str(UPSTREAM), "archive", "HEAD", "test/testdata"],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tmp_path, filter="data")
    wrong, total = [], 0
    for path in sorted((tmp_path / "test" / "testdata").glob("*/v1.*/*/*.yaml")):
        level, version, verdict = path.parts[-4], path.parts[-3], path.parts[-2]
        data = yaml.safe_load(path.read_text())
        template = data if data.get("kind") == "Pod" else data["spec"]["template"]
        offenses = list(evaluate(LevelVersion(level, (1, int(version.split(".")[1]))),
                                 Pod.of(template.get("metadata"), template.get("spec"))))
        total += 1
        if bool(offenses) != (verdict == "fail"):
            wrong.append(str(path.relative_to(tmp_path)))
    assert total > 4000 and not wrong, wrong[:10]


NAMESPACED_POD = """apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: ops}
spec:
  restartPolicy: Never
  runtimeClassName: kata
  hostPID: true
  containers: [{name: c, image: x}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: ops}
spec:
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: a}}
    spec:
      hostPID: true
      containers: [{name: c, image: x, livenessProbe: {exec: {command: ["true"]}},
                    readinessProbe: {exec: {command: ["true"]}}}]
"""


def _psa(data: dict) -> list[tuple[str, str]]:
    found = [f for f in data["findings"] if f["rule"] == "pod-security-violation"]
    return sorted((f["object"]["kind"], f["severity"]) for f in found)


def test_config_default_and_exemptions(tmp_path: Path) -> None:
    write(tmp_path / "ops.yaml", NAMESPACED_POD)
    config(tmp_path / ".k8slint.yaml", "")
    assert _psa(report(tmp_path, ".")[1]) == []  # no labels, no default: privileged
    config(tmp_path / ".k8slint.yaml", "pod-security: {enforce: baseline}\n")
    assert _psa(report(tmp_path, ".")[1]) == [("DaemonSet", "error"), ("Pod", "error")]
    config(tmp_path / ".k8slint.yaml", "pod-security: {enforce: baseline, exempt: {namespaces: [ops]}}\n")
    assert _psa(report(tmp_path, ".")[1]) == []
    config(tmp_path / ".k8slint.yaml", "pod-security: {enforce: baseline, exempt: {runtime-classes: [kata]}}\n")
    assert _psa(report(tmp_path, ".")[1]) == [("DaemonSet", "error")]
    config(tmp_path / ".k8slint.yaml", "pod-security:\n  warn: baseline\n  applied-by: admin\n  exempt:\n    usernames:"
                                       " [admin, 'system:serviceaccount:kube-system:daemon-set-controller']\n")
    assert _psa(report(tmp_path, ".")[1]) == []
    config(tmp_path / ".k8slint.yaml", "pod-security: {warn: baseline}\n")
    assert _psa(report(tmp_path, ".")[1]) == [("DaemonSet", "warning"), ("Pod", "warning")]


def test_command_line_and_bad_config(tmp_path: Path) -> None:
    write(tmp_path / "ops.yaml", NAMESPACED_POD)
    config(tmp_path / ".k8slint.yaml", "")
    code, data = report(tmp_path, "--pod-security", "baseline:v1.30", ".")
    assert code == 1 and _psa(data) == [("DaemonSet", "error"), ("Pod", "error")]
    assert all('enforce PodSecurity "baseline:v1.30"' in f["message"] for f in data["findings"]
               if f["rule"] == "pod-security-violation")
    code, out = invoke(tmp_path, "lint", "--pod-security", "strict", ".")
    assert code == 2 and "--pod-security" in out and "privileged, baseline" in out
    config(tmp_path / ".k8slint.yaml", "pod-security: {enforce: strict}\n")
    code, out = invoke(tmp_path, "lint", ".")
    assert code == 2 and ".k8slint.yaml:5" in out


def test_cluster_version_caps_latest() -> None:
    """`latest` is the newest policy the target cluster knows: a probe host is refused from 1.34 only."""
    pod = {"containers": [{"name": "c", "image": "x",
                           "livenessProbe": {"httpGet": {"path": "/", "port": 80, "host": "localhost"}}}]}
    assert _offenses("baseline", None, pod)
    assert not list(evaluate(LevelVersion("baseline"), Pod.of({}, pod), cluster=(1, 33)))


def test_rule_on_fixture_uses_the_kube_version(tmp_path: Path) -> None:
    write(tmp_path / "p.yaml", """apiVersion: v1
kind: Namespace
metadata:
  name: web
  labels: {pod-security.kubernetes.io/enforce: baseline}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: web}
spec:
  restartPolicy: Never
  containers:
    - name: c
      image: x
      livenessProbe: {tcpSocket: {port: 80, host: localhost}}
""")
    assert [f.rule for f in lint(tmp_path, kube_version="1.37").findings] == ["pod-security-violation"]
    assert [f.rule for f in lint(tmp_path, kube_version="1.33").findings] == []
