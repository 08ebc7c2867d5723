"""Configuration, suppressions, baselines and user policy packs."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from k8slint.cli import cli
from k8slint.config import glob_matcher
from k8slint.registry import REGISTRY

from .helpers import FIXTURES

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
    - name: app
      image: example/app:1.0
      readinessProbe: {tcpSocket: {port: 8080}}
"""  # one missing-liveness-probe at 7:9 (plus hygiene rules)

HYGIENE_OFF = {"rules": {"run-as-root": "off", "missing-resource-requests": "off", "missing-memory-limit": "off"}}


def invoke(cwd: Path, *args: str) -> tuple[int, str]:
    import os

    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.output


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def config(path: Path, body: str) -> Path:
    """A .k8slint.yaml with the hygiene rules off plus `body`."""
    return write(path, "rules:\n  run-as-root: off\n  missing-resource-requests: off\n"
                       "  missing-memory-limit: off\n" + textwrap.dedent(body))


def report(cwd: Path, *args: str) -> tuple[int, dict]:
    code, out = invoke(cwd, "lint", "--format", "json", *args)
    return code, json.loads(out[out.index("{"):])


# --- configuration ---------------------------------------------------------------------------------

def test_config_found_upward_and_command_line_wins(tmp_path: Path) -> None:
    config(tmp_path / ".k8slint.yaml", "fail-on: error\n")
    write(tmp_path / "k8s" / "pod.yaml", POD)
    sub = tmp_path / "k8s"
    code, data = report(sub, "pod.yaml")
    assert code == 0 and [f["rule"] for f in data["findings"]] == ["missing-liveness-probe"]  # warning < error
    code, _ = report(sub, "--fail-on", "warning", "pod.yaml")
    assert code == 1  # the command line overrides the file
    code, out = invoke(sub, "lint", "--config", str(tmp_path / "none.yaml"), "pod.yaml")
    assert code == 2 and "none.yaml:1:1: cannot read" in out


def test_rule_settings_severity_params_and_excludes(tmp_path: Path) -> None:
    config(tmp_path / ".k8slint.yaml", """\
          missing-liveness-probe: error
          missing-startup-probe: {severity: info}
          sensitive-host-path: {params: {paths: [/data]}}
          missing-readiness-probe: {exclude: ["legacy/**"]}
        exclude: [vendor/]
        """)
    write(tmp_path / "pod.yaml", POD)
    write(tmp_path / "legacy" / "old.yaml", POD.replace("      readinessProbe: {tcpSocket: {port: 8080}}\n", ""))
    write(tmp_path / "vendor" / "x.yaml", "not: a manifest\n")
    volumes = "  volumes:\n    - {name: d, hostPath: {path: /data/x}}\n    - {name: e, hostPath: {path: /etc}}\n"
    write(tmp_path / "host.yaml", POD.replace("  containers:", volumes + "  containers:"))
    code, data = report(tmp_path, ".")
    got = sorted((Path(f["file"]).name, f["rule"], f["severity"]) for f in data["findings"])
    assert ("pod.yaml", "missing-liveness-probe", "error") in got
    assert ("pod.yaml", "missing-startup-probe", "info") in got
    assert ("old.yaml", "missing-readiness-probe", "warning") not in [(a, b, c) for a, b, c in got]
    sensitive = [f for f in data["findings"] if f["rule"] == "sensitive-host-path"]
    assert [f["message"].split('"')[3] for f in sensitive] == ["/data/x"]  # only the configured path
    assert all("vendor" not in f["file"] for f in data["files"])
    code, data = report(tmp_path, "--disable", "missing-liveness-probe", "pod.yaml")
    assert "missing-liveness-probe" not in {f["rule"] for f in data["findings"]}


@pytest.mark.parametrize(("body", "expected"), [
    ("rulez: {}\n", '.k8slint.yaml:1:1: unknown key "rulez" (did you mean "rules"?)'),
    ("rules:\n  missing-livenes-probe: off\n",
     '.k8slint.yaml:2:3: unknown rule "missing-livenes-probe" (did you mean "missing-liveness-probe"?)'),
    ("fail-on: sometimes\n", ".k8slint.yaml:1:1: fail-on must be one of error, warning, info, never"),
    ("kube-version: 1.30\n", ".k8slint.yaml:1:1: kube-version must be a string, got the number 1.3"),
    ("rules:\n  sensitive-host-path:\n    params: {paths: [etc]}\n",
     '.k8slint.yaml:3:22: params of sensitive-host-path: paths[0] must match the regular expression "^/"; '
     'got the string "etc"'),
    ("rules:\n  duplicate-key:\n    params: {x: 1}\n", '.k8slint.yaml:3:5: rule "duplicate-key" takes no params'),
    ("namespace: [a\n", ".k8slint.yaml:1:12: a flow sequence starts here and is never closed"),
])
def test_config_errors_name_file_and_line(tmp_path: Path, body: str, expected: str) -> None:
    write(tmp_path / ".k8slint.yaml", body)
    write(tmp_path / "pod.yaml", POD)
    code, out = invoke(tmp_path, "lint", "pod.yaml")
    assert code == 2
    assert expected in out, out


