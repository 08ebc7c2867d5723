"""Hostile or broken input never crashes, hangs, leaks or modifies anything (see SECURITY.md).

Each test here would fail if the protection it covers were removed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import stat
import string
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from k8slint.cli import cli

from .helpers import FIXTURES, HYGIENE, ROOT, expected_markers, lint

REPORT_SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
SARIF_SCHEMA_PATH = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
HOSTILE = FIXTURES / "hostile"
TUTORIALS = FIXTURES / "tutorials"


def run(*args: str, input: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


def check_reports(paths: list[str], expect_files: int | None = None) -> None:
    """The invariants: exit 0/1/2, no traceback, valid JSON and SARIF, every file accounted for."""
    code, out, err = run("lint", "--jobs", "1", "--format", "json", *paths)
    assert code in (0, 1, 2) and "Traceback" not in out + err
    report = json.loads(out)
    jsonschema.validate(report, REPORT_SCHEMA)
    if expect_files is not None:
        assert len(report["files"]) == expect_files
        assert all(f["status"] == "linted" or f.get("reason") for f in report["files"])
    code2, sarif, err2 = run("lint", "--jobs", "1", "--format", "sarif", *paths)
    assert code2 == code and "Traceback" not in sarif + err2
    log = json.loads(sarif)
    if SARIF_SCHEMA_PATH.exists():
        jsonschema.validate(log, json.loads(SARIF_SCHEMA_PATH.read_text()), cls=jsonschema.Draft4Validator)


# --- property tests --------------------------------------------------------------------------

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(tmp_path: Path, data: bytes) -> None:
    (tmp_path / "f.yaml").write_bytes(data)
    check_reports([str(tmp_path / "f.yaml")], expect_files=1)


YAMLISH = st.text(alphabet=string.ascii_letters[:6] + " \t\n:-[]{},&*!#'\"|>%@`?\\.\r\x00\u00e9\u202e", max_size=400)


@FUZZ
@given(YAMLISH)
def test_arbitrary_yaml_streams(tmp_path: Path, text: str) -> None:
    (tmp_path / "f.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    check_reports([str(tmp_path / "f.yaml")], expect_files=1)


KINDS = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Service", "Ingress",
         "LimitRange", "ResourceQuota", "PersistentVolumeClaim", "HorizontalPodAutoscaler",
         "PodDisruptionBudget", "NetworkPolicy", "CustomResourceDefinition", "ConfigMap", "List"]
API = {"Deployment": "apps/v1", "StatefulSet": "apps/v1", "DaemonSet": "apps/v1", "Job": "batch/v1",
       "CronJob": "batch/v1", "Ingress": "networking.k8s.io/v1", "HorizontalPodAutoscaler": "autoscaling/v2",
       "PodDisruptionBudget": "policy/v1", "NetworkPolicy": "networking.k8s.io/v1",
       "CustomResourceDefinition": "apiextensions.k8s.io/v1"}
KEYS = ["spec", "template", "containers", "initContainers", "ports", "name", "port", "targetPort", "selector",
        "matchLabels", "matchExpressions", "labels", "metadata", "resources", "limits", "requests", "cpu",
        "memory", "volumes", "hostPath", "path", "volumeMounts", "livenessProbe", "httpGet", "limits", "hard",
        "type", "max", "min", "default", "items", "securityContext", "env", "replicas", "rules", "http"]
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 70000), st.floats(allow_nan=True),
                    st.sampled_from(["", "http", "500m", "lots", "1Gi", "-1", "In", "None", "ClusterIP", "/etc"]))
VALUES = st.recursive(SCALARS, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.sampled_from(KEYS), children, max_size=5)), max_leaves=30)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(KINDS), st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6)),
                min_size=1, max_size=4))
def test_rules_survive_any_shape_of_object(objects: list[tuple[str, dict]]) -> None:  # type: ignore[type-arg]
    """Every rule on objects with the right kind and any structure: never an internal error."""
    docs = []
    for kind, body in objects:
        docs.append(json.dumps({"apiVersion": API.get(kind, "v1"), "kind": kind,
                                "metadata": {"name": "x", "labels": {"app": "a"}}, **body}))
    code, out, err = run("lint", "--jobs", "1", "--format", "json", "-", input="\n---\n".join(docs).encode())
    report = json.loads(out)
    crashes = [f["message"] for f in report["findings"] if f["rule"] == "internal-error"]
    assert not crashes, crashes
    assert code in (0, 1)


# --- the hostile corpus ------------------------------------------------------------------------

def test_hostile_corpus() -> None:
    files = sorted(p for p in HOSTILE.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    start = time.perf_counter()
    check_reports([str(HOSTILE)], expect_files=len(files))
    assert time.perf_counter() - start < 60
    report = json.loads(run("lint", "--format", "json", str(HOSTILE))[1])
    by_file = {Path(f["file"]).name: f for f in report["files"]}
    failed = {name for name, f in by_file.items() if f["status"] == "failed"}
    assert failed == {"binary-png.yaml", "elf.yml", "invalid-utf8.yaml", "nul-in-middle.yaml"}
    rules = {(Path(f["file"]).name, f["rule"]) for f in report["findings"]}
    assert ("alias-bomb.yaml", "input-too-large") in rules
    assert ("deep-flow.yaml", "input-too-large") in rules and ("deep-block.yaml", "input-too-large") in rules
    assert ("recursive-alias.yaml", "yaml-syntax-error") in rules
    assert ("tabs.yaml", "yaml-syntax-error") in rules
    assert by_file["utf16-bom.yaml"]["objects"] == 1 and by_file["utf8-bom-crlf.yaml"]["objects"] == 1


def test_crlf_mixed_and_lone_cr_keep_positions(tmp_path: Path) -> None:
    base = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: x:1\n"
    for name, text in (("lf", base), ("crlf", base.replace("\n", "\r\n")), ("cr", base.replace("\n", "\r")),
                       ("mixed", "".join(line + ("\r\n" if i % 2 else "\n")
                                         for i, line in enumerate(base.splitlines())))):
        (tmp_path / f"{name}.yaml").write_bytes(text.encode())
    result = lint(tmp_path)
    spots = {(Path(f.location.file).stem, f.location.line, f.location.column) for f in result.findings
             if f.rule == "missing-liveness-probe"}
    assert spots == {("lf", 7, 7), ("crlf", 7, 7), ("cr", 7, 7), ("mixed", 7, 7)}


# --- resource limits ---------------------------------------------------------------------------

def test_huge_file_refused_in_bounded_time_and_memory(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with open(big, "wb") as handle:
        handle.write(b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  a: \"")
        handle.write(b"x" * (100 * 1024 * 1024))
        handle.write(b"\"\n")
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-m", "k8slint", "lint", "--format", "json",
                           str(big)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    report = json.loads(proc.stdout)
    assert [f["rule"] for f in report["findings"]] == ["input-too-large"]
    assert report["files"][0]["status"] == "failed"
    peak_kb = int(proc.stderr.strip().splitlines()[-1])
    assert peak_kb < 200_000, f"peak RSS {peak_kb} kB: the file was read"
    code, out, _ = run("lint", "--max-file-size", "200Mi", "--format", "json", str(big))
    assert json.loads(out)["summary"]["objects"] == 1  # a raised limit lints it


def test_stdin_is_bounded_too() -> None:
    code, out, _ = run("lint", "--max-file-size", "1k", "--format", "json", "-", input=b"a: " + b"x" * 5000)
    assert [f["rule"] for f in json.loads(out)["findings"]] == ["input-too-large"]


def test_very_long_line(tmp_path: Path) -> None:
    (tmp_path / "long.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: long}\ndata:\n"
                                        "  a: " + "y" * 5_000_000 + "\n")
    start = time.perf_counter()
    check_reports([str(tmp_path / "long.yaml")], expect_files=1)
    assert time.perf_counter() - start < 30


def test_fifos_devices_and_broken_links_never_block(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    os.symlink(tmp_path / "missing.yaml", tmp_path / "broken.yaml")
    (tmp_path / "ok.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n")
    start = time.perf_counter()
    code, out, err = run("lint", "--format", "json", str(tmp_path), str(tmp_path / "pipe.yaml"), "/dev/null")
    assert time.perf_counter() - start < 10
    report = json.loads(out)
    assert [Path(f["file"]).name for f in report["files"]] == ["ok.yaml"]
    notices = {Path(n["file"]).name: n["message"] for n in report["notices"]}
    assert notices["pipe.yaml"] == "a FIFO: skipped" and notices["null"] == "not a regular file: skipped"
    assert notices["broken.yaml"] == "broken symbolic link: skipped"
    assert code == 0


def test_permission_denied_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "x.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    (tmp_path / "ok.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n")
    real = os.scandir

    def scandir(path):  # type: ignore[no-untyped-def]
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, out, err = run("lint", "--format", "json", str(tmp_path))
    report = json.loads(out)
    assert code == 2 and [Path(f["file"]).name for f in report["files"]] == ["ok.yaml"]
    assert any(n["error"] and "Permission denied" in n["message"] for n in report["notices"])


def test_non_utf8_file_names(tmp_path: Path) -> None:
    raw = os.fsencode(str(tmp_path)) + b"/caf\xe9-\x1b[2J.yaml"
    with open(raw, "wb") as handle:
        handle.write(b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: 'x:1'}]}\n")
    code, out, _ = run("lint", str(tmp_path))
    assert "caf\ufffd-\\x1b[2J.yaml" in out and "\x1b" not in out
    check_reports([str(tmp_path)], expect_files=1)


# --- security ----------------------------------------------------------------------------------

def test_yaml_tags_construct_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    for name, payload in (
        ("apply.yaml", f"a: !!python/object/apply:os.system ['touch {marker}']\n"),
        ("new.yaml", f"a: !!python/object/new:os.system ['touch {marker}']\n"),
        ("module.yaml", "a: !!python/module:os\n"),
        ("config.yaml", None),
    ):
        if payload is not None:
            (tmp_path / name).write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  " + payload)
    (tmp_path / ".k8slint.yaml").write_text(f"namespace: !!python/object/apply:os.system ['touch {marker}']\n")
    code, out, _ = run("lint", str(tmp_path))
    assert not marker.exists()
    os.chdir(tmp_path)
    try:
        code, out, err = run("lint", ".")
    finally:
        os.chdir(ROOT)
    assert code == 2 and "config error" in err and not marker.exists()


def test_no_network_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = []

    class NoSocket(socket.socket):
        def connect(self, *args):  # type: ignore[no-untyped-def,override]
            attempts.append(args)
            raise OSError("network blocked by the test")

    def no_dns(*args):  # type: ignore[no-untyped-def]
        attempts.append(args)
        raise OSError("dns blocked by the test")

    monkeypatch.setattr(socket, "socket", NoSocket)
    monkeypatch.setattr(socket, "create_connection", no_dns)
    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    for fmt in ("text", "json", "sarif", "github"):
        code, out, err = run("lint", "--jobs", "1", "--format", fmt, str(FIXTURES / "examples"),
                             str(FIXTURES / "schema-violation"))
        assert code == 1, err
    assert attempts == []


def test_terminal_escapes_and_markup_are_inert(tmp_path: Path) -> None:
    from rich.console import Console  # noqa: F401  (the colour path must be inert too)

    from k8slint.discovery import discover
    from k8slint.engine import Engine
    from k8slint.reporters.text import render, write_color

    path = HOSTILE / "terminal-escapes.yaml"
    result = Engine().run(discover([str(path)]).sources)
    plain = render(result)
    buffer = io.StringIO()
    write_color(result, buffer)
    for text in (plain, buffer.getvalue()):
        assert "\\x1b]0;title\\x07[link=http://x]y[/link]" in text
        assert "\\u202e" in text and "\u202e" not in text
    assert "\x1b]" not in plain and "\x07" not in plain
    color_escapes = [seq for seq in buffer.getvalue().split("\x1b")[1:]]
    assert all(seq.startswith("[") for seq in color_escapes)  # only rich's own SGR codes
    code, out, _ = run("lint", "--format", "json", str(path))
    names = [f["message"] for f in json.loads(out)["findings"]]
    assert any("\x1b]0;title\x07[link=http://x]y[/link]" in n for n in names)  # JSON keeps the data, escaped
    assert "\x1b" not in out and "\\u001b" in out


def test_input_files_are_never_modified(tmp_path: Path) -> None:
    def state() -> dict[str, tuple[str, int]]:
        out = {}
        for path in sorted(FIXTURES.rglob("*")):
            if path.is_file():
                info = path.stat()
                out[str(path)] = (hashlib.sha256(path.read_bytes()).hexdigest(), info.st_mtime_ns)
        return out

    before = state()
    run("lint", "--write-baseline", str(tmp_path / "b.json"), "--output", f"sarif={tmp_path / 'r.sarif'}",
        str(FIXTURES))
    run("lint", "--baseline", str(tmp_path / "b.json"), "--jobs", "2", str(FIXTURES))
    assert state() == before


def test_rule_crash_is_contained(monkeypatch: pytest.MonkeyPatch) -> None:
    from k8slint.registry import REGISTRY

    rule = REGISTRY.rules["duplicate-env-var"]

    def boom(obj, ctx):  # type: ignore[no-untyped-def]
        raise RecursionError("deep trouble")

    monkeypatch.setitem(REGISTRY.rules, rule.id, rule.__class__(**{**rule.__dict__, "check": boom}))
    code, out, _ = run("lint", "--jobs", "1", "--format", "json", str(FIXTURES / "examples"))
    report = json.loads(out)
    crashes = [f for f in report["findings"] if f["rule"] == "internal-error"]
    assert code == 2 and len(crashes) == 5  # one per pod-creating object of the example app
    assert all("duplicate-env-var" in f["message"] and f["object"] for f in crashes)
    assert report["summary"]["objects"] == 13


# --- regressions from real tutorials -------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(TUTORIALS.glob("*.yaml")), ids=lambda p: p.name)
def test_tutorial_mistakes_get_the_findings_a_user_needs(path: Path) -> None:
    result = lint(path)
    got = {(f.location.file, f.location.line, f.rule) for f in result.findings if f.rule not in HYGIENE}
    assert got == expected_markers(path), [f"{f.location.line} {f.rule} {f.message}" for f in result.findings]


def test_hostile_files_are_small_and_regenerable() -> None:
    from fixtures.hostile.make import FILES  # noqa: F401  (the generator still matches the folder)

    for name, content in FILES.items():
        assert (HOSTILE / name).read_bytes() == content, name
    assert sum(p.stat().st_size for p in HOSTILE.iterdir()) < 200_000
    assert not any(stat.S_ISLNK(p.lstat().st_mode) for p in HOSTILE.iterdir())
