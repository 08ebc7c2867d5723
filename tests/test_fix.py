"""`k8slint fix`: each fix turns its before fixture into its after fixture byte for byte, keeps every
comment and untouched line, is idempotent, never writes with --diff or --check, keeps line endings,
BOM and mode, never fixes what is suppressed, and never leaves a file that does not read back as
intended."""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from k8slint import api, fixes
from k8slint.catalog import load
from k8slint.cli import cli
from k8slint.config import Config
from k8slint.parser import parse
from k8slint.settings import resolve

from .helpers import FIXTURES, ROOT, expected_markers, fixture_options

PAIRS = FIXTURES / "fixes"
NAMES = sorted(p.name.removesuffix(".before.yaml") for p in PAIRS.glob("*.before.yaml"))
FIXABLE_RULES = {r.id for r in load() if r.fixes}


def _run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, list(args))
    finally:
        os.chdir(old)
    assert result.exit_code in (0, 1, 2), result.output[-3000:]
    return result.exit_code, result.stdout_bytes.decode(), result.stderr  # (.stdout turns CRLF into LF)


def _findings(path: Path, *options: str) -> list[dict[str, Any]]:
    _, out, _ = _run("lint", "--jobs", "1", "--format", "json", *options, str(path))
    return json.loads(out)["findings"]


def _unsafe(name: str) -> list[str]:
    """The options a fixture pair is fixed with: --unsafe for unsafe-*, its `# lint-options:`."""
    options = fixture_options([PAIRS / f"{name}.before.yaml"])
    version = [f"--kube-version={options['kube_version']}"] if "kube_version" in options else []
    return (["--unsafe"] if name.startswith("unsafe") else []) + version


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_every_fixable_rule_has_a_fixture_pair() -> None:
    fixed = set()
    for name in NAMES:
        fixed |= {rule for _, _, rule in expected_markers(PAIRS / f"{name}.before.yaml")} & FIXABLE_RULES
    assert FIXABLE_RULES - fixed == set()


@pytest.mark.parametrize("name", NAMES)
def test_fix_turns_before_into_after(name: str, tmp_path: Path) -> None:
    before, after = PAIRS / f"{name}.before.yaml", PAIRS / f"{name}.after.yaml"
    target = tmp_path / f"{name}.yaml"
    shutil.copyfile(before, target)
    # the before file reports what its markers say (for the rules that have fixes)
    options = [o for o in _unsafe(name) if o != "--unsafe"]
    got = {(f["line"], f["rule"]) for f in _findings(target, *options) if f["rule"] in FIXABLE_RULES}
    want = {(line, rule) for _, line, rule in expected_markers(before) if rule in FIXABLE_RULES}
    assert got == want
    code, _, err = _run("fix", "--jobs", "1", *_unsafe(name), str(target))
    assert code in (0, 1), err
    assert target.read_bytes() == after.read_bytes(), "\n" + "".join(difflib.unified_diff(
        after.read_text().splitlines(True), target.read_text().splitlines(True), "expected", "got"))
    assert f"fixed {target}:" in err
    # re-linting reports none of the fixed findings
    assert not {f["rule"] for f in _findings(target, *options)} & {rule for _, rule in want}
    # idempotent: a second run changes nothing
    code, _, err = _run("fix", "--jobs", "1", *_unsafe(name), str(target))
    assert target.read_bytes() == after.read_bytes()
    assert "0 fixes in 0 files" in err


@pytest.mark.parametrize("name", NAMES)
def test_comments_blank_and_untouched_lines_are_kept(name: str) -> None:
    """Every comment and blank line survives in order; the lines that change are exactly those the
    reported edits cover (fixtures fixed in one round)."""
    before = (PAIRS / f"{name}.before.yaml").read_text().splitlines()
    after = (PAIRS / f"{name}.after.yaml").read_text().splitlines()
    kept = iter(after)
    for line in before:
        if not line.strip() or line.lstrip().startswith("#"):
            assert any(line == other for other in kept), f"lost: {line!r}"
    changed: set[int] = set()
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            changed.update(range(i1 + 1, i2 + 1))
    covered: set[int] = set()
    options = [o for o in _unsafe(name) if o != "--unsafe"]
    for finding in _findings(PAIRS / f"{name}.before.yaml", *options):
        fix = finding["fix"]
        if fix is None or (fix["applicability"] == "unsafe" and not name.startswith("unsafe")):
            continue
        for edit in fix["edits"]:
            if (edit["line"], edit["column"]) != (edit["endLine"], edit["endColumn"]):
                covered.update(range(edit["line"], edit["endLine"] + 1))
    if name == "unsafe-service":  # two rounds: the targetPort fix appears once the selector matches
        assert changed - covered == {before.index("      targetPort: htpp") + 1}
    else:
        assert changed == covered


