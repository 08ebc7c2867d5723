"""The command line, through click's runner and through the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from k8slint import __version__
from k8slint.cli import cli

from .helpers import FIXTURES, HYGIENE, ROOT

SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
EXAMPLES = FIXTURES / "examples"
BROKEN = FIXTURES / "service-target-port-undefined" / "fail-named.yaml"


def run(*args: str, input: str | None = None, hygiene: bool = False):  # type: ignore[no-untyped-def]
    """Invoke the CLI; `lint` runs leave the hygiene rules out unless asked (see helpers.HYGIENE)."""
    if args and args[0] == "lint" and not hygiene:
        args = ("lint", "--disable", ",".join(sorted(HYGIENE)), *args[1:])
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_examples_are_clean_and_the_summary_counts_them() -> None:
    result = run("lint", str(EXAMPLES), hygiene=True)
    assert result.exit_code == 0, result.output
    assert "7 files, 13 objects: 0 errors, 0 warnings, 0 infos" in result.output


def test_text_format_lines() -> None:
    result = run("lint", str(BROKEN))
    assert result.exit_code == 1
    assert f"{BROKEN}:10:7  error    service-target-port-undefined  targetPort \"http-api\"/TCP" in result.output
    assert "fix:" not in result.output
    verbose = run("lint", "-v", str(BROKEN))
    assert "    fix: Point `targetPort`" in verbose.output
    assert "    see: " in verbose.output and "Deployment api (selected pod template)" in verbose.output


def test_json_report_matches_schema_and_contract(tmp_path: Path) -> None:
    result = run("lint", "--format", "json", str(BROKEN), str(EXAMPLES))
    report = json.loads(result.output)
    jsonschema.validate(report, SCHEMA)
    assert report["tool"] == {"name": "k8slint", "version": __version__}
    assert report["summary"] == {"files": 8, "objects": 15, "errors": 2, "warnings": 0, "infos": 0, "suppressed": 0,
                                 "fixable": 0, "fixableUnsafe": 0}
    first = report["findings"][0]
    assert first == {
        "rule": "service-target-port-undefined", "severity": "error",
        "message": first["message"], "file": str(BROKEN), "line": 10, "column": 7,
        "object": {"apiVersion": "v1", "kind": "Service", "name": "api", "namespace": "default"},
        "path": "spec.ports[0].targetPort", "remediation": first["remediation"],
        "related": first["related"], "suppressed": None, "fix": None,
    }


def test_output_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = run("lint", "--format", "json", "--output", str(out), str(BROKEN))
    assert result.exit_code == 1
    jsonschema.validate(json.loads(out.read_text()), SCHEMA)
    assert "1 file, 2 objects: 2 errors" in result.output  # the summary still reaches the terminal


def test_enable_disable_and_unknown_rules() -> None:
    assert run("lint", "--disable", "service-target-port-undefined", str(BROKEN)).exit_code == 0
    slow = str(FIXTURES / "missing-startup-probe" / "fail-slow-start.yaml")
    assert run("lint", slow).exit_code == 0
    enabled = run("lint", "--enable", "missing-startup-probe", "--fail-on", "info", slow)
    assert enabled.exit_code == 1 and "missing-startup-probe" in enabled.output
    unknown = CliRunner().invoke(cli, ["lint", "--disable", "missing-livenes-probe", slow])
    assert unknown.exit_code == 2
    assert "did you mean 'missing-liveness-probe'" in unknown.output


def test_fail_on_thresholds() -> None:
    warn = str(FIXTURES / "missing-liveness-probe" / "fail-deployment.yaml")
    assert run("lint", warn).exit_code == 1
    assert run("lint", "--fail-on", "error", warn).exit_code == 0
    assert run("lint", "--fail-on", "never", str(BROKEN)).exit_code == 0


def test_stdin() -> None:
    result = run("lint", "--format", "json", "-", input=BROKEN.read_text())
    report = json.loads(result.output)
    assert {f["file"] for f in report["findings"]} == {"<stdin>"}
    assert result.exit_code == 1


def test_missing_path_is_reported_and_the_rest_is_linted(tmp_path: Path) -> None:
    result = run("lint", str(tmp_path / "nope.yaml"), str(BROKEN))
    assert result.exit_code == 2
    assert "nope.yaml: no such file or directory" in result.output
    assert "service-target-port-undefined" in result.output


def test_unreadable_file_is_an_error_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from k8slint import discovery

    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    (tmp_path / "b.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n")
    real_read = discovery.Source.read

    def read(self: discovery.Source, limit: int = -1) -> bytes:
        if self.name.endswith("a.yaml"):
            raise PermissionError(13, "Permission denied")
        return real_read(self, limit)

    monkeypatch.setattr(discovery.Source, "read", read)
    result = run("lint", "--format", "json", str(tmp_path))
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert [(f["status"], f.get("reason")) for f in report["files"]] == [
        ("failed", "cannot read: Permission denied"), ("linted", None)]
    assert "a.yaml: cannot read: Permission denied" in result.stderr


def test_bad_files_give_findings_and_the_run_continues(tmp_path: Path) -> None:
    (tmp_path / "binary.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "latin1.yaml").write_bytes(b"apiVersion: v1\nkind: ConfigMap\ndata: {a: caf\xe9}\n")
    (tmp_path / "scalar.yaml").write_text("x" * 2_000_000)
    (tmp_path / "ok.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n")
    result = run("lint", "--format", "json", str(tmp_path))
    report = json.loads(result.output)
    got = {(Path(f["file"]).name, f["rule"], f["line"]) for f in report["findings"]}
    assert got == {("binary.yaml", "yaml-syntax-error", 3), ("latin1.yaml", "yaml-syntax-error", 3)}
    status = {Path(f["file"]).name: f["status"] for f in report["files"]}
    assert status["scalar.yaml"] == "skipped"  # one long string: not a Kubernetes manifest
    assert report["summary"]["objects"] == 1
    assert result.exit_code == 2  # files that are not text are unreadable input, whatever rules are on


def test_directory_walk_skips_hidden_and_survives_symlink_loops(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.yaml").write_text("not: k8s\n")
    (tmp_path / ".hidden.yaml").write_text("not: k8s\n")
    (tmp_path / "notes.txt").write_text("not: k8s\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "cm.yml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    os.symlink(tmp_path, sub / "loop")
    os.symlink(tmp_path / "missing.yaml", tmp_path / "dangling.yaml")
    result = run("lint", "--format", "json", str(tmp_path))
    report = json.loads(result.stdout)
    assert [Path(f["file"]).name for f in report["files"]] == ["cm.yml"]
    assert "symbolic link loop" in result.stderr and "broken symbolic link" in result.stderr
    assert result.exit_code == 0


def test_rules_command() -> None:
    table = run("rules")
    assert table.exit_code == 0
    assert "missing-startup-probe             info      no" in table.output
    rules = json.loads(run("rules", "--format", "json").output)
    ids = {r["id"] for r in rules}
    assert {"yaml-syntax-error", "service-target-port-undefined", "statefulset-service-not-headless"} <= ids
    assert all(r["summary"] and r["remediation"] for r in rules)


def test_version() -> None:
    assert run("--version").output.strip() == f"k8slint, version {__version__}"


def _console_script() -> str:
    script = Path(sys.executable).parent / "k8slint"
    assert script.exists(), f"console script not installed next to {sys.executable}: pip install -e ."
    return str(script)


def test_installed_console_script_and_module() -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run([_console_script(), "lint", str(BROKEN)], capture_output=True, text=True, env=env)
    assert proc.returncode == 1 and "service-target-port-undefined" in proc.stdout
    assert "Traceback" not in proc.stderr
    mod = subprocess.run([sys.executable, "-m", "k8slint", "lint", str(EXAMPLES)], capture_output=True, text=True)
    assert mod.returncode == 0, mod.stderr


def test_kube_version_option() -> None:
    hpa = str(FIXTURES / "removed-api-version" / "pass-older-target.yaml")
    assert "  removed-api-version  " in run("lint", hpa).output
    older = run("lint", "--kube-version", "v1.25.3", hpa)
    assert "  deprecated-api-version  " in older.output and "  removed-api-version  " not in older.output
    bad = CliRunner().invoke(cli, ["lint", "--kube-version", "1.12", hpa])
    assert bad.exit_code == 2
    assert "unsupported Kubernetes version '1.12'; supported: 1.25," in bad.output


def test_no_strict_turns_unknown_fields_off() -> None:
    typos = str(FIXTURES / "unknown-field" / "fail-typos.yaml")
    assert "unknown-field" in run("lint", typos).output
    assert run("lint", "--no-strict", typos).exit_code == 0


def test_crd_option(tmp_path: Path) -> None:
    gadget = FIXTURES / "unknown-kind" / "pass-crd-given.yaml"
    crd = FIXTURES / "unknown-kind" / "crds" / "gadget-crd.yaml"
    without = run("lint", "--fail-on", "info", str(gadget))
    assert "unknown-kind" in without.output and "schema-violation" not in without.output
    report = json.loads(run("lint", "--format", "json", "--crd", str(crd), str(gadget)).output)
    assert [(f["rule"], f["line"]) for f in report["findings"]] == [("schema-violation", 16)]
    assert [f["file"] for f in report["files"]] == [str(gadget)]  # the CRD file is not linted
    missing = run("lint", "--crd", str(tmp_path / "nope.yaml"), str(gadget))
    assert missing.exit_code == 2 and "nope.yaml: no such file or directory" in missing.output
