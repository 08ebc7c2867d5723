"""SARIF, GitHub annotations, several outputs, --context, the pre-commit hook and the GitHub Action."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from k8slint.cli import cli
from k8slint.reporters.github import command, escape_data, escape_property

from .helpers import FIXTURES, ROOT

SHARED_SCHEMAS = ROOT.parent / "shared" / "schemas"
SARIF_SCHEMA = SHARED_SCHEMAS / "sarif-schema-2.1.0.json"
CACHE = ROOT / ".cache"
BROKEN = FIXTURES / "service-target-port-undefined" / "fail-named.yaml"
ALL_FIXTURE_DIRS = sorted(str(p.relative_to(ROOT)) for p in FIXTURES.iterdir()
                          if p.is_dir() and p.name[0] not in "._" and p.name != "hostile")


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def fixture_reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, Path]:
    """SARIF and JSON of one run over every fixture, written in the same invocation."""
    out = tmp_path_factory.mktemp("reports")
    cwd = os.getcwd()
    os.chdir(ROOT)  # artifact URIs are relative to the current directory
    try:
        invoke("lint", "--format", "json", "--output", str(out / "r.json"),
               "--output", f"sarif={out / 'r.sarif'}", *ALL_FIXTURE_DIRS)
    finally:
        os.chdir(cwd)
    return (json.loads((out / "r.sarif").read_text()), json.loads((out / "r.json").read_text()), out / "r.sarif")


def test_sarif_of_every_fixture_is_schema_valid(fixture_reports: tuple[dict, dict, Path]) -> None:
    if not SARIF_SCHEMA.exists():
        pytest.skip(f"official SARIF schema not found at {SARIF_SCHEMA}")
    sarif, _, _ = fixture_reports
    validator = jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text()))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(sarif)]
    assert not errors, errors[:10]


def test_sarif_results_match_the_json_report(fixture_reports: tuple[dict, dict, Path]) -> None:
    sarif, report, _ = fixture_reports
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    findings = [f for f in report["findings"] if f["rule"] != "internal-error"]
    assert len(results) == len(findings) > 100
    for result, finding in zip(results, findings, strict=True):
        location = result["locations"][0]["physicalLocation"]
        assert result["ruleId"] == finding["rule"] == rules[result["ruleIndex"]]["id"]
        assert location["artifactLocation"] == {"uri": finding["file"], "uriBaseId": "%SRCROOT%"}
        assert location["region"] == {"startLine": finding["line"], "startColumn": finding["column"]}
        assert result["level"] == {"error": "error", "warning": "warning", "info": "note"}[finding["severity"]]
        assert result["message"]["text"] == finding["message"]
        if finding["object"]:
            obj = finding["object"]
            expected = "/".join(p for p in (obj["namespace"], obj["kind"], obj["name"] or "<unnamed>") if p)
            assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == expected
        assert len(result.get("relatedLocations", [])) == len(finding["related"])
    assert run["invocations"][0]["executionSuccessful"] is True
    ids = {r["id"] for r in rules}
    assert {"schema-violation", "quota-exceeded", "yaml-syntax-error"} <= ids
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["help"]["markdown"] and rule["helpUri"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")


def _multitool() -> str | None:
    """Path of Microsoft's SARIF multitool binary, installed from the npm registry into .cache/."""
    prefix = CACHE / "sarif-multitool"
    binary = prefix / "node_modules" / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"
    if not binary.exists():
        npm = shutil.which("npm")
        if npm is None:
            return None
        prefix.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(prefix),
                        "@microsoft/sarif-multitool"], check=True, capture_output=True, timeout=600)
    return str(binary) if binary.exists() else None