def test_tutorial_mistakes_with_safe_fixes_are_repaired(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "tutorials", tmp_path / "t")
    _run("fix", "--jobs", "1", str(tmp_path / "t"))
    remaining = {(Path(f["file"]).name, f["rule"]) for f in _findings(tmp_path / "t")}
    for name, rule in [("concatenated-without-separator.yaml", "duplicate-key"),
                       ("lowercase-apiversion.yaml", "not-k8s-object"), ("sepc-typo.yaml", "unknown-field"),
                       ("sepc-typo.yaml", "schema-violation"), ("tabs-in-indentation.yaml", "yaml-syntax-error")]:
        assert (name, rule) not in remaining
    # the mistakes without a certain fix stay reported, untouched
    assert ("list-item-wrong-indentation.yaml", "unknown-field") in remaining
    assert (tmp_path / "t" / "env-under-ports.yaml").read_bytes() == (
        FIXTURES / "tutorials" / "env-under-ports.yaml").read_bytes()


def test_diff_and_check_change_no_byte(tmp_path: Path) -> None:
    shutil.copytree(PAIRS, tmp_path / "p")
    hashes = _hashes(tmp_path)
    code, out, err = _run("fix", "--jobs", "1", "--diff", "--unsafe", str(tmp_path / "p"))
    assert code == 1 and _hashes(tmp_path) == hashes
    assert out.count("--- a/") == len(NAMES) and "+  replicas: 3 # expect: schema-violation" in out
    code, _, err = _run("fix", "--jobs", "1", "--check", str(tmp_path / "p"))
    assert code == 1 and _hashes(tmp_path) == hashes and "would fix" in err
    clean = tmp_path / "clean"
    clean.mkdir()
    for name in NAMES:
        if not name.startswith("unsafe"):
            shutil.copyfile(PAIRS / f"{name}.after.yaml", clean / f"{name}.yaml")
    code, out, _ = _run("fix", "--jobs", "1", "--check", str(clean))
    assert code == 0
    code, out, _ = _run("fix", "--jobs", "1", "--diff", str(clean))
    assert code == 0 and out == ""


def test_diff_is_a_patch_that_applies(tmp_path: Path) -> None:
    if shutil.which("patch") is None:
        pytest.skip("the patch program is not installed")
    import subprocess

    shutil.copyfile(PAIRS / "removed-ingress.before.yaml", tmp_path / "removed-ingress.yaml")
    _, out, _ = _run("fix", "--jobs", "1", "--diff", "removed-ingress.yaml", cwd=tmp_path)
    subprocess.run(["patch", "-p1", "-s"], input=out.encode(), cwd=tmp_path, check=True)
    assert (tmp_path / "removed-ingress.yaml").read_bytes() == (PAIRS / "removed-ingress.after.yaml").read_bytes()


def test_line_endings_bom_and_mode_are_kept(tmp_path: Path) -> None:
    before = (PAIRS / "quoted-numbers.before.yaml").read_text()
    after = (PAIRS / "quoted-numbers.after.yaml").read_text()
    target = tmp_path / "crlf.yaml"
    target.write_bytes(b"\xef\xbb\xbf" + before.replace("\n", "\r\n").encode())
    target.chmod(0o640)
    _run("fix", "--jobs", "1", str(target))
    assert target.read_bytes() == b"\xef\xbb\xbf" + after.replace("\n", "\r\n").encode()
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["crlf.yaml"]  # no temporary file left behind


def test_mixed_line_endings_are_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "mixed.yaml"
    text = (PAIRS / "quoted-numbers.before.yaml").read_text()
    data = text.replace("\n", "\r\n", 3).encode()
    target.write_bytes(data)
    code, _, err = _run("fix", "--jobs", "1", str(target))
    assert code == 2 and "mixes LF and CRLF" in err and target.read_bytes() == data