def test_glob_matcher(tmp_path: Path) -> None:
    match = glob_matcher(["vendor/", "**/*.generated.yaml", "charts/*/values.yaml", "secret.yaml"], str(tmp_path))
    yes = ["vendor/a.yaml", "vendor/x/y.yaml", "a/b.generated.yaml", "x.generated.yaml", "charts/c/values.yaml",
           "deep/secret.yaml"]
    no = ["vendors/a.yaml", "a/b.yaml", "charts/c/d/values.yaml", "secret.yaml.bak"]
    assert all(match(str(tmp_path / p)) for p in yes)
    assert not any(match(str(tmp_path / p)) for p in no)


# --- suppressions ----------------------------------------------------------------------------------

SUPPRESSED = """\
apiVersion: v1
kind: Pod
metadata:
  name: by-annotation
  annotations:
    k8slint.io/ignore: missing-liveness-probe
    k8slint.io/ignore-reason: supervised by systemd
spec:
  containers:
    - name: a
      image: example/app:1.0
      readinessProbe: {tcpSocket: {port: 8080}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: by-template-annotation
spec:
  selector: {matchLabels: {app: t}}
  template:
    metadata:
      labels: {app: t}
      annotations: {k8slint.io/ignore: "missing-liveness-probe,missing-readiness-probe"}
    spec:
      containers:
        - name: t
          image: example/app:1.0
---
apiVersion: v1
kind: Pod
metadata:
  name: by-comment
spec:
  containers:
    - name: c # k8slint: disable=missing-liveness-probe
      image: example/app:1.0
      readinessProbe: {tcpSocket: {port: 8080}}
    # k8slint: disable-next-line=missing-liveness-probe
    - name: d
      image: example/app:1.0
      readinessProbe: {tcpSocket: {port: 8080}}
    - name: e
      image: example/app:1.0
      readinessProbe: {tcpSocket: {port: 8080}}
"""


def test_each_suppression_form_is_recorded_not_dropped(tmp_path: Path) -> None:
    config(tmp_path / ".k8slint.yaml", "")
    write(tmp_path / "s.yaml", SUPPRESSED)
    code, data = report(tmp_path, "s.yaml")
    by_line = {(f["line"], f["rule"]): f["suppressed"] for f in data["findings"]}
    assert by_line[(10, "missing-liveness-probe")] == {"kind": "annotation", "reason": "supervised by systemd"}
    assert by_line[(26, "missing-liveness-probe")]["kind"] == "annotation"
    assert by_line[(26, "missing-readiness-probe")]["kind"] == "annotation"
    assert by_line[(35, "missing-liveness-probe")]["kind"] == "comment"
    assert by_line[(39, "missing-liveness-probe")]["kind"] == "comment"
    assert by_line[(42, "missing-liveness-probe")] is None  # only e is reported
    assert data["summary"]["warnings"] == 1 and data["summary"]["suppressed"] == 5
    assert code == 1
    code, out = invoke(tmp_path, "lint", "s.yaml")
    assert out.count("missing-liveness-probe") == 1 and "(5 suppressed)" in out
    code, out = invoke(tmp_path, "lint", "--show-suppressed", "s.yaml")
    assert "[suppressed: supervised by systemd]" in out
    _, sarif = invoke(tmp_path, "lint", "--format", "sarif", "s.yaml")
    results = json.loads(sarif)["runs"][0]["results"]
    marks = [r.get("suppressions") for r in results]
    assert sum(1 for m in marks if m) == 5
    assert {"kind": "inSource", "status": "accepted", "justification": "supervised by systemd"} in [
        m[0] for m in marks if m]
    # disable-file silences everything it names; the exit code then ignores them
    write(tmp_path / "s.yaml", "# k8slint: disable-file=missing-liveness-probe\n" + SUPPRESSED)
    code, data = report(tmp_path, "s.yaml")
    assert code == 0 and data["summary"]["suppressed"] == 6


