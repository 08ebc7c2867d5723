"""JUnit XML for test dashboards (Jenkins, GitLab test reports, Azure DevOps): one <testsuite> per
file, one <testcase> per Kubernetes object in it (`Kind namespace/name`), so that clean objects
count as passing tests.

A failing object has one <failure> that lists every finding on it (severity, rule, message,
`file:line:col` and the fix): Jenkins reads only the first <failure> of a test case
(hudson.tasks.junit.CaseResult) and GitLab shows one per case, so one element per finding would
hide all but the first. Findings on no object (a YAML syntax error) belong to a test case named
`(file)`; paths that could not be read and internal errors are <error>s. Suppressed findings are
left out. The output validates against the JUnit schema of Jenkins' xUnit plugin (junit-10.xsd).
"""

from __future__ import annotations

import io
import re
from dataclasses import field
from typing import IO

from ..engine import RunResult
from ..findings import Finding
from ..records import dataclass
from ..text import inert

FILE_CASE = "(file)"
# What XML 1.0 cannot hold even escaped: lone surrogates (undecodable bytes of file names) and the
# non-characters U+FFFE/U+FFFF (controls are already made inert).
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def _safe(text: str) -> str:
    text = _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", inert(text))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    return '"' + _safe(text).replace('"', "&quot;") + '"'


@dataclass
class Case:
    name: str
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None  # the path could not be read

    @property
    def failed(self) -> bool:
        return any(f.rule != "internal-error" for f in self.findings)

    @property
    def errored(self) -> bool:
        return self.error is not None or any(f.rule == "internal-error" for f in self.findings)


def suites(result: RunResult) -> dict[str, dict[str, Case]]:
    """file -> test cases by name, in the report's order: the files (skipped ones are not
    manifests: no suite), then files only findings or unreadable paths name."""
    out: dict[str, dict[str, Case]] = {}
    for report in result.files:
        if report.status == "skipped":
            continue
        cases = out.setdefault(report.name, {})
        for ref in report.refs:
            name = ref.display()
            cases.setdefault(name, Case(name))
        if report.error:
            cases.setdefault(FILE_CASE, Case(FILE_CASE)).error = report.error
    for finding in result.findings:
        if finding.suppression is not None:
            continue
        name = finding.object.display() if finding.object is not None else FILE_CASE
        cases = out.setdefault(finding.location.file, {})
        cases.setdefault(name, Case(name)).findings.append(finding)
    for notice in result.notices:
        if notice.error:
            cases = out.setdefault(notice.name, {})
            case = cases.setdefault(FILE_CASE, Case(FILE_CASE))
            case.error = notice.message if case.error is None else f"{case.error}; {notice.message}"
    return out


def _finding_lines(f: Finding) -> list[str]:
    loc = f.location
    lines = [f"{loc.file}:{loc.line}:{loc.column}: {f.severity.value} {f.rule}: {f.message}"]
    if f.remediation:
        lines.append(f"  fix: {f.remediation}")
    return lines


def _case(out: IO[str], classname: str, case: Case) -> None:
    head = f"    <testcase name={_attr(case.name)} classname={_attr(classname)}"
    if not case.findings and case.error is None:
        out.write(head + "/>\n")
        return
    out.write(head + ">\n")
    if case.errored:
        crashes = [f for f in case.findings if f.rule == "internal-error"]
        message = case.error or crashes[0].message
        body = [case.error] if case.error else []
        body += [line for f in crashes for line in _finding_lines(f)]
        out.write(f"      <error message={_attr(message)} type=\"k8slint\">"
                  f"{_safe_lines(body)}</error>\n")
    found = [f for f in case.findings if f.rule != "internal-error"]
    if found:
        if len(found) == 1:
            message = f"{found[0].rule}: {found[0].message}"
        else:
            rules = ", ".join(dict.fromkeys(f.rule for f in found))
            message = f"{len(found)} findings: {rules}"
        worst = max((f.severity for f in found), key=lambda s: s.rank)
        body = [line for f in found for line in _finding_lines(f)]
        out.write(f"      <failure message={_attr(message)} type={_attr(worst.value)}>{_safe_lines(body)}</failure>\n")
    out.write("    </testcase>\n")


def _safe_lines(lines: list[str]) -> str:
    return "\n".join(_safe(line) for line in lines)


def write(result: RunResult, out: IO[str], verbose: bool = False) -> None:
    all_suites = suites(result)
    tests = sum(len(cases) for cases in all_suites.values())
    failures = sum(c.failed for cases in all_suites.values() for c in cases.values())
    errors = sum(c.errored for cases in all_suites.values() for c in cases.values())
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<testsuites name="k8slint" tests="{tests}" failures="{failures}" errors="{errors}">\n')
    for file, cases in all_suites.items():
        failed = sum(c.failed for c in cases.values())
        errored = sum(c.errored for c in cases.values())
        out.write(f"  <testsuite name={_attr(file)} tests=\"{len(cases)}\" failures=\"{failed}\" "
                  f"errors=\"{errored}\" skipped=\"0\" file={_attr(file)}")
        if not cases:
            out.write("/>\n")
            continue
        out.write(">\n")
        for case in cases.values():
            _case(out, file, case)
        out.write("  </testsuite>\n")
    out.write("</testsuites>\n")


def render(result: RunResult, verbose: bool = False) -> str:
    buffer = io.StringIO()
    write(result, buffer, verbose)
    return buffer.getvalue()

