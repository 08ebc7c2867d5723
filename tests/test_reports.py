"""The reports people read and CI systems ingest: code frames and the per-rule table in the text
report, JUnit XML, GitLab Code Quality and the Markdown summary."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from k8slint.cli import cli
from k8slint.reporters import gitlab, junit, markdown, text

from .helpers import FIXTURES, ROOT, lint

SCHEMAS = ROOT / "tests" / "schemas"
EXPECTED = ROOT / "tests" / "expected"
FRAMES = "fixtures/reports/frames.yaml"
FIXTURE_DIRS = sorted(str(p.relative_to(ROOT)) for p in FIXTURES.iterdir()
                      if p.is_dir() and p.name[0] not in "._" and p.name != "hostile")
ESCAPE = "\x1b["


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["lint", "--jobs", "1", *args])
    assert result.exit_code in (0, 1), result.output[-3000:]
    return result.exit_code, result.stdout


# --- the text report ----------------------------------------------------------------------------

def test_text_report_in_a_fixed_width_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The full form as a 100-column, 16-colour terminal shows it, against the stored rendering
    (K8SLINT_UPDATE_EXPECTED=1 rewrites it; read the diff before committing it)."""
    monkeypatch.chdir(ROOT)
    result = lint(FRAMES, hygiene=True)
    buffer = io.StringIO()
    text.write_color(result, buffer, text.Options(verbose=True, source=True), width=100, color_system="standard")
    expected = EXPECTED / "frames.ansi"
    if os.environ.get("K8SLINT_UPDATE_EXPECTED"):
        expected.write_text(buffer.getvalue(), encoding="utf-8")
    assert buffer.getvalue() == expected.read_text(encoding="utf-8")
    plain = re.sub(r"\x1b\[[0-9;]*m", "", buffer.getvalue())
    assert "\n17 |           image: registry.example.com/" in plain
    assert "\\x09" in plain and "\t" not in plain  # the tab in the path is shown, not expanded


