"""Engine: one cluster view, namespaces, severities, crash containment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from k8slint.discovery import Source
from k8slint.engine import Engine, LintOptions, exit_code
from k8slint.findings import Severity, Violation
from k8slint.registry import REGISTRY, Rule

from .helpers import FIXTURES, lint


def test_named_target_port_is_an_error_and_numeric_a_warning() -> None:
    named = lint(FIXTURES / "service-target-port-undefined" / "fail-named.yaml")
    numeric = lint(FIXTURES / "service-target-port-undefined" / "fail-numeric.yaml")
    assert {f.severity for f in named.findings if f.rule == "service-target-port-undefined"} == {Severity.ERROR}
    assert {f.severity for f in numeric.findings if f.rule == "service-target-port-undefined"} == {
        Severity.WARNING}
    udp = next(f for f in named.findings if "dns" in f.message)
    assert "UDP" in udp.message and "declared with protocol TCP" in udp.message


def test_related_locations_point_at_the_selected_workload() -> None:
    result = lint(FIXTURES / "service-target-port-undefined" / "fail-named.yaml")
    finding = next(f for f in result.findings if f.rule == "service-target-port-undefined")
    assert finding.related and finding.related[0].object is not None
    assert finding.related[0].object.kind == "Deployment"
    assert finding.related[0].location.line == 30  # spec.template.spec.containers


def test_finding_carries_object_and_path(tmp_path: Path) -> None:
    result = lint(FIXTURES / "missing-liveness-probe" / "fail-deployment.yaml")
    f = next(f for f in result.findings if f.rule == "missing-liveness-probe")
    assert f.path == "spec.template.spec.containers[0]"
    assert f.object is not None and (f.object.kind, f.object.name, f.object.namespace) == (
        "Deployment", "web", "default")
    assert (f.location.line, f.location.column) == (14, 11)


def test_namespace_option_is_the_default_namespace(tmp_path: Path) -> None:
    (tmp_path / "svc.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  selector: {app: a}\n  ports: [{port: 80}]\n")
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: team, labels: {app: a}}\nspec:\n"
        "  containers: [{name: c, image: x, ports: [{containerPort: 80}],"
        " livenessProbe: {tcpSocket: {port: 80}}, readinessProbe: {tcpSocket: {port: 80}}}]\n")
    assert [f.rule for f in lint(tmp_path).findings] == ["service-selector-no-match"]
    assert lint(tmp_path, namespace="team").findings == []
    ns = lint(tmp_path, namespace="team").files
    assert [f.objects for f in ns] == [1, 1]


def test_cluster_scoped_kinds_have_no_namespace(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: team, namespace: x}\n")
    result = lint(tmp_path, enable=set())
    assert result.findings == [] and result.objects == 1


def _crashing(obj, ctx):  # type: ignore[no-untyped-def]
    yield Violation(("metadata",), "before the crash")
    raise ZeroDivisionError("boom")


@pytest.fixture
def crashing_rule():  # type: ignore[no-untyped-def]
    rule = Rule("test-crashing-rule", Severity.WARNING, "crashes", "for tests", "none", frozenset({"Pod"}),
                _crashing)
    REGISTRY.add(rule)
    yield rule
    del REGISTRY.rules[rule.id]


def test_rule_crash_becomes_internal_error_and_the_run_goes_on(crashing_rule: Rule) -> None:
    pod = FIXTURES / "missing-liveness-probe" / "fail-sidecar.yaml"
    opts = LintOptions(enabled={"test-crashing-rule", "missing-liveness-probe"})
    result = Engine(opts).run([Source(str(pod), str(pod))])
    rules = [f.rule for f in result.findings]
    assert rules.count("internal-error") == 1
    assert "missing-liveness-probe" in rules and "test-crashing-rule" in rules
    crash = next(f for f in result.findings if f.rule == "internal-error")
    assert "test-crashing-rule" in crash.message and "Pod 'single'" in crash.message
    assert "ZeroDivisionError: boom" in crash.message
    assert crash.location.line == 30  # the object (its first key)
    assert exit_code(result, "never") == 2


def test_exit_codes() -> None:
    clean = lint(FIXTURES / "missing-liveness-probe" / "pass-probed.yaml")
    warn = lint(FIXTURES / "missing-liveness-probe" / "fail-deployment.yaml")
    info = lint(FIXTURES / "missing-startup-probe" / "fail-slow-start.yaml", enable={"missing-startup-probe"})
    err = lint(FIXTURES / "duplicate-key" / "fail-duplicate.yaml")
    assert exit_code(clean, "warning") == 0
    assert exit_code(warn, "warning") == 1 and exit_code(warn, "error") == 0
    assert exit_code(info, "warning") == 0 and exit_code(info, "info") == 1
    assert exit_code(err, "error") == 1 and exit_code(err, "never") == 0


def test_disabled_builtin_rules_are_not_reported() -> None:
    path = FIXTURES / "duplicate-key" / "fail-duplicate.yaml"
    assert lint(path).findings
    opts = LintOptions(enabled={"missing-liveness-probe"})
    assert Engine(opts).run([Source(str(path), str(path))]).findings == []


def test_list_items_keep_their_own_positions() -> None:
    result = lint(FIXTURES / "not-k8s-object" / "pass-lists-and-empty.yaml")
    f = next(f for f in result.findings if f.rule == "missing-liveness-probe")
    assert (f.location.line, f.location.column) == (17, 11)
    assert f.path == "spec.containers[0]"
    assert result.objects == 2  # the ConfigMap and the Pod; the empty ServiceList has none


def test_non_kubernetes_api_versions_are_skipped_and_typos_reported(tmp_path: Path) -> None:
    (tmp_path / "skaffold.yaml").write_text("apiVersion: skaffold/v4beta6\nkind: Config\nbuild: {artifacts: []}\n")
    (tmp_path / "typo.yaml").write_text("apiVersion: app/v1\nkind: Deployment\nmetadata: {name: web}\n")
    (tmp_path / "widget.yaml").write_text("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n")
    result = lint(tmp_path)
    files = {Path(f.name).name: f for f in result.files}
    assert files["skaffold.yaml"].status == "skipped" and "skaffold/v4beta6" in (files["skaffold.yaml"].reason or "")
    by_file = {(Path(f.location.file).name, f.rule): f.message for f in result.findings}
    assert by_file == {
        ("typo.yaml", "schema-violation"): "Deployment is not served as app/v1 in Kubernetes 1.37; use apps/v1",
        ("widget.yaml", "unknown-kind"): (
            "no schema for Widget (example.com/v1): objects of this kind are not validated; "
            "add its CustomResourceDefinition to the run or pass it with --crd"),
    }


def test_a_run_leaves_its_objects_where_it_is_told() -> None:
    """The console script keeps what a run made until its process ends (Engine.left): the objects of
    every unit are handed over, and the report is the same as a run that frees them."""
    from k8slint import api
    from k8slint.model import K8sObject
    from k8slint.settings import Settings

    paths = [str(FIXTURES / "examples")]
    left: list[object] = []
    kept = api.lint(paths, Settings(jobs=1), left=left)
    freed = api.lint(paths, Settings(jobs=1))
    objects = [obj for made in left for obj in made[2]]  # type: ignore[index]
    assert objects and all(isinstance(obj, K8sObject) for obj in objects)
    assert {obj.name for obj in objects} >= {"frontend", "api"}
    assert len(objects) == kept.objects
    assert [f.to_json() for f in kept.findings] == [f.to_json() for f in freed.findings]


def test_value_types_keep_the_equality_and_hash_of_frozen_dataclasses() -> None:
    """k8slint.records: a class declared frozen hashes and compares by its fields at run time (findings
    and object references are dict keys and set members), and one declared without equality by identity."""
    from k8slint.findings import Location, ObjectRef
    from k8slint.records import dataclass

    assert Location("a.yaml", 1, 2) == Location("a.yaml", 1, 2)
    assert len({Location("a.yaml", 1, 2), Location("a.yaml", 1, 2), Location("a.yaml", 1, 3)}) == 2
    ref = ObjectRef("v1", "Service", "web", "shop")
    assert {ref: 1}[ObjectRef("v1", "Service", "web", "shop")] == 1

    @dataclass(frozen=True, eq=False)
    class Token:
        text: str

    a, b = Token("x"), Token("x")
    assert a != b and hash(a) != hash(b) and len({a, b}) == 2


def test_value_types_compare_hash_and_show_as_the_standard_dataclasses_do() -> None:
    """k8slint.records makes __repr__, __eq__ and __hash__ without compiling them: each shape of class
    k8slint declares behaves as under the standard decorator (the same hash values, so sets and dicts
    of records iterate in the same order and reports cannot change)."""
    import dataclasses

    from k8slint.records import dataclass

    nan = float("nan")  # hashed by identity: one object for both

    def declare(decorator: Any, **options: Any) -> list[Any]:
        @decorator(**options)
        class Empty:
            pass

        @decorator(**options)
        class One:
            name: str

        @decorator(**options)
        class Many:
            path: str
            line: int
            hidden: float = dataclasses.field(default=0.5, repr=False)
            ignored: list[int] = dataclasses.field(default_factory=list, compare=False)
            keyed: int = dataclasses.field(default=7, compare=False, hash=True)

        @decorator(**options)
        class Child(Many):
            extra: tuple[int, ...] = ()

        return [Empty(), Empty(), One("a"), One("a"), One("b"), Many("a.yaml", 1), Many("a.yaml", 1, 0.25, [3]),
                Many("a.yaml", 2), Child("a.yaml", 1), Child("a.yaml", 1, extra=(1,)), One(nan)]

    for options in ({}, {"frozen": True}, {"slots": True}, {"frozen": True, "slots": True}, {"eq": False},
                    {"unsafe_hash": True}):
        ours, theirs = declare(dataclass, **options), declare(dataclasses.dataclass, **options)
        for a, x in zip(ours, theirs, strict=True):
            assert repr(a) == repr(x), options
            for b, y in zip(ours, theirs, strict=True):
                assert (a == b) == (x == y) and (a != b) == (x != y), (options, a, b)
            if not options.get("eq", True):  # by identity, under both
                assert hash(a) == object.__hash__(a) and hash(x) == object.__hash__(x)
                continue
            try:
                expected = hash(x)
            except TypeError:
                with pytest.raises(TypeError, match="unhashable"):
                    hash(a)
            else:
                assert hash(a) == expected, (options, a)
        assert ours[0] != 1 and (ours[2] == "a") is False
        assert dataclasses.fields(ours[8]) and dataclasses.replace(ours[5], line=3).line == 3
    odd = declare(dataclass, frozen=True)[-1]
    assert odd == odd and hash(odd) == hash((nan,))