def test_suppressed_and_baselined_findings_are_never_fixed(tmp_path: Path) -> None:
    target = tmp_path / "d.yaml"
    text = (PAIRS / "quoted-numbers.before.yaml").read_text()
    text = text.replace('replicas: "3" # expect: schema-violation', 'replicas: "3" # k8slint: disable=schema-violation')
    target.write_text(text)
    baseline = tmp_path / "baseline.json"
    _run("fix", "--jobs", "1", str(target))
    fixed = target.read_text()
    assert 'replicas: "3" # k8slint: disable=schema-violation' in fixed
    assert "containerPort: 8080" in fixed
    # a baselined finding is not fixed either
    target.write_text(text)
    _run("lint", "--jobs", "1", "--write-baseline", str(baseline), str(target))
    _run("fix", "--jobs", "1", "--baseline", str(baseline), str(target))
    assert target.read_text() == text


def test_a_fix_that_would_not_read_back_leaves_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "d.yaml"
    shutil.copyfile(PAIRS / "quoted-numbers.before.yaml", target)
    data = target.read_bytes()
    monkeypatch.setattr(fixes, "verify", lambda before, after, chosen: "the fixed text does not parse")
    code, _, err = _run("fix", "--jobs", "1", str(target))
    assert code == 2 and "not fixed: the fixed text does not parse" in err and target.read_bytes() == data


def test_apply_refuses_edits_that_change_other_data() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {a: '1', b: '2'}\n"
    resolver = fixes.Resolver(text)
    fix = resolver.resolve(0, (), fixes.FixIntent("x", True, (fixes.Op("set", ("data", "a"), "3", old="1"),)))
    assert fix is not None
    start = text.index("'1', b: '2'")  # an edit that also changes b: the data check refuses it
    bad = fixes.Fix(fix.description, True, (fixes.Edit(4, 11, 4, 22, "'3', b: '9'", start, start + 11),), 0, fix.ops)
    applied = fixes.apply(text, [bad])
    assert applied.error and applied.text == text
    assert fixes.apply(text, [fix]).text == text.replace("'1'", "'3'")


def test_no_fix_for_aliases_merges_or_rendered_templates(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  replicas: &n '3'\n"
        "  minReadySeconds: *n\n  selector: {matchLabels: {app: a}}\n"
        "  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers: [{name: a, image: 'a:1'}]\n")
    findings = [f for f in _findings(tmp_path / "a.yaml") if f["rule"] == "schema-violation"]
    assert len(findings) == 2 and all(f["fix"] is None for f in findings)
    # the value is plain, but a container reaches it through an alias of the list that holds it
    (tmp_path / "b.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec:\n  containers:\n  - name: a\n    image: a:1\n"
        "    ports: &ports\n    - containerPort: '80'\n  - name: b\n    image: b:1\n    ports: *ports\n")
    findings = [f for f in _findings(tmp_path / "b.yaml") if f["rule"] == "schema-violation"]
    assert len(findings) == 2 and all(f["fix"] is None for f in findings)
    chart = FIXTURES / "rendering"
    rendered = [f for f in _findings(chart) if f.get("units")]
    assert rendered and all(f["fix"] is None for f in rendered)