def test_microsoft_sarif_validator_reports_nothing(fixture_reports: tuple[dict, dict, Path],
                                                   tmp_path: Path) -> None:
    if sys.platform != "linux":
        pytest.skip("the multitool binary used here is the linux one")
    tool = _multitool()
    if tool is None:
        pytest.skip("npm is not available: cannot install @microsoft/sarif-multitool")
    _, _, sarif_path = fixture_reports
    out = tmp_path / "validation.sarif"
    proc = subprocess.run([tool, "validate", "--rule-kind", "Sarif;Gh", str(sarif_path), "-o", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert "Analysis completed successfully" in proc.stdout, proc.stdout + proc.stderr
    results = json.loads(out.read_text())["runs"][0]["results"]
    problems = [r for r in results if r.get("level") in (None, "error", "warning")]
    assert not problems, [(p["ruleId"], p["message"]) for p in problems][:10]
    # the validator is real: a log without a region gets a finding
    broken = json.loads(sarif_path.read_text())
    del broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    (tmp_path / "broken.sarif").write_text(json.dumps(broken))
    subprocess.run([tool, "validate", "--rule-kind", "Sarif;Gh", str(tmp_path / "broken.sarif"), "-o",
                    str(tmp_path / "broken-validation.sarif")], capture_output=True, timeout=600)
    found = json.loads((tmp_path / "broken-validation.sarif").read_text())["runs"][0]["results"]
    assert any(r["ruleId"] == "SARIF2017" for r in found)


def test_clean_run_has_empty_results_and_crash_is_a_notification(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    code, out = invoke("lint", "--format", "sarif", str(FIXTURES / "examples"))
    assert code == 0
    run = json.loads(out)["runs"][0]
    assert run["results"] == [] and run["invocations"][0]["executionSuccessful"] is True

    from k8slint.checks import probes

    def boom(obj, ctx):  # type: ignore[no-untyped-def]
        raise RuntimeError("kaput")

    from k8slint.registry import REGISTRY

    monkeypatch.setitem(REGISTRY.rules, "missing-liveness-probe",
                        REGISTRY.rules["missing-liveness-probe"].__class__(
                            **{**REGISTRY.rules["missing-liveness-probe"].__dict__, "check": boom}))
    assert probes  # the original module stays imported
    code, out = invoke("lint", "--format", "sarif", str(FIXTURES / "examples"))
    assert code == 2
    invocation = json.loads(out)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert notes and all("kaput" in n["message"]["text"] for n in notes)
    assert json.loads(out)["runs"][0]["results"] == []


def test_fingerprints_survive_moved_lines(tmp_path: Path) -> None:
    path = tmp_path / "svc.yaml"
    path.write_text(BROKEN.read_text())
    _, first = invoke("lint", "--format", "sarif", str(path))
    path.write_text("# a comment\n\n\n" + BROKEN.read_text())
    _, second = invoke("lint", "--format", "sarif", str(path))
    a = [r["partialFingerprints"] for r in json.loads(first)["runs"][0]["results"]]
    b = [r["partialFingerprints"] for r in json.loads(second)["runs"][0]["results"]]
    def lines(sarif: str) -> list[int]:
        return [r["locations"][0]["physicalLocation"]["region"]["startLine"]
                for r in json.loads(sarif)["runs"][0]["results"]]

    lines_a, lines_b = lines(first), lines(second)
    assert a == b and len(set(map(str, a))) == len(a)
    assert [x + 3 for x in lines_a] == lines_b


def test_github_annotations_and_escaping() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    code, out = invoke("lint", "--format", "github", str(BROKEN))
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith(f"::error file={escape_property(str(BROKEN))},line=10,col=7,"
                            "title=k8slint service-target-port-undefined::targetPort")
    from k8slint.findings import Finding, Location, Severity

    weird = Finding("x-rule", Severity.INFO, "50% of a,b: c\nd", Location("dir,a:b.yaml", 3, 4))
    assert command(weird) == "::notice file=dir%2Ca%3Ab.yaml,line=3,col=4,title=k8slint x-rule::50%25 of a,b: c%0Ad"


def test_several_outputs_in_one_run(tmp_path: Path) -> None:
    code, out = invoke("lint", "--output", f"sarif={tmp_path / 'r.sarif'}", "--output", f"json={tmp_path / 'r.json'}",
                       str(BROKEN))
    assert code == 1
    assert "service-target-port-undefined" in out and "1 file, 2 objects" in out  # text still on stdout
    assert json.loads((tmp_path / "r.sarif").read_text())["version"] == "2.1.0"
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["errors"] == 2
    bad = CliRunner().invoke(cli, ["lint", "--output", "a.json", "--output", "b.json", str(BROKEN)])
    assert bad.exit_code == 2 and "use FORMAT=PATH" in bad.output


def test_context_resolves_without_reporting(tmp_path: Path) -> None:
    svc = FIXTURES / "service-selector-no-match" / "pass-cross-directory" / "services" / "api.yaml"
    workloads = FIXTURES / "service-selector-no-match" / "pass-cross-directory" / "workloads"
    # alone, the Service matches nothing: with no near miss in the run it is not reported
    broken_workloads = tmp_path / "workloads"
    broken_workloads.mkdir()
    (broken_workloads / "bad.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: other, namespace: shop, labels: {app: other}}\n"
        "spec:\n  containers: [{name: c, image: x}]\n")
    code, out = invoke("lint", "--context", str(broken_workloads), str(svc))
    assert "service-selector-no-match" not in out
    (broken_workloads / "bad.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: other, namespace: shop, labels: {app: apii}}\n"
        "spec:\n  containers: [{name: c, image: x}]\n")
    code, out = invoke("lint", "--context", str(broken_workloads), str(svc))
    assert "service-selector-no-match" in out and 'did you mean Pod "other" (app=apii)' in out  # a near miss
    assert "missing-liveness-probe" not in out  # findings in context files are not reported
    code, out = invoke("lint", "--format", "json", "--context", str(workloads), str(svc))
    report = json.loads(out)
    assert code == 0 and report["findings"] == [] and [f["file"] for f in report["files"]] == [str(svc)]
    # a file given both as a path and as context is linted once
    code, out = invoke("lint", "--format", "json", "--context", str(svc.parent.parent), str(svc))
    assert json.loads(out)["summary"]["objects"] == 1


def test_pre_commit_hook_with_try_repo(tmp_path: Path) -> None:
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
    if not Path(pre_commit).exists():
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {**os.environ, "PRE_COMMIT_HOME": str(CACHE / "pre-commit"), "NO_COLOR": "1",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)

    git("init", "-q")
    manifest = repo / "pod.yaml"
    manifest.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                        "    - name: c\n      image: nginx:1.27\n      imagePullPolcy: Always\n"
                        "      livenessProbe: {tcpSocket: {port: 80}}\n      readinessProbe: {tcpSocket: {port: 80}}\n"
                        "      securityContext: {runAsNonRoot: true, runAsUser: 101}\n"
                        "      resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {memory: 32Mi}}\n")
    (repo / "notes.txt").write_text("not yaml: [\n")
    git("add", ".")

    def run(hook: str = "k8slint") -> subprocess.CompletedProcess[str]:
        return subprocess.run([pre_commit, "try-repo", str(ROOT), hook, "--all-files"], cwd=repo, env=env,
                              capture_output=True, text=True, timeout=900)

    failed = run()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "pod.yaml:8:7" in failed.stdout and "unknown-field" in failed.stdout, failed.stdout
    fixed = run("k8slint-fix")  # pre-commit fails a hook that changes files, and shows what it did
    assert fixed.returncode == 1 and "files were modified by this hook" in fixed.stdout, fixed.stdout
    assert 'rename "imagePullPolcy" to "imagePullPolicy"' in fixed.stdout
    assert "imagePullPolicy: Always" in manifest.read_text()
    git("add", ".")
    passed = run()
    assert passed.returncode == 0, passed.stdout + passed.stderr


def _yaml(text: str) -> object:
    return YAML(typ="safe").load(text)


def _readme_workflow() -> str:
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"```yaml\n(# \.github/workflows/k8slint\.yml\n.*?)```", readme, re.S)
    assert match, "README must show the example workflow in a ```yaml block starting with its path"
    return match.group(1)


def test_action_and_readme_workflow_are_schema_valid() -> None:
    if not (SHARED_SCHEMAS / "github-action.json").exists():
        pytest.skip(f"GitHub schemas not found in {SHARED_SCHEMAS}")
    action_schema = json.loads((SHARED_SCHEMAS / "github-action.json").read_text())
    workflow_schema = json.loads((SHARED_SCHEMAS / "github-workflow.json").read_text())
    action = _yaml((ROOT / "action.yml").read_text())
    jsonschema.validate(action, action_schema, cls=jsonschema.Draft7Validator)
    workflow = _yaml(_readme_workflow())
    jsonschema.validate(workflow, workflow_schema, cls=jsonschema.Draft7Validator)
    steps = workflow["jobs"]["lint"]["steps"]  # type: ignore[index]
    assert any("upload-sarif" in str(s.get("uses", "")) for s in steps)
    hooks = _yaml((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [(h["id"], h["entry"]) for h in hooks] == [("k8slint", "k8slint lint"), ("k8slint-fix", "k8slint fix")]
    for hook in hooks:  # type: ignore[attr-defined]
        assert hook == {**hook, "language": "python", "require_serial": True, "types_or": ["yaml", "json"]}


def test_action_steps_run_locally(tmp_path: Path) -> None:
    """Runs the composite action's own shell steps with the variables a GitHub runner sets."""
    action = _yaml((ROOT / "action.yml").read_text())
    workspace = tmp_path / "workspace"
    (workspace / "k8s").mkdir(parents=True)
    shutil.copy(BROKEN, workspace / "k8s" / "svc.yaml")
    output_file = tmp_path / "github_output"
    output_file.write_text("")
    step_summary = tmp_path / "step_summary"
    step_summary.write_text("earlier step\n")
    inputs = {name: spec.get("default", "") for name, spec in action["inputs"].items()}  # type: ignore[index]
    inputs.update({"paths": "k8s", "sarif-file": "out/k8slint.sarif", "args": "--disable missing-startup-probe"})
    (workspace / "out").mkdir()
    env = {**os.environ, "GITHUB_ACTION_PATH": str(ROOT), "GITHUB_WORKSPACE": str(workspace),
           "GITHUB_OUTPUT": str(output_file), "RUNNER_TEMP": str(CACHE / "runner-temp"),
           "GITHUB_ACTIONS": "true", "NO_COLOR": "1", "GITHUB_STEP_SUMMARY": str(step_summary),
           "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/shop", "GITHUB_SHA": "0123abc"}
    (CACHE / "runner-temp").mkdir(parents=True, exist_ok=True)
    outputs = []
    for step in action["runs"]["steps"]:  # type: ignore[index]
        step_env = dict(env)
        for key, value in (step.get("env") or {}).items():
            step_env[key] = re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: inputs[m.group(1)], str(value))
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                              cwd=workspace, env=step_env, capture_output=True, text=True, timeout=900)
        outputs.append(proc)
    install, lint = outputs
    assert install.returncode == 0, install.stderr
    assert lint.returncode == 1, lint.stdout + lint.stderr  # the errors fail the step
    assert "::error file=k8s/svc.yaml,line=10,col=7,title=k8slint service-target-port-undefined::" in lint.stdout
    sarif = json.loads((workspace / "out" / "k8slint.sarif").read_text())
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris == {"k8s/svc.yaml"}
    assert "sarif-file=out/k8slint.sarif" in output_file.read_text()
    summary = step_summary.read_text()
    assert summary.startswith("earlier step\n## k8slint\n")  # appended, as GitHub expects
    assert "| `service-target-port-undefined` | 🔴 error | 2 | `--disable service-target-port-undefined` |" in summary
    assert "[k8s/svc.yaml:10](https://github.com/acme/shop/blob/0123abc/k8s/svc.yaml#L10)" in summary
    assert not list((CACHE / "runner-temp").glob("k8slint-summary-*"))