def test_an_ignore_annotation_spelled_with_escapes_still_suppresses(tmp_path: Path) -> None:
    """The annotation is looked for only in files whose text can hold it: written out, or spelled with an
    escape in a double-quoted key (YAML's `\\x2F`, JSON's `\\/`), which the check must not miss."""
    config(tmp_path / ".k8slint.yaml", "")
    escaped = SUPPRESSED.replace("    k8slint.io/ignore", '    "k8slint.io\\x2Fignore"').replace(
        '"k8slint.io\\x2Fignore"-reason', '"k8slint.io\\x2Fignore-reason"').replace(
        "{k8slint.io/ignore:", '{"k8slint.io\\u002Fignore":')
    assert "k8slint.io/ignore" not in escaped and escaped.count("\\") == 3
    write(tmp_path / "s.yaml", escaped)
    _, data = report(tmp_path, "s.yaml")
    assert data["summary"]["suppressed"] == 5 and data["summary"]["warnings"] == 1
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": "p", "annotations": {"k8slint.io/ignore": "missing-liveness-probe"}}, "spec": {"containers": [
            {"name": "a", "image": "example/app:1.0", "readinessProbe": {"tcpSocket": {"port": 1}}}]}}
    write(tmp_path / "s.json", json.dumps(pod).replace("/", "\\/"))
    _, data = report(tmp_path, "s.json")
    found = [(f["rule"], f["suppressed"]["kind"]) for f in data["findings"]]
    assert found == [("missing-liveness-probe", "annotation")]


# --- baseline --------------------------------------------------------------------------------------

def test_baseline_survives_edits_and_lets_new_findings_through(tmp_path: Path) -> None:
    config(tmp_path / ".k8slint.yaml", "")
    manifest = write(tmp_path / "k8s" / "pod.yaml", POD)
    code, out = invoke(tmp_path, "lint", "--write-baseline", "baseline.json", "k8s")
    assert code == 0 and "wrote 1 findings to baseline.json" in out
    entries = json.loads((tmp_path / "baseline.json").read_text())["findings"]
    assert entries == [{"rule": "missing-liveness-probe", "file": "k8s/pod.yaml", "object": "default/Pod/app",
                        "path": "spec.containers[0]"}]
    # edit above the finding: lines move, the finding does not come back
    manifest.write_text("# owned by team shop\n\n" + POD + textwrap.dedent("""\
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: new}
        spec:
          containers: [{name: main, image: "example/app:1.0", livenessProbe: {tcpSocket: {port: 1}}}]
        """))
    code, data = report(tmp_path, "--baseline", "baseline.json", "k8s")
    reported = [(f["line"], f["rule"]) for f in data["findings"] if f["suppressed"] is None]
    assert reported == [(17, "missing-readiness-probe")]  # the new object's finding still shows
    assert [f["suppressed"]["kind"] for f in data["findings"] if f["suppressed"]] == ["baseline"]
    assert code == 1
    (tmp_path / "bad.json").write_text("{")
    code, out = invoke(tmp_path, "lint", "--baseline", "bad.json", "k8s")
    assert code == 2 and "bad.json:1:2: not a k8slint baseline" in out


# --- policy packs ----------------------------------------------------------------------------------

PACK = """\
apiVersion: k8slint.io/v1
kind: RulePack
metadata: {name: team}
rules:
  - id: team-label-required
    severity: error
    summary: Every object carries a team label.
    why: On-call needs to know whom to page for an object.
    remediation: Add metadata.labels.team.
    uses: required-label
    params: {key: team}
  - id: no-default-namespace-services
    severity: warning
    summary: Services declare their namespace explicitly.
    why: Applying to the wrong context puts them in someone else's namespace.
    remediation: Set metadata.namespace.
    kinds: [Service]
    message: 'Service "{name}" has no explicit namespace'
    schema:
      properties:
        metadata: {required: [namespace]}
  - id: registry-allowlist
    severity: error
    summary: Images come from the company registry.
    why: Only scanned images may run.
    remediation: Mirror the image into registry.example.com.
    uses: allowed-image-registries
    params: {registries: [registry.example.com]}
"""


@pytest.fixture
def pack_dir(tmp_path: Path):  # type: ignore[no-untyped-def]
    yield tmp_path / "policies"
    for rule_id in ("team-label-required", "no-default-namespace-services", "registry-allowlist"):
        REGISTRY.rules.pop(rule_id, None)