def test_symlinks_and_hard_links_are_not_rewritten(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    shutil.copyfile(PAIRS / "quoted-numbers.before.yaml", real)
    data = real.read_bytes()
    os.link(real, tmp_path / "other-name.yaml")
    code, _, err = _run("fix", "--jobs", "1", str(real))
    assert code == 2 and "hard links" in err and real.read_bytes() == data


def test_lint_marks_fixable_findings_in_every_report(tmp_path: Path) -> None:
    before = str(PAIRS / "quoted-numbers.before.yaml")
    _, out, _ = _run("lint", "--jobs", "1", "--output-format", "concise", before)
    assert 'schema-violation  [*] spec.replicas must be an integer' in out
    assert "3 fixable with `k8slint fix`" in out.splitlines()[-1]
    _, out, _ = _run("lint", "--jobs", "1", "--format", "json", str(PAIRS / "unsafe-service.before.yaml"))
    report = json.loads(out)
    assert report["summary"]["fixable"] == 0 and report["summary"]["fixableUnsafe"] == 1
    import jsonschema

    jsonschema.validate(report, json.loads((ROOT / "schemas" / "report.schema.json").read_text()))
    _, out, _ = _run("lint", "--jobs", "1", "--format", "sarif", before)
    sarif = json.loads(out)
    results = sarif["runs"][0]["results"]
    fixed = [r for r in results if "fixes" in r]
    assert len(fixed) == 3
    change = fixed[0]["fixes"][0]["artifactChanges"][0]
    assert change["replacements"][0] == {
        "deletedRegion": {"startLine": 7, "startColumn": 13, "endLine": 7, "endColumn": 16},
        "insertedContent": {"text": "3"}}
    schema = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
    if not schema.exists():
        pytest.skip(f"{schema} is absent: the SARIF schema check needs the workplace's shared folder")
    jsonschema.validate(sarif, json.loads(schema.read_text()))


def test_explain_and_docs_list_the_fixes() -> None:
    _, out, _ = _run("explain", "schema-violation")
    assert "Automatic fixes" in out and "safe: a quoted number" in out
    docs = (ROOT / "docs" / "rules.md").read_text()
    assert "**Automatic fixes**" in docs and "unsafe: the selector's values" in docs


# --- generated manifests: every safe fix keeps the data but for the fixed fields ------------------

_WORDS = st.sampled_from(["web", "api", "db", "cache", "shop"])
_COMMENT = st.sampled_from(["", "  # keep me", "  # TODO: tune"])


@st.composite
def _manifest(draw: st.DrawFn) -> tuple[str, list[tuple[tuple[Any, ...], Any]]]:
    """A Deployment with a random mix of fixable mistakes; (text, [(path, fixed value)])."""
    name = draw(_WORDS)
    expected: list[tuple[tuple[Any, ...], Any]] = []
    lines = ["apiVersion: apps/v1", "kind: Deployment", "metadata:", f"  name: {name}"]
    if draw(st.booleans()):
        lines.append(f"  labels:{draw(_COMMENT)}")
        version = draw(st.sampled_from(["1.10", "2", "yes", "on", "0.5"]))
        lines.append(f"    version: {version}{draw(_COMMENT)}")
        expected.append((("metadata", "labels", "version"), version))
    lines.append("spec:")
    replicas = draw(st.integers(0, 50))
    if draw(st.booleans()):
        lines.append(f"  replicas: \"{replicas}\"{draw(_COMMENT)}")
        expected.append((("spec", "replicas"), replicas))
    lines += ["  selector:", f"    matchLabels: {{app: {name}}}", "  template:", "    metadata:",
              f"      labels: {{app: {name}}}", "    spec:"]
    if draw(st.booleans()):
        lines.append(f"      restartPolicy: {draw(st.sampled_from(['always', 'ALWAYS']))}")
        expected.append((("spec", "template", "spec", "restartPolicy"), "Always"))
    lines += ["      containers:", f"        - name: {name}", f"          image: example/{name}:1.0"]
    if draw(st.booleans()):
        policy = draw(st.sampled_from(["ifNotPresent", "always", "never"]))
        lines.append(f"          imagePullPolicy: {policy}{draw(_COMMENT)}")
        expected.append((("spec", "template", "spec", "containers", 0, "imagePullPolicy"),
                         {"ifnotpresent": "IfNotPresent", "always": "Always", "never": "Never"}[policy.lower()]))
    if draw(st.booleans()):
        directory = draw(st.sampled_from(["/srv", "/app"]))
        lines.append(f"          workingDri: {directory}{draw(_COMMENT)}")
        expected.append((("spec", "template", "spec", "containers", 0, "workingDir"), directory))
        expected.append((("spec", "template", "spec", "containers", 0, "workingDri"), None))
    return "\n".join(lines) + "\n", expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_manifest())
def test_safe_fixes_of_generated_manifests_change_only_the_fixed_fields(
        tmp_path: Path, case: tuple[str, list[tuple[tuple[Any, ...], Any]]]) -> None:
    text, expected = case
    target = tmp_path / "gen.yaml"
    target.write_text(text)
    original = parse(text, "gen").documents[0].data
    run = api.fix([str(target)], resolve(Config(), {"jobs": 1}))
    fixed = run.files[0].after if run.files else text
    assert not run.problems
    result = parse(fixed, "gen")
    assert not result.problems
    want = copy.deepcopy(original)
    for path, value in expected:
        container = want
        for elem in path[:-1]:
            container = container[elem]
        if value is None:
            del container[path[-1]]
        else:
            container[path[-1]] = value
    assert result.documents[0].data == want
    # the comments are all still there
    assert [line.split("#")[1] for line in text.splitlines() if "#" in line] == [
        line.split("#")[1] for line in fixed.splitlines() if "#" in line]