def _run_terminal(args: list[str], env: dict[str, str], terminal: bool) -> str:
    """k8slint's console script with stdout on a pseudo-terminal (or a pipe)."""
    code = "import sys; from k8slint.cli import main; sys.argv[0] = 'k8slint'; main()"
    full_env = {**{k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CI")}, "TERM": "xterm", **env}
    if not terminal:
        proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=full_env,
                              cwd=ROOT, timeout=300)
        return proc.stdout
    master, slave = pty.openpty()
    proc2 = subprocess.Popen([sys.executable, "-c", code, *args], stdout=slave, stderr=subprocess.DEVNULL,
                             env=full_env, cwd=ROOT)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc2.wait(timeout=300)
    os.close(master)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_colour_and_frames_follow_the_terminal_and_no_color() -> None:
    args = ["lint", "--jobs", "1", FRAMES]
    coloured = _run_terminal(args, {}, terminal=True)
    assert ESCAPE in coloured and "^^^^" in coloured  # a terminal: colour and code frames
    no_color = _run_terminal(args, {"NO_COLOR": "1"}, terminal=True)
    assert ESCAPE not in no_color and "\n31 |   selector: {app: shpo}\n" in no_color  # frames, no colour
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == no_color
    empty = _run_terminal(args, {"NO_COLOR": ""}, terminal=True)  # no-color.org: an empty value is unset
    assert ESCAPE in empty
    concise = _run_terminal([*args, "--output-format", "concise"], {"NO_COLOR": "1"}, terminal=True)
    assert "^" not in concise and f"{FRAMES}:31:3  warning  service-selector-no-match" in concise
    piped = _run_terminal(args, {}, terminal=False)  # not a terminal: the concise form, no colour
    assert ESCAPE not in piped and " | " not in piped
    assert piped.splitlines()[0].startswith(f"{FRAMES}:17:11  warning  image-tag-latest  ")
    shown = _run_terminal([*args, "--show-source"], {}, terminal=False)
    assert ESCAPE not in shown and "\n31 |   selector: {app: shpo}\n   |   ^^^^^^^^\n" in shown
    assert shown == no_color


def test_statistics_table_sorted_by_severity_then_count(tmp_path: Path) -> None:
    head = "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{}}}\nspec:\n  containers:\n"
    bad_quantity = "    - {name: c, image: 'nginx:1.27', resources: {limits: {memory: 1x}}}\n"
    (tmp_path / "pods.yaml").write_text("".join(
        head.format(i) + (bad_quantity if i == 0 else "    - {name: c, image: nginx}\n") for i in range(3)))
    _, full = _invoke("--show-source", str(tmp_path))
    _, concise = _invoke(str(tmp_path))  # not a terminal: concise, no table
    _, stats = _invoke("--statistics", str(tmp_path))
    table = stats.splitlines()
    assert table[0].split() == ["rule", "severity", "count", "to", "turn", "it", "off"]
    rows = [line.split() for line in table[1:-2]]
    severities = [row[1] for row in rows]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    assert severities[0] == "error"
    warnings = [int(row[2]) for row in rows if row[1] == "warning"]
    assert warnings == sorted(warnings, reverse=True) and warnings[0] == 3
    assert all(row[3:] == ["--disable", row[0]] for row in rows)
    assert table[-1] == full.splitlines()[-1] and table[-2] == ""
    assert stats in full and "pods.yaml:" not in stats  # the table ends the full report too
    assert "to turn it off" not in concise and concise.splitlines()[-1] == table[-1]


def test_show_source_and_concise_conflict() -> None:
    result = CliRunner().invoke(cli, ["lint", "--show-source", "--output-format", "concise", FRAMES])
    assert result.exit_code == 2 and "--show-source" in result.output


@pytest.mark.parametrize(("line", "column", "token_text"), [
    ("    port: http", 11, "http"),
    ("  selector: {app: shpo}", 3, "selector"),
    ("      labels: {app: shop}", 15, "{"),
    ('  path: "a b"  # note', 9, '"a b"'),
    ("  value: plain text  # note", 10, "plain text"),
    ("  image: nginx:1.27", 10, "nginx:1.27"),
    ("  {{- include \"x\" . | nindent 4 }}", 3, '{{- include "x" . | nindent 4 }}'),
    ("  list: [a, bb, c]", 13, "bb"),
])
def test_carets_cover_the_token(line: str, column: int, token_text: str) -> None:
    shown, caret, width = text._cut(line, column)
    assert shown == line and shown[caret:caret + width] == token_text


@pytest.mark.parametrize("column", [1, 30, 60, 95, 140, 199])
def test_long_lines_are_cut_around_the_column(column: int) -> None:
    line = "".join(f"k{i}: ショ{i} " for i in range(40))[:200]
    shown, caret, width = text._cut(line, column)
    cells = [text._width(ch) for ch in shown]
    assert sum(cells) <= text.MAX_LINE
    # the caret sits under the character at `column`, counted in terminal cells
    index = next(i for i in range(len(shown) + 1) if sum(cells[:i]) >= caret)
    assert sum(cells[:index]) == caret and shown[index] == line[column - 1]
    assert width >= 1
    assert shown.startswith("…") == (column > 30) if column <= 30 or column >= 95 else True
    assert shown.endswith("…") == (column < 199)


def test_text_frames_show_rendered_sources_without_markers(tmp_path: Path) -> None:
    out = text.render(lint(FIXTURES / "rendering" / "repo" / "charts" / "web"),
                      text.Options(source=True)) if _helm() else pytest.skip("needs helm")
    assert "#@k8slint" not in out
    assert "_helpers.tpl:12:1" in out and "\n12 | hostNetwork: {{ .Values.hostNetwork }}" in out


def _helm() -> bool:
    from .helpers import renderers

    return "helm" in renderers()


# --- JUnit XML -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def junit_schema():  # type: ignore[no-untyped-def]
    xmlschema = pytest.importorskip("xmlschema", reason="pip install -e '.[test]' installs xmlschema")
    return xmlschema.XMLSchema(str(SCHEMAS / "junit-10.xsd"))


@pytest.fixture(scope="module")
def fixture_reports() -> dict[str, str]:
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        out = {}
        for fmt in ("junit", "gitlab", "json"):
            result = CliRunner().invoke(cli, ["lint", "--jobs", "1", "--format", fmt, *FIXTURE_DIRS])
            assert result.exit_code == 1, result.output[-2000:]
            out[fmt] = result.stdout
        return out
    finally:
        os.chdir(cwd)


def test_junit_of_every_fixture_is_schema_valid(junit_schema, fixture_reports: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    import xml.etree.ElementTree as ET

    xml = fixture_reports["junit"]
    junit_schema.validate(xml)
    root = ET.fromstring(xml)
    report = json.loads(fixture_reports["json"])
    reported = [f for f in report["findings"] if f["suppressed"] is None and f["rule"] != "internal-error"]
    bodies = "\n".join(el.text or "" for el in root.iter("failure"))
    for f in reported:  # every finding is in its object's failure, with rule, message and position
        assert f"{f['file']}:{f['line']}:{f['column']}: {f['severity']} {f['rule']}: {f['message']}" in bodies
    cases = list(root.iter("testcase"))
    assert int(root.get("tests")) == len(cases) >= report["summary"]["objects"] // 2  # type: ignore[arg-type]
    assert int(root.get("failures")) == sum(1 for c in cases if c.find("failure") is not None)  # type: ignore[arg-type]
    for suite in root.iter("testsuite"):
        assert int(suite.get("tests")) == len(suite.findall("testcase"))  # type: ignore[arg-type]
        assert all(case.get("classname") == suite.get("name") for case in suite.findall("testcase"))
    assert all(len(c.findall("failure")) <= 1 for c in cases)  # Jenkins reads only the first


def test_junit_counts_clean_objects_as_passing_cases(junit_schema) -> None:  # type: ignore[no-untyped-def]
    import xml.etree.ElementTree as ET

    result = lint(FIXTURES / "examples", hygiene=True)
    assert not result.findings
    xml = junit.render(result)
    junit_schema.validate(xml)
    root = ET.fromstring(xml)
    cases = [(s.get("name"), c.get("name")) for s in root.iter("testsuite") for c in s.iter("testcase")]
    assert len(cases) == result.objects == 13 and root.get("failures") == "0"
    assert (str(FIXTURES / "examples" / "namespaces.yaml"), "Namespace shop") in cases
    assert any(name == "Deployment shop/api" for _, name in cases)


def test_junit_names_rendered_objects_in_their_template(junit_schema) -> None:  # type: ignore[no-untyped-def]
    if not _helm():
        pytest.skip("needs helm to render the chart (pip install -e '.[test]')")
    import xml.etree.ElementTree as ET

    result = lint(FIXTURES / "rendering" / "repo" / "charts" / "web")
    xml = junit.render(result)
    junit_schema.validate(xml)
    suites = {s.get("name"): [c.get("name") for c in s.iter("testcase")] for s in ET.fromstring(xml).iter("testsuite")}
    template = next(name for name in suites if name.endswith("charts/web/templates/deployment.yaml"))
    assert "Deployment default/release-name-web" in suites[template]


def test_junit_of_hostile_input_is_still_valid_xml(junit_schema, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = lint(FIXTURES / "hostile")
    junit_schema.validate(junit.render(result))
    odd = tmp_path / "a&b<c>\"d\".yaml"
    odd.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \"x\\u0007\\U0010FFFF<y>\"}\ndata: {a: [}\n")
    if sys.platform == "linux":  # a file name that is not UTF-8
        (tmp_path / os.fsdecode(b"latin1-\xe9.yaml")).write_text("kind: [\n")
    xml = junit.render(lint(tmp_path))
    junit_schema.validate(xml)
    assert "&amp;" in xml and "(file)" in xml


def test_junit_reports_unreadable_paths_as_errors(junit_schema, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "gone.yaml"
    xml = junit.render(lint(missing))
    junit_schema.validate(xml)
    assert 'errors="1"' in xml and "<error message=" in xml and "gone.yaml" in xml


# --- GitLab Code Quality ----------------------------------------------------------------------------

def _gitlab_validator() -> jsonschema.Draft7Validator:
    issue = json.loads((SCHEMAS / "gitlab-codequality.json").read_text())
    documented = {  # GitLab's documentation asks for more than its validator checks
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "check_name": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {"required": ["path", "lines"],
                         "properties": {"path": {"type": "string", "minLength": 1},
                                        "lines": {"required": ["begin"]}}},
        },
    }
    return jsonschema.Draft7Validator({"type": "array", "items": {"allOf": [issue, documented]}})


def test_gitlab_report_of_every_fixture_is_schema_valid(fixture_reports: dict[str, str]) -> None:
    raw = fixture_reports["gitlab"]
    assert not raw.startswith("\ufeff")  # GitLab rejects a byte-order mark
    issues = json.loads(raw)
    errors = list(_gitlab_validator().iter_errors(issues))
    assert not errors, errors[:3]
    report = json.loads(fixture_reports["json"])
    reported = [f for f in report["findings"] if f["suppressed"] is None]
    assert len(issues) == len(reported) > 100
    assert len({i["fingerprint"] for i in issues}) == len(issues)  # GitLab merges issues that share one
    assert {i["severity"] for i in issues} >= {"critical", "major"}
    assert all(not i["location"]["path"].startswith(("/", "./")) for i in issues)


def test_gitlab_fingerprints_survive_moved_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text_ = (ROOT / FRAMES).read_text()
    (tmp_path / "app.yaml").write_text(text_)
    before = json.loads(gitlab.render(lint("app.yaml", hygiene=True)))
    (tmp_path / "app.yaml").write_text("# a comment\n# and another\n" + text_)
    after = json.loads(gitlab.render(lint("app.yaml", hygiene=True)))
    assert before and [i["fingerprint"] for i in before] == [i["fingerprint"] for i in after]
    assert [i["location"]["lines"]["begin"] + 2 for i in before] == [i["location"]["lines"]["begin"] for i in after]
    assert all(i["location"]["path"] == "app.yaml" for i in after)


# --- Markdown summary ----------------------------------------------------------------------------------

def test_markdown_summary_is_cut_with_the_count_of_the_rest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    pods = "".join(f"---\napiVersion: v1\nkind: Pod\nmetadata: {{name: pod-{i}}}\nspec:\n  containers:\n"
                   f"    - {{name: c, image: nginx}}\n" for i in range(400))
    (tmp_path / "many.yaml").write_text(pods)
    result = lint("many.yaml", hygiene=True)
    reported = [f for f in result.findings if f.suppression is None]
    out = markdown.render(result, base="")
    assert len(out) <= markdown.LIMIT + 200
    rows = [line for line in out.splitlines() if line.startswith("| 🟡 warning | ")]
    rest = len(reported) - len(rows)
    assert rest > 0 and out.rstrip().endswith(f"… and {rest:,} more findings (all of them are in the SARIF and "
                                               "JSON reports).")
    assert "| `image-tag-latest` | 🟡 warning | 400 | `--disable image-tag-latest` |" in out
    first = reported[0]
    assert rows[0].startswith(f"| 🟡 warning | [many.yaml:{first.location.line}](many.yaml#L{first.location.line}) | ")


def test_markdown_links_and_escaping(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "a b.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n"
        "    - {name: 'x|y', image: 'nginx', ports: [{containerPort: 80, name: '<b>@team'}]}\n")
    result = lint("k8s", hygiene=True)
    local = markdown.render(result, base=markdown.link_base({}))
    assert "[k8s/a b.yaml:6](k8s/a%20b.yaml#L6)" in local
    assert "x\\|y" in local and "<b>" not in local and "\\<b\\>@\u200bteam" in local
    env = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/shop", "GITHUB_SHA": "abc"}
    ci = markdown.render(result, base=markdown.link_base(env))
    assert "(https://github.com/acme/shop/blob/abc/k8s/a%20b.yaml#L6)" in ci


def test_markdown_of_a_clean_run() -> None:
    out = markdown.render(lint(FIXTURES / "examples", hygiene=True), base="")
    assert out.startswith("## k8slint\n\n7 files, 13 objects: 0 errors, 0 warnings, 0 infos\n")
    assert "### Findings" not in out


# --- every format through --output --------------------------------------------------------------------

def test_new_formats_through_output_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, junit_schema) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(ROOT)
    paths = {fmt: tmp_path / f"report.{fmt}" for fmt in ("junit", "gitlab", "markdown", "text")}
    code, out = _invoke("--format", "json", *[f"-o{fmt}={p}" for fmt, p in paths.items()], FRAMES)
    assert code == 1 and json.loads(out)["summary"]["errors"] == 1
    junit_schema.validate(str(paths["junit"]))
    assert not list(_gitlab_validator().iter_errors(json.loads(paths["gitlab"].read_text())))
    assert paths["markdown"].read_text().startswith("## k8slint\n")
    assert " | " not in paths["text"].read_text()  # a file gets the concise form unless --show-source


def _readme_block(language: str, first_line: str) -> str:
    readme = (ROOT / "README.md").read_text()
    match = re.search(rf"```{language}\n({re.escape(first_line)}\n.*?)```", readme, re.S)
    assert match, f"README must show a ```{language} block starting with {first_line!r}"
    return match.group(1)


@pytest.mark.parametrize(("language", "first_line"), [("yaml", "# .gitlab-ci.yml"), ("groovy", "// Jenkinsfile")])
def test_readme_ci_examples_write_valid_reports(language: str, first_line: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch, junit_schema) -> None:  # type: ignore[no-untyped-def]
    """The k8slint command of the GitLab CI and Jenkins examples, run in a checkout with a k8s/ folder,
    writes the reports the CI file then reads."""
    block = _readme_block(language, first_line)
    command = next(line.strip().removeprefix("- ") for line in block.splitlines() if " lint " in line)
    args = command.split()[2:]  # after `k8slint lint` (or `.venv/bin/k8slint lint`)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "app.yaml").write_text((ROOT / FRAMES).read_text())
    result = CliRunner().invoke(cli, ["lint", "--jobs", "1", *args])
    assert result.exit_code == (0 if "never" in args else 1), result.output
    reports = [p for p in re.findall(r"[\w.-]+\.(?:json|xml)", block) if p != "app.yaml"]
    assert reports
    for name in reports:
        if name.endswith(".xml"):
            junit_schema.validate(name)
        else:
            issues = json.loads(Path(name).read_text())
            assert not list(_gitlab_validator().iter_errors(issues)) and issues[0]["location"]["path"] == "k8s/app.yaml"


def test_frames_of_a_huge_one_line_file_cost_what_short_lines_cost(tmp_path: Path) -> None:
    """A JSON manifest on one line, thousands of findings on it: each frame looks at the characters it
    can show, not the whole line (it took minutes when every frame walked 130 KB)."""
    import time

    def render_time(count: int) -> float:
        containers = [{"name": f"c{i}", "image": f"nginx:1.{i}"} for i in range(count)]
        path = tmp_path / f"pod{count}.json"
        path.write_text(json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                                    "spec": {"containers": containers}}) + "\n")
        result = lint(str(path))
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            out = text.render(result, text.Options(source=True))
            best = min(best, time.process_time() - start)
        shown = [line for line in out.splitlines() if line.startswith("1 | ")]
        assert shown and all(len(line) <= text.MAX_LINE + 8 for line in shown)
        assert all(line.startswith("1 | …") for line in shown[len(shown) // 2:])
        return best

    assert render_time(2000) / render_time(500) < 6
