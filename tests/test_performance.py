"""Behaviour the performance work must not change (timings live in scripts/bench.py, not here)."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from k8slint import engine
from k8slint.cli import cli
from k8slint.discovery import discover
from k8slint.engine import Engine, LintOptions
from k8slint.model import K8sObject
from k8slint.validation import (
    SchemaStore,
    _builtin_validator,
    default_version,
    rs_errors,
    translate,
    translate_rs,
    without_nulls,
)

from .helpers import CORPUS, FIXTURES, ROOT, lint

FIXTURE_DIRS = sorted(str(p.relative_to(ROOT)) for p in FIXTURES.iterdir()
                      if p.is_dir() and p.name[0] not in "._" and p.name != "hostile")


def _force_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Worker processes in both phases, however small the run."""
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(engine, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(engine, "PARALLEL_MIN_OBJECTS", 1)


def _with_each_jobs(monkeypatch: pytest.MonkeyPatch, command: str, *args: str) -> list[Any]:
    """The results of `k8slint command --jobs N args` from the repository root, for N = 1 and 2 with
    workers forced on (each run exits 1: the fixtures have findings)."""
    _force_workers(monkeypatch)
    monkeypatch.chdir(ROOT)
    outputs = []
    for jobs in ("1", "2"):
        result = CliRunner().invoke(cli, [command, "--jobs", jobs, *args])
        assert result.exit_code == 1, result.output[-2000:]
        outputs.append(result)
    return outputs


@pytest.mark.parametrize("fmt", ["json", "sarif", "text", "text --show-source", "github", "junit", "gitlab",
                                 "markdown"])
def test_jobs_output_is_byte_identical(monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    """Worker processes (forced on for the small fixture set, in both phases) change nothing in the output."""
    outputs = [r.stdout for r in _with_each_jobs(monkeypatch, "lint", "--format", *fmt.split(), *FIXTURE_DIRS)]
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) > 10_000


@pytest.mark.parametrize("weights", [[1] * 20198, [1] * 3, [], [7], [1, 1, 1, 500, 1, 1] * 300,
                                     [(i * 7919) % 5000 + 1 for i in range(11235)]])
def test_chunks_cover_everything_once_and_end_small(weights: list[int]) -> None:
    """Work is cut into contiguous chunks, largest first, so that no process waits long at the end."""
    from k8slint.parallel import _bounds

    bounds = _bounds(weights, 2)
    assert [i for start, end in bounds for i in range(start, end)] == list(range(len(weights)))
    assert all(end > start for start, end in bounds)
    if len(weights) > 1000:
        sizes = [sum(weights[start:end]) for start, end in bounds]
        assert 16 <= len(bounds) <= 80
        assert sizes[-1] <= sum(weights) // 32 + max(weights) and sizes[0] >= sum(weights) // 10


def test_fixes_are_the_same_whichever_process_resolves_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """The object phase's fixes are resolved by the process that linted the file (a worker, with
    --jobs), on the text it linted (in `k8slint fix`'s later rounds, the fixed text in memory); the
    run phase's at the end. Every --jobs gives the same fixes, rounds and remaining findings."""
    outputs = [r.output for r in _with_each_jobs(monkeypatch, "fix", "--diff", "--unsafe", "fixtures/fixes",
                                                 "fixtures/tutorials")]
    assert outputs[0] == outputs[1]
    assert outputs[0].count("--- a/") >= 15 and "+  replicas: 3 # expect: schema-violation" in outputs[0]


def test_json_findings_put_together_equal_the_encoder() -> None:
    """The JSON report writes the common shape of a finding itself (reporters/json.py): it must be the
    encoder's text exactly, for every finding of the fixtures and of the hostile corpus (control
    characters, quotes, backslashes, non-ASCII, huge messages), suppressed and fixable ones included."""
    from k8slint.reporters.json import _Findings

    run = lint(*(ROOT / d for d in FIXTURE_DIRS), FIXTURES / "hostile")
    texts = _Findings()
    shapes = set()
    for finding in run.findings:
        assert texts.text(finding) == json.dumps(finding.to_json(), ensure_ascii=False), finding
        shapes.add((bool(finding.related), finding.suppression is not None, finding.fix is not None,
                    finding.object is None))
    assert len(run.findings) > 500 and len(shapes) >= 6, shapes
    from k8slint.findings import ObjectRef

    for ref in (ObjectRef("v1", "ConfigMap", 'a "b"\\ \x01 \u00e9\u2028', None), ObjectRef("v1", "Pod", "", "ns"),
                ObjectRef("apps/v1", "Deployment", 42, None)):  # type: ignore[arg-type]  # (a name that is no string)
        assert texts._object(ref) == json.dumps(ref.to_json(), ensure_ascii=False)


def test_json_files_put_together_equal_the_encoder() -> None:
    """Likewise each file's entry (reporters/json.py): linted, skipped with a reason, failed, in a unit
    of a rendered chart or overlay, names with quotes, control characters and non-ASCII."""
    from k8slint.engine import FileReport
    from k8slint.reporters.json import _file, _file_text

    run = lint(*(ROOT / d for d in FIXTURE_DIRS), FIXTURES / "hostile", ROOT / "fixtures" / "rendering" / "repo")
    reports = [*run.files, FileReport('a "quoted"\\ name\x01 \u00e9\u2028.yaml', objects=3),
               FileReport("x.yaml", status="skipped", reason="not a manifest"), FileReport("y.yaml", unit="charts/web")]
    for report in reports:
        assert _file_text(report) == json.dumps(_file(report), ensure_ascii=False), report
    assert {r.status for r in reports} >= {"linted", "skipped"} and any(r.error for r in reports)
    assert any(r.unit for r in run.files)


def test_one_small_file_loads_no_more_than_it_needs() -> None:
    """The pre-commit case: the accelerator's documents need no ruamel.yaml, a small run no worker
    processes, a file without fixable findings no fixes module, a run that writes no file neither
    tempfile nor importlib.resources (each costs milliseconds to import)."""
    import subprocess
    import sys

    from k8slint import parser

    if not parser.accelerated():
        pytest.skip("the C accelerator is not built here: the Python parser (ruamel.yaml) does the parsing")
    code = ("import sys\nfrom k8slint.cli import cli\ntry:\n    cli.main(sys.argv[1:], standalone_mode=False)\n"
            "except SystemExit:\n    pass\nprint(sorted(m for m in sys.modules if m.startswith(('ruamel', "
            "'multiprocessing', 'k8slint.fixes', 'jsonschema.', 'tempfile', 'importlib.resources'))))")
    out = subprocess.run([sys.executable, "-c", code, "lint", "--jobs", "4", "--format", "json", "--output", os.devnull,
                          str(FIXTURES / "examples" / "shop" / "frontend.yaml")],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout


def test_workers_are_really_used(monkeypatch: pytest.MonkeyPatch) -> None:
    from k8slint import parallel

    calls = []
    real, real_check = parallel.process_in_workers, parallel.check_in_workers
    _force_workers(monkeypatch)
    monkeypatch.setattr(parallel, "process_in_workers", lambda *a: calls.append("object") or real(*a))
    monkeypatch.setattr(parallel, "check_in_workers", lambda *a: calls.append("run") or real_check(*a))
    found = discover([str(FIXTURES / "examples")])
    result = Engine(LintOptions(jobs=2)).run(found.sources)
    assert calls == ["object", "run"] and result.objects == 13 and not result.findings


def test_run_phase_in_workers_reports_each_unknown_kind_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """unknown-kind speaks on the first object of a kind in the run's order, whichever process checks it."""
    monkeypatch.setattr(engine, "PARALLEL_MIN_OBJECTS", 1)
    for i in range(12):
        (tmp_path / f"w{i:02}.yaml").write_text(
            f"apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w{i}\n")
    found = discover([str(tmp_path)])
    for jobs in (1, 2):
        result = Engine(LintOptions(jobs=jobs)).run(found.sources)
        unknown = [f for f in result.findings if f.rule == "unknown-kind"]
        assert [f.location.file for f in unknown] == [str(tmp_path / "w00.yaml")], jobs
    # which process checks which object is up to the scheduler: the answer must not depend on who asks first
    objects = [K8sObject.from_data({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": f"w{i}"}},
                                   None, (), "default") for i in range(3)]
    store = SchemaStore(default_version(), [])
    store.know_order(objects)
    assert [store.first_of_kind(o) for o in reversed(objects)] == [False, False, True]


def test_small_runs_do_not_start_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    from k8slint import parallel

    monkeypatch.setattr(parallel, "process_in_workers", lambda *a: pytest.fail("workers started"))
    monkeypatch.setattr(parallel, "check_in_workers", lambda *a: pytest.fail("workers started"))
    found = discover([str(FIXTURES / "examples")])
    Engine(LintOptions(jobs=8)).run(found.sources)


def _objects(paths: list[str]) -> list:  # type: ignore[type-arg]
    found = discover(paths)
    objects = []
    eng = Engine(LintOptions(enabled=set()))
    for source in found.sources:
        objects.extend(eng.process_file(source, lint=False).objects)
    return objects


def _assert_accelerator_agrees(objects: list) -> int:  # type: ignore[type-arg]
    store = SchemaStore("1.37", [])
    api = store.api
    checked = 0
    for obj in objects:
        name = api.gvks.get((obj.api_version, obj.kind))
        if name is None:
            continue
        validator = _builtin_validator("1.37", name)
        fast = validator.is_valid_fast(obj.data)
        if fast is None:
            pytest.skip("jsonschema_rs is not installed")
        reference = validator.reference_errors(obj.data)
        assert fast == (not reference), (obj.file, obj.kind, obj.name, [e.message for e in reference][:3])
        checked += 1
        if not fast:  # the words: jsonschema-rs's structured errors say what jsonschema's say
            data = without_nulls(obj.data)
            python = {(e.path, e.message) for err in validator.py_errors(data) for e in translate(err)}
            rust = translate_rs(validator._rs, data, validator._schema)  # noqa: SLF001
            if rust is not None:
                assert {(e.path, e.message) for e in rust} == python, (obj.file, obj.kind, obj.name)
                EXPLAINED[0] += 1
            else:
                EXPLAINED[1] += 1
    return checked


#: (invalid objects explained by jsonschema-rs, left to jsonschema), over the differential tests
EXPLAINED = [0, 0]


def test_jsonschema_rs_agrees_with_jsonschema_on_fixtures() -> None:
    assert _assert_accelerator_agrees(_objects(FIXTURE_DIRS)) > 150


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"real-world corpus not found at {CORPUS}")
def test_jsonschema_rs_agrees_with_jsonschema_on_the_real_corpus() -> None:
    before = EXPLAINED[0]
    assert _assert_accelerator_agrees(_objects([str(CORPUS)])) > 1500
    assert EXPLAINED[0] - before > 200  # most invalid objects never reach jsonschema


def _assert_policies_agree(objects: list) -> int:  # type: ignore[type-arg]
    """The schema policies' errors from jsonschema-rs are jsonschema's: same paths, words and values."""
    from k8slint.policies import _SchemaPolicy
    from k8slint.registry import REGISTRY

    policies = [r.check for r in REGISTRY if isinstance(r.check, _SchemaPolicy)]
    assert len(policies) >= 3
    compared = 0
    for obj in objects:
        for policy in policies:
            validator = policy.validator
            for _, data, _ in policy._targets(obj):  # noqa: SLF001
                fast = validator.is_valid_fast(data)
                if fast is None:
                    pytest.skip("jsonschema_rs is not installed")
                if fast:
                    continue
                python = sorted((item.path, item.message, repr(error.instance))
                                for error in validator.py_errors(data) for item in translate(error))
                rust = rs_errors(validator._rs, data, validator._schema, bounds=True)  # noqa: SLF001
                assert rust is not None, (obj.file, policy.rule_id)
                assert sorted((item.path, item.message, repr(value)) for item, value in rust) == python
                compared += 1
    return compared


def test_policies_agree_with_jsonschema_on_fixtures() -> None:
    assert _assert_policies_agree(_objects(FIXTURE_DIRS)) > 20


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"real-world corpus not found at {CORPUS}")
def test_policies_agree_with_jsonschema_on_the_real_corpus() -> None:
    assert _assert_policies_agree(_objects([str(CORPUS)])) > 50


def test_benchmark_script_runs(tmp_path: Path) -> None:
    """The benchmark is part of the repository: its small-file table must come out."""
    import subprocess
    import sys

    env = {**os.environ, "K8SLINT_BENCH_NO_PEERS": "1"}
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench.py"), "--runs", "1", "--no-corpus"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "| k8slint lint (default rules) |" in proc.stdout and "small file" in proc.stdout


def test_progress_bar_only_on_a_terminal_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from k8slint import cli as cli_module

    class Tty:
        def isatty(self) -> bool:
            return True

        def write(self, text: str) -> int:
            return len(text)

        def flush(self) -> None:
            pass

    monkeypatch.setattr(sys, "stderr", Tty())
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert cli_module._progress("text", ()).shows(5000)
    assert not cli_module._progress("text", ()).shows(10)  # a short run: no bar
    assert not cli_module._progress("json", ()).shows(5000)  # JSON on stdout
    assert cli_module._progress("json", ("r.json",)).shows(5000)  # JSON to a file
    monkeypatch.setenv("CI", "true")
    assert not cli_module._progress("text", ()).shows(5000)
    monkeypatch.delenv("CI")
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert not cli_module._progress("text", ()).shows(5000)  # not a terminal


def test_one_file_reached_by_several_names_is_linted_once(tmp_path: Path) -> None:
    """Files are told apart by device and inode (no realpath per file): a symbolic link, a hard link
    and the same path given twice all reach one file."""
    (tmp_path / "app.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    os.symlink(tmp_path / "app.yaml", tmp_path / "link.yaml")
    os.link(tmp_path / "app.yaml", tmp_path / "hard.yaml")
    found = discover([str(tmp_path), str(tmp_path / "app.yaml"), str(tmp_path / "link.yaml")])
    assert [s.name for s in found.sources] == [str(tmp_path / "app.yaml")]
    (tmp_path / "other.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n")
    assert len(discover([str(tmp_path)]).sources) == 2


def test_context_with_params_is_dataclasses_replace() -> None:
    """Context.with_params builds the rule's context field by field: it must stay what
    dataclasses.replace makes (a field added to Context and forgotten there fails this)."""
    import dataclasses

    from k8slint.index import ObjectIndex
    from k8slint.registry import Context, RunSettings
    from k8slint.validation import SchemaStore

    ctx = Context(ObjectIndex([]), SchemaStore("1.31", []), RunSettings(closed_world=True), {"memo": 1},
                  {"old": 1}, phase="object")
    params = {"minimum": 2}
    made, expected = ctx.with_params(params), dataclasses.replace(ctx, params=params)
    for f in dataclasses.fields(Context):
        assert getattr(made, f.name) is getattr(expected, f.name), f.name
    assert made.params is params and made.cache is ctx.cache


def test_benchmark_pairs_each_round_with_its_own_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-round ratio divides each run by the floor of its own round (not by another round's)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench", ROOT / "scripts" / "bench.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench", bench)  # (its dataclasses look their module up)
    spec.loader.exec_module(bench)
    runs = [bench.Sample(w, w, 1.0) for w in (6.0, 9.0, 4.5)]
    floors = [bench.Sample(w, w, 1.0) for w in (4.0, 6.0, 3.0)]
    assert bench.paired(runs, floors) == "1.50x (1.50-1.50)"
    shuffled = [bench.Sample(w, w, 1.0) for w in (4.0, 4.5, 6.0)]  # the medians' ratio: 6.0 / 4.5 = 1.33x
    assert bench.paired(runs, shuffled) == "1.50x (0.75-2.00)"