def test_readme_example_is_what_fix_does(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("```console\n$ cat web.yaml\n") + len("```console\n$ cat web.yaml\n")
    manifest, _, rest = readme[start:].partition("$ k8slint fix --diff web.yaml\n")
    shown = rest[:rest.index("```")]
    (tmp_path / "web.yaml").write_text(manifest)
    code, out, err = _run("fix", "--jobs", "1", "--diff", "web.yaml", cwd=tmp_path)
    assert code == 1 and out + err == shown


def test_no_fix_where_the_intent_is_uncertain(tmp_path: Path) -> None:
    """Octal-looking digits, a tab-indented file with another syntax error, an ambiguous spelling."""
    (tmp_path / "mode.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: 'c:1'}]\n"
        "  volumes:\n    - name: v\n      configMap: {name: v, defaultMode: \"0644\"}\n")
    (tmp_path / "tabs.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: a\ndata: {a: [}\n")
    (tmp_path / "spelling.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "    - {name: c, image: 'c:1', terminationMessagePolcy: File}\n")
    findings = _findings(tmp_path)
    assert {(Path(f["file"]).name, f["rule"]) for f in findings} >= {
        ("mode.yaml", "schema-violation"), ("tabs.yaml", "yaml-syntax-error"), ("spelling.yaml", "unknown-field")}
    assert [f for f in findings if f["fix"] is not None] == []
    code, _, err = _run("fix", "--jobs", "1", "--check", str(tmp_path))
    assert code == 0 and "0 fixes in 0 files" in err


def test_overlapping_fixes_take_rounds_and_rounds_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Renaming imagePullPolcy reveals its value's wrong case: a second round fixes that."""
    target = tmp_path / "p.yaml"
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n" \
           "    - name: c\n      image: 'c:1'\n      imagePullPolcy: always\n"
    target.write_text(text)
    run = api.fix([str(target)], resolve(Config(), {"jobs": 1}))
    assert run.rounds == 2 and run.files[0].after.endswith("imagePullPolicy: Always\n") and not run.problems
    monkeypatch.setattr(fixes, "MAX_ROUNDS", 1)
    run = api.fix([str(target)], resolve(Config(), {"jobs": 1}))
    assert run.files[0].after.endswith("imagePullPolicy: always\n")
    assert [n.message for n in run.problems] == ["fixes still pending after 1 round: run k8slint fix again"]


# --- cases found by trying to break it ---------------------------------------------------------

def _fix_text(tmp_path: Path, text: str, name: str = "m.yaml", *options: str) -> tuple[int, str, str]:
    target = tmp_path / name
    target.write_text(text, newline="")
    code, _, err = _run("fix", "--jobs", "1", *options, str(target))
    return code, target.read_bytes().decode(), err


@pytest.mark.parametrize("data", ["port: &p 8080", "debug: !!bool yes"])
def test_anchored_or_tagged_values_are_not_fixed(tmp_path: Path, data: str) -> None:
    text = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  {data}\n"
    assert _fix_text(tmp_path, text)[1] == text


@pytest.mark.parametrize("replicas", ['!!str "3"', '&r "3"', '"3"#x'])
def test_tagged_anchored_or_glued_quotes_are_not_removed(tmp_path: Path, replicas: str) -> None:
    text = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n"
            f"  replicas: {replicas}\n  selector: {{matchLabels: {{app: d}}}}\n"
            "  template: {metadata: {labels: {app: d}}, spec: {containers: [{name: c, image: 'c:1'}]}}\n")
    assert _fix_text(tmp_path, text)[1] == text


def test_json_files_stay_json(tmp_path: Path) -> None:
    doc = {"apiVersion": "extensions/v1beta1", "kind": "Deployment", "metadata": {"name": "w"},
           "spec": {"replicas": "2", "template": {"metadata": {"labels": {"app": "w", "on": "2024-01-01"}},
                                                   "spec": {"containers": [{"name": "w", "image": "w:1"}]}}}}
    ingress = {"apiVersion": "networking.k8s.io/v1beta1", "kind": "Ingress", "metadata": {"name": "i"},
               "spec": {"rules": [{"http": {"paths": [{"path": "/", "backend": {"serviceName": "w",
                                                                              "servicePort": 80}}]}}]}}
    for name, value in [("d.json", doc), ("i.json", ingress)]:
        _, fixed, _ = _fix_text(tmp_path, json.dumps(value, indent=2) + "\n", name)
        assert json.loads(fixed)["apiVersion"] in ("apps/v1", "networking.k8s.io/v1")
    assert json.loads((tmp_path / "d.json").read_text())["spec"]["selector"] == {
        "matchLabels": {"app": "w", "on": "2024-01-01"}}


def test_an_inserted_line_never_comes_between_a_suppression_and_its_line(tmp_path: Path) -> None:
    text = ("apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: old}\nspec:\n"
            "  # k8slint: disable-next-line=schema-violation\n  replicas: \"3\"\n"
            "  template: {metadata: {labels: {app: old}}, spec: {containers: [{name: web, image: nginx:1.27}]}}\n")
    _, fixed, _ = _fix_text(tmp_path, text)
    assert "  # k8slint: disable-next-line=schema-violation\n  replicas: \"3\"\n" in fixed
    assert "apiVersion: apps/v1\n" in fixed and "  selector: {matchLabels: {app: old}}\n" in fixed


def test_tabs_inside_a_block_scalar_are_text(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\ndata:\n  Makefile: |\n\tall:\n\t\techo hi\n"
    code, fixed, err = _fix_text(tmp_path, text)
    assert fixed == text and "0 fixes" in err


def test_a_flow_backend_with_a_comment_is_not_rewritten(tmp_path: Path) -> None:
    text = ("apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  backend: {\n"
            "    serviceName: web,  # do not change\n    servicePort: 80\n  }\n")
    assert _fix_text(tmp_path, text)[1] == text


def test_a_broken_neighbour_document_does_not_block_fixes(tmp_path: Path) -> None:
    text = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: \"3\"\n"
            "  selector: {matchLabels: {app: d}}\n"
            "  template: {metadata: {labels: {app: d}}, spec: {containers: [{name: c, image: 'c:1'}]}}\n"
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: [unclosed\n")
    code, fixed, _ = _fix_text(tmp_path, text)
    assert fixed == text.replace('"3"', "3") and code == 1


def test_three_pasted_documents_and_kind_before_apiversion(tmp_path: Path) -> None:
    part = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {}\ndata: {{a: b}}\n"
    _, fixed, _ = _fix_text(tmp_path, "".join(part.format(n) for n in ("one", "two", "six")))
    assert fixed == "---\n".join(part.format(n) for n in ("one", "two", "six"))
    flipped = part.format("one") + "kind: ConfigMap\napiVersion: v1\nmetadata:\n  name: two\n"
    _, fixed, _ = _fix_text(tmp_path, flipped, "flipped.yaml")
    assert fixed == part.format("one") + "---\nkind: ConfigMap\napiVersion: v1\nmetadata:\n  name: two\n"


def test_merge_keys_block_a_rename(tmp_path: Path) -> None:
    text = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nx-common: &c {imagePullPolicy: Always}\nspec:\n"
            "  containers:\n    - <<: *c\n      name: c\n      image: 'c:1'\n      imagePullPolcy: Never\n")
    code, fixed, err = _fix_text(tmp_path, text)
    assert fixed == text and "not fixed" not in err


@pytest.mark.parametrize("encoding", ["crlf", "bom", "no-final-newline", "space in name"])
def test_diff_applies_with_patch(tmp_path: Path, encoding: str) -> None:
    if shutil.which("patch") is None:
        pytest.skip("the patch program is not installed")
    import subprocess

    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - {name: c, image: 'c:1'}\n" \
           "  restartPolicy: never"
    name = "my pod.yaml" if encoding == "space in name" else "p.yaml"
    data = {"crlf": (text + "\n").replace("\n", "\r\n").encode(), "bom": b"\xef\xbb\xbf" + text.encode() + b"\n",
            "no-final-newline": text.encode(), "space in name": text.encode() + b"\n"}[encoding]
    (tmp_path / name).write_bytes(data)
    _, out, _ = _run("fix", "--jobs", "1", "--diff", name, cwd=tmp_path)
    shutil.copytree(tmp_path, tmp_path / "copy")
    _run("fix", "--jobs", "1", name, cwd=tmp_path)
    subprocess.run(["patch", "-p1", "-s"], input=out.encode(), cwd=tmp_path / "copy", check=True)
    assert (tmp_path / "copy" / name).read_bytes() == (tmp_path / name).read_bytes() != data


def test_read_only_files_are_not_rewritten(tmp_path: Path) -> None:
    target = tmp_path / "ro.yaml"
    shutil.copyfile(PAIRS / "quoted-numbers.before.yaml", target)
    target.chmod(0o444)
    code, _, err = _run("fix", "--jobs", "1", str(target))
    assert code == 2 and "read-only" in err
    assert target.read_bytes() == (PAIRS / "quoted-numbers.before.yaml").read_bytes()


def test_no_rename_to_a_field_of_another_type_or_to_a_shared_suggestion(tmp_path: Path) -> None:
    """v1beta1 backend fields under a v1 Ingress are both close to `service`, an object: no fix (a
    rename of both would repeat the key); a removed API without a replacement is never migrated."""
    (tmp_path / "i.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  rules:\n    - http:\n"
        "        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n"
        "              serviceName: web\n              servicePort: 80\n")
    (tmp_path / "psp.yaml").write_text(
        "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: p}\nspec: {privileged: false}\n")
    findings = _findings(tmp_path)
    assert {f["rule"] for f in findings} >= {"unknown-field", "removed-api-version"}
    assert all(f["fix"] is None for f in findings)


def test_a_port_declared_with_another_protocol_gets_no_name_fix() -> None:
    findings = _findings(FIXTURES / "service-target-port-undefined" / "fail-named.yaml")
    dns = [f for f in findings if '"dns"/UDP' in f["message"]]
    assert len(dns) == 1 and dns[0]["fix"] is None


def test_tabs_on_many_lines_one_fix_and_a_bound(tmp_path: Path) -> None:
    """All the tab-indented lines after the reported one in one fix (one parse); beyond 200 lines no fix
    is offered, so that a hostile file cannot make every lint parse it hundreds of times."""
    def pod(count: int) -> str:
        return ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\n  labels:\n"
                + "".join(f"\tk{i}: v{i}\n" for i in range(count)))
    (tmp_path / "few.yaml").write_text(pod(12))
    (tmp_path / "many.yaml").write_text(pod(300))
    fixes_of = {Path(f["file"]).name: f["fix"] for f in _findings(tmp_path) if f["rule"] == "yaml-syntax-error"}
    assert len(fixes_of["few.yaml"]["edits"]) == 12 and fixes_of["many.yaml"] is None
    _run("fix", "--jobs", "1", str(tmp_path / "few.yaml"))
    assert (tmp_path / "few.yaml").read_text() == pod(12).replace("\t", " " * 8)


def test_many_fixes_in_one_file_stay_linear() -> None:
    import gc
    import time

    def cost(count: int) -> float:
        text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n" + "".join(
            f"  k{i}: '1'\n" for i in range(count))
        best = float("inf")
        for _ in range(5):
            gc.collect()
            gc.disable()  # the collector's passes scale with the test process's whole heap, not with the input
            try:
                start = time.process_time()
                resolver = fixes.Resolver(text)
                found = [resolver.resolve(0, (), fixes.FixIntent("x", True, (
                    fixes.Op("set", ("data", f"k{i}"), "2", old="1"),))) for i in range(count)]
                applied = fixes.apply(text, [f for f in found if f is not None])
                best = min(best, time.process_time() - start)
            finally:
                gc.enable()
        assert len(applied.fixes) == count and applied.error is None
        return best

    # 4x the fixes: about 4x the time if linear, 16x if quadratic; the bound leaves room for a shared,
    # noisy machine (the best of five runs of 2,000 fixes once took 0.055 s and of 8,000 0.38 s: 7x)
    assert cost(8000) / cost(2000) < 10


def test_fixes_only_in_utf8_text(tmp_path: Path) -> None:
    """A fix edits the file as UTF-8 text: a UTF-16 file, or one with a document that is not text,
    keeps its findings but gets no fix (whichever process resolves the fixes)."""
    text = (PAIRS / "misspelt-field.before.yaml").read_text()
    (tmp_path / "utf16.yaml").write_bytes(text.encode("utf-16"))
    (tmp_path / "mixed.yaml").write_bytes(text.encode() + b"---\nkind: \xff\xfe\n")
    (tmp_path / "plain.yaml").write_text(text)
    for jobs in ("1", "2"):
        findings = json.loads(_run("lint", "--jobs", jobs, "--format", "json", str(tmp_path))[1])["findings"]
        fixes = {(Path(f["file"]).name, f["fix"] is not None) for f in findings if f["rule"] == "unknown-field"}
        assert fixes == {("utf16.yaml", False), ("mixed.yaml", False), ("plain.yaml", True)}, jobs