def test_properties_only_policies_skip_exactly_what_the_validator_accepts() -> None:
    """A schema policy whose schema says only `properties` skips targets holding none of its keys: on every
    target of every fixture object the validator must agree that they are valid."""
    from k8slint.policies import _properties_only, _SchemaPolicy

    assert _properties_only({"properties": {"a": {}}, "title": "t"}) == ("a",)
    assert _properties_only({"properties": {"a": {}}, "required": ["a"]}) is None
    assert _properties_only({"properties": {"a": {}}, "additionalProperties": False}) is None
    policies = [r.check for r in REGISTRY if isinstance(r.check, _SchemaPolicy) and r.check.reads is not None]
    assert len(policies) >= 3
    skipped = 0
    for obj in _fixture_objects():
        for policy in policies:
            for _, data, _ in policy._targets(obj):
                if isinstance(data, dict) and not any(key in data for key in policy.reads or ()):
                    skipped += 1
                    assert list(policy.validator.iter_errors(data)) == [], (policy.rule_id, obj.describe())
    assert skipped > 100


def _fixture_objects() -> list[Any]:
    """Every object of every fixture file, whole."""
    from k8slint.model import K8sObject
    from k8slint.parser import parse

    out = []
    for path in sorted(FIXTURES.rglob("*.y*ml")):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for doc in parse(text, str(path)).documents:
            data = doc.data
            if isinstance(data, dict) and isinstance(data.get("kind"), str) and isinstance(data.get("apiVersion"), str):
                out.append(K8sObject.from_data(data, doc, (), "default"))
    return out


def test_user_policy_pack_fires(tmp_path: Path, pack_dir: Path) -> None:
    write(pack_dir / "team.yaml", PACK)
    config(tmp_path / ".k8slint.yaml", "rule-dirs: [policies]\n")
    labelled = POD.replace("  name: app\n", "  name: app\n  labels: {tier: web}\n")
    write(tmp_path / "app.yaml", labelled + textwrap.dedent("""\
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: shop, labels: {team: shop}}
        spec: {ports: [{port: 80}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: loose, labels: {team: shop}}
        spec: {ports: [{port: 80}]}
        """))
    code, data = report(tmp_path, "app.yaml")
    got = {(f["rule"], f["line"]) for f in data["findings"]}
    assert ("team-label-required", 5) in got  # at metadata.labels of the Pod
    assert ("registry-allowlist", 9) in got  # at the image
    assert ("no-default-namespace-services", 19) in got  # at the loose Service's metadata
    assert not any(r == "no-default-namespace-services" and line < 19 for r, line in got)
    _, listing = invoke(tmp_path, "rules")
    assert "team-label-required" in listing and "registry-allowlist" in listing
    _, text = invoke(tmp_path, "explain", "registry-allowlist")
    assert "declared in: policies/team.yaml" in text and 'registries: ' in text


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda p: p.replace("severity: error\n    summary: Every", "severity: fatal\n    summary: Every"),
     "team.yaml:6:5: rules[0].severity must be one of error, warning, info"),
    (lambda p: p.replace("    uses: required-label\n", "    uses: required-labels\n"),
     "team.yaml:10:5: rules[0].uses must be one of"),
    (lambda p: p.replace("params: {key: team}", "params: {kee: team}"),
     'team.yaml:11:14: params of required-label: unknown field "kee" (did you mean "key"?)'),
    (lambda p: p.replace("metadata: {required: [namespace]}", "metadata: {required: namespace}"),
     "team.yaml:21:20: invalid JSON Schema: 'namespace' is not of type 'array'"),
    (lambda p: p.replace("id: registry-allowlist", "id: privileged-container"),
     'team.yaml:22:5: rule id "privileged-container" is already declared'),
    (lambda p: p.replace("apiVersion: k8slint.io/v1", "apiVersion: k8slint.io/v2"),
     "team.yaml:1:1: apiVersion"),
])
def test_invalid_policy_pack_is_rejected_with_its_line(tmp_path: Path, pack_dir: Path, mutate, expected) -> None:  # type: ignore[no-untyped-def]
    write(pack_dir / "team.yaml", mutate(PACK))
    config(tmp_path / ".k8slint.yaml", "rule-dirs: [policies]\n")
    write(tmp_path / "app.yaml", POD)
    code, out = invoke(tmp_path, "lint", "app.yaml")
    assert code == 2, out
    assert "config error:" in out and expected in out, out


def test_policies_never_execute_code(tmp_path: Path, pack_dir: Path) -> None:
    marker = tmp_path / "pwned"
    write(pack_dir / "evil.yaml", PACK.replace(
        "kind: RulePack", f"kind: !!python/object/apply:os.system ['touch {marker}']"))
    config(tmp_path / ".k8slint.yaml", "rule-dirs: [policies]\n")
    write(tmp_path / "app.yaml", POD)
    code, out = invoke(tmp_path, "lint", "app.yaml")
    assert code == 2 and "kind" in out
    assert not marker.exists()
