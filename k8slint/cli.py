"""Command line: glue between options, discovery, the engine and the reporters."""

from __future__ import annotations

import difflib
import functools
import gc
import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

import click

from . import __version__
from .reporters import FORMATS
from .settings import FAIL_ON
from .text import inert

if TYPE_CHECKING:
    from .engine import RunResult


def _check_rule_ids(ids: Iterable[str], option: str) -> None:
    from .catalog import load

    REGISTRY = load()

    for rule_id in ids:
        if rule_id not in REGISTRY:
            close = difflib.get_close_matches(rule_id, [r.id for r in REGISTRY], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else "; `k8slint rules` lists them"
            raise click.BadParameter(f"unknown rule {rule_id!r}{hint}", param_hint=option)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="k8slint")
def cli() -> None:
    """Lint Kubernetes manifests: exact file:line:column for every finding, cross-object checks
    over everything in the run."""


class ConfigProblem(click.ClickException):
    """A broken .k8slint.yaml, rule pack or baseline: exit code 2, message with file:line."""

    exit_code = 2

    def format_message(self) -> str:
        return f"config error: {self.message}"


def _given(ctx: click.Context, names: Iterable[str]) -> dict[str, object]:
    """The options the user actually gave (the configuration file supplies the rest)."""
    from click.core import ParameterSource

    out: dict[str, object] = {}
    for name in names:
        value = ctx.params.get(name)
        if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE:
            out[name] = list(value) if isinstance(value, tuple) else value
    return out


_LINT_OPTIONS = [
    click.argument("paths", nargs=-1),
    click.option("--config", "config_path", metavar="FILE",
                 help="Configuration file (default: .k8slint.yaml found from the current directory upward)."),
    click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
                 help="Report format."),
    click.option("--output", "-o", "outputs", multiple=True, metavar="FILE|FORMAT=PATH",
                 help="FILE: write the report to FILE instead of stdout. FORMAT=PATH (repeatable): also write "
                      "a report in FORMAT (" + ", ".join(FORMATS) + ") to PATH ('-' for stdout)."),
    click.option("--namespace", "-n", default="default", show_default=True,
                 help="Namespace of objects that do not set metadata.namespace."),
    click.option("--enable", multiple=True, metavar="RULE", help="Enable a rule (repeatable, or comma-separated)."),
    click.option("--disable", multiple=True, metavar="RULE", help="Disable a rule (repeatable, or comma-separated)."),
    click.option("--fail-on", type=click.Choice(FAIL_ON), default="warning", show_default=True,
                 help="Lowest severity that makes the exit code 1."),
    click.option("--kube-version", metavar="X.Y", help="Kubernetes version to validate against (default: the newest "
                 "with bundled schemas)."),
    click.option("--strict/--no-strict", default=True, show_default=True,
                 help="Report fields the schema does not define (unknown-field)."),
    click.option("--context", multiple=True, metavar="PATH",
                 help="More manifests to resolve cross-object references against (repeatable); no findings "
                      "are reported on them."),
    click.option("--crd", multiple=True, metavar="PATH",
                 help="CustomResourceDefinitions to validate custom resources with (repeatable; not linted)."),
    click.option("--nodes", type=click.IntRange(min=0, max=1_000_000), default=1, show_default=True,
                 help="Nodes a DaemonSet runs on, for ResourceQuota totals."),
    click.option("--replicas", type=click.Choice(("spec", "max")), default="spec", show_default=True,
                 help="Replicas counted for ResourceQuota totals: spec.replicas, or an HPA's maxReplicas."),
    click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
                 help="Worker processes for parsing and per-object rules (default: the number of cores; "
                      "small runs use one)."),
    click.option("--max-file-size", default="32Mi", show_default=True, metavar="SIZE",
                 help="Larger files are reported (input-too-large) and not read; bytes, or with k/M/G/Ki/Mi/Gi."),
    click.option("--baseline", metavar="FILE",
                 help="Report only findings that are not in this baseline (written by --write-baseline)."),
    click.option("--write-baseline", "write_baseline", metavar="FILE",
                 help="Record the current findings in FILE; they are reported as baselined from then on."),
    click.option("--show-suppressed", is_flag=True, help="Show suppressed and baselined findings in text output."),
    click.option("--follow-symlinks", is_flag=True,
                 help="Follow symbolic links that lead out of a linted directory (by default they are skipped, "
                      "with a notice)."),
    click.option("--fail-if-no-objects", is_flag=True,
                 help="Exit 1 when the run finds no Kubernetes object at all (a CI gate that scanned nothing)."),
    click.option("--helm-values", multiple=True, metavar="FILE",
                 help="Values file for every chart, after its values.yaml (repeatable, in order)."),
    click.option("--helm-set", multiple=True, metavar="KEY=VALUE", help="As `helm --set` (repeatable)."),
    click.option("--helm-set-string", multiple=True, metavar="KEY=VALUE", help="As `helm --set-string` (repeatable)."),
    click.option("--helm-release", metavar="NAME", help="Release name for rendering charts (default: release-name)."),
    click.option("--helm-namespace", metavar="NS", help="Namespace for rendering charts (default: --namespace)."),
    click.option("--kustomize-allow-remote", is_flag=True,
                 help="Build kustomizations with remote bases or helmCharts (kustomize then downloads them)."),
    click.option("--closed-world", is_flag=True,
                 help="The run is the whole namespace: report every selector or name that matches nothing, not only "
                      "near misses."),
    click.option("--pod-security", metavar="LEVEL[:VERSION]",
                 help="Pod Security level enforced in namespaces without pod-security.kubernetes.io labels in the run "
                      "(privileged, baseline or restricted; VERSION latest or v1.N)."),
    click.option("--render/--no-render", default=True, show_default=True,
                 help="Render Helm charts and build Kustomize overlays (--no-render reports them as not rendered)."),
    click.option("--stdin-filename", metavar="NAME", help="Name to report standard input (-) as."),
    click.option("-v", "--verbose", is_flag=True, help="Show remediation and related objects in text output."),
    click.option("--output-format", "output_format", type=click.Choice(("full", "concise")), default=None,
                 help="Text report form: full shows each finding's source line with a caret under the column; "
                      "concise is one line per finding (for editors' problem matchers). Default: full on a "
                      "terminal, concise elsewhere."),
    click.option("--show-source", is_flag=True, help="Text report in the full form (source lines) wherever it goes."),
    click.option("--statistics", is_flag=True,
                 help="Text report: only the count of findings per rule, and the summary."),
]


def _lint_options(command: Any) -> Any:
    """The options of `lint`, which `fix` shares (same settings, configuration, suppressions, baseline)."""
    for option in reversed(_LINT_OPTIONS):
        command = option(command)
    return command


@cli.command()
@_lint_options
@click.pass_context
def lint(ctx: click.Context, paths: tuple[str, ...], config_path: str | None, fmt: str, outputs: tuple[str, ...],
         write_baseline: str | None, show_suppressed: bool, verbose: bool, output_format: str | None,
         show_source: bool, statistics: bool, **_: object) -> None:
    """Lint PATHS (files, directories searched for *.yaml, *.yml and *.json, or - for stdin).

    Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 usage error,
    unreadable input or internal error.
    """
    _lint(ctx, paths, config_path, fmt, outputs, write_baseline, _TextOptions(verbose, show_suppressed, output_format,
          statistics), show_source, None)


@cli.command("fix")
@_lint_options
@click.option("--diff", is_flag=True, help="Print the changes as a unified diff; change no file.")
@click.option("--check", is_flag=True, help="Change no file; list what would be fixed and exit 1 if anything would.")
@click.option("--unsafe", is_flag=True,
              help="Also apply fixes that may change behaviour (a selector or targetPort corrected to the near miss).")
@click.pass_context
def fix_command(ctx: click.Context, paths: tuple[str, ...], config_path: str | None, fmt: str,
                outputs: tuple[str, ...], write_baseline: str | None, show_suppressed: bool, verbose: bool,
                output_format: str | None, show_source: bool, statistics: bool, diff: bool, check: bool,
                unsafe: bool, **_: object) -> None:
    """Fix what can be fixed in PATHS, then report what remains (as lint does).

    Takes every option of lint; a suppressed or baselined finding is never fixed. Only the plain
    files of the run are changed (not charts' templates or kustomizations' outputs), each through a
    temporary file renamed over it, keeping its line breaks and BOM; a file whose fixed text would not
    read back as intended is left as it was, with an error. Each changed file and its fixes are listed
    on standard error.

    Exit codes: as lint (for the findings that remain); with --diff or --check, 1 when something
    would be fixed, else 0; 2 usage error, unreadable input, a file that could not be fixed.
    """
    if diff and check:
        raise click.BadParameter("--diff already changes nothing: give one of the two", param_hint="--check")
    _lint(ctx, paths, config_path, fmt, outputs, write_baseline, _TextOptions(verbose, show_suppressed, output_format,
          statistics), show_source, _FixMode(diff, check, unsafe))


class _FixMode(NamedTuple):
    diff: bool
    check: bool
    unsafe: bool


def _lint(ctx: click.Context, paths: tuple[str, ...], config_path: str | None, fmt: str, outputs: tuple[str, ...],
          write_baseline: str | None, text_options: _TextOptions, show_source: bool,
          fixing: _FixMode | None) -> None:
    from . import api
    from . import config as configuration
    from .engine import exit_code
    from .settings import SettingsError, resolve

    _check_cwd()
    if show_source and text_options.form == "concise":
        raise click.BadParameter("--show-source asks for the full form: give one of the two",
                                 param_hint="--output-format")
    output, extra = _outputs(outputs)
    if sum(1 for path in [output or "-", *(p for _, p in extra)] if path == "-") > 1:
        raise click.BadParameter("only one report can go to standard output ('-'); write the others to files",
                                 param_hint="--output")
    try:
        config = configuration.load(config_path)
    except configuration.ConfigError as exc:
        raise ConfigProblem(str(exc)) from exc
    given = _given(ctx, _SETTINGS_OPTIONS)
    for always in ("jobs", "max_file_size", "baseline", "stdin_filename"):
        given.setdefault(always, ctx.params.get(always))
    try:
        settings = resolve(config, given)
    except SettingsError as exc:
        if exc.option is None:
            raise ConfigProblem(str(exc)) from exc
        raise click.BadParameter(str(exc), param_hint=exc.option) from exc

    inputs = api.Inputs()
    fix_failed = False
    if _CONSOLE[0] and fixing is None:
        gc.disable()  # until the run's objects are frozen below (api.lint would enable it on return, and
        # the first collection after that scanned every object the run made: 0.1 s of 20,000 objects;
        # `fix` keeps it between its rounds, whose objects are dropped)
    with _progress(fmt, outputs) as (advance, total):
        if fixing is None:
            result = api.lint(paths, settings, advance, inputs, total, left=_LEFT if _CONSOLE[0] else None)
        else:
            run = api.fix(paths, settings, fixing.unsafe, advance, inputs, total)
            if fixing.diff or fixing.check:
                _fix_preview(run, fixing)  # exits
            written = api.write_fixes(run)
            _fix_summary(run, written, "fixed")
            _say_notices(run.problems, "note")  # files left as they were: exit 2 (below)
            fix_failed = any(n.error for n in run.problems)
            result = run.result
            if len(written) < len(run.files):  # what the files hold now, not what they would have held
                result = api.lint(paths, settings)
    if _CONSOLE[0]:
        gc.freeze()  # the run's objects live until the process ends: no collection pass over them again
        gc.enable()

    from .safeio import WriteRefused, identities

    protected = identities(inputs.paths)  # reports and baselines never overwrite what this run read
    if write_baseline:
        from . import baseline
        from .suppress import Suppression

        current = [f for f in result.findings if f.suppression is None and f.rule != "internal-error"]
        try:
            baseline.write(write_baseline, current, protected)
        except WriteRefused as exc:
            raise click.UsageError(str(exc)) from exc
        for finding in current:
            finding.suppression = Suppression("baseline", f"recorded in {write_baseline}")
        click.echo(f"k8slint: wrote {len(current)} findings to {inert(write_baseline)}", err=True)

    _say_notices(result.notices, "skipped")

    code = exit_code(result, settings.fail_on)
    if fixing is not None and fix_failed:
        code = 2
    if code == 0 and settings.fail_if_no_objects and not result.objects:
        code = 1
    _PIPE_EXIT[0] = code  # a reader that stops early (| head) does not change the verdict
    try:
        if show_source:
            text_options = text_options._replace(form="full")
        stdout_used = _write_reports(result, fmt, output, extra, protected, text_options)
    except BrokenPipeError:  # the reader stopped early (| head): the verdict is the run's own
        _quiet_stdout()
        sys.exit(code)
    if not stdout_used:
        from .reporters.text import summary

        click.echo(summary(result), err=True)
    sys.exit(code)


#: Options that are settings (merged with the configuration file in k8slint.settings).
_SETTINGS_OPTIONS = (
    "namespace", "enable", "disable", "fail_on", "kube_version", "strict", "context", "crd", "nodes", "replicas",
    "jobs", "max_file_size", "baseline", "follow_symlinks", "fail_if_no_objects", "helm_values", "helm_set",
    "helm_set_string", "helm_release", "helm_namespace", "kustomize_allow_remote", "render", "stdin_filename",
    "closed_world", "pod_security",
)


def _say_notices(notices: Iterable[Any], other: str) -> None:
    """Each notice on standard error: `k8slint: error: NAME: message`, or `other` for the harmless ones."""
    for notice in notices:
        prefix = "error" if notice.error else other
        click.echo(f"k8slint: {prefix}: {inert(notice.name)}: {inert(notice.message)}", err=True)


def _fix_summary(run: Any, names: list[str], verb: str) -> None:
    """Each file and what was (or would be) fixed in it, on standard error."""
    done = {entry.name: entry for entry in run.files}
    count = 0
    for name in names:
        fixes = done[name].fixes
        count += len(fixes)
        click.echo(f"k8slint: {verb} {inert(name)}: " + "; ".join(inert(f) for f in fixes), err=True)
    from .reporters.text import fixable

    unsafe = fixable(run.result)[1]
    tail = f" ({unsafe} more with --unsafe)" if unsafe else ""
    click.echo(f"k8slint: {count} fix{'es' if count != 1 else ''} in {len(names)} "
               f"file{'s' if len(names) != 1 else ''}{tail}", err=True)


def _fix_preview(run: Any, fixing: _FixMode) -> None:
    """--diff and --check: show what fix would do, change nothing, exit 1 when it would do something."""
    names = [entry.name for entry in run.files]
    if fixing.diff:
        shown = _terminal(sys.stdout)  # a terminal gets control characters escaped; a pipe gets a patch
        with _stdout() as stream:
            for entry in run.files:
                diff = entry.diff()
                if shown:
                    diff = "".join(inert(line) + "\n" for line in diff.splitlines())
                stream.write(diff)
    _fix_summary(run, names, "would fix")
    _say_notices(run.problems, "note")
    if any(n.error for n in run.problems) or run.result.input_errors:
        sys.exit(2)
    sys.exit(1 if names else 0)


class _TextOptions(NamedTuple):
    verbose: bool
    show_suppressed: bool
    form: str | None  # full, concise, or None: full on a terminal
    statistics: bool

    def resolve(self, terminal: bool):  # type: ignore[no-untyped-def]
        from .reporters.text import Options

        source = self.form == "full" or (self.form is None and terminal)
        return Options(self.verbose, self.show_suppressed, source, self.statistics)


def _write_reports(result: RunResult, fmt: str, output: str | None, extra: list[tuple[str, str]],
                   inputs: dict[tuple[int, int], str], text: _TextOptions) -> bool:
    """Write the main report and the --output FORMAT=PATH ones; True when one went to stdout."""
    from .safeio import WriteRefused, write_file

    stdout_used = False
    for extra_fmt, path in [(fmt, output or "-"), *extra]:
        if path == "-":
            stdout_used = True
            try:
                with _stdout() as stream:
                    terminal = _terminal(sys.stdout)
                    if extra_fmt == "text" and terminal and _color(sys.stdout):
                        from .reporters.text import write_color

                        write_color(result, stream, text.resolve(True))
                    else:
                        _write(extra_fmt, result, stream, text.resolve(terminal))
            except BrokenPipeError:
                raise
            except OSError as exc:
                raise EnvironmentProblem(f"cannot write the report to standard output: {exc.strerror or exc}") from exc
            continue
        try:
            write_file(path, functools.partial(_write_to, extra_fmt, result, text.resolve(False)), inputs,
                       "--output")
        except WriteRefused as exc:
            raise click.UsageError(str(exc)) from exc
    return stdout_used


#: The exit code to use when standard output is closed by its reader (a broken pipe).
_PIPE_EXIT = [141]


class _stdout:
    """Standard output as UTF-8 text whatever the locale (reports are UTF-8, JSON and SARIF above
    all: a file name must not turn into '?'), flushed on exit."""

    def __enter__(self):  # type: ignore[no-untyped-def]
        import io

        stream = sys.stdout
        if stream is None:
            raise OSError(9, "standard output is closed")
        self._wrapper = None
        buffer = getattr(stream, "buffer", None)
        if buffer is None or (getattr(stream, "encoding", "") or "").lower().replace("-", "") == "utf8":
            self._stream = stream
            return stream
        stream.flush()
        self._wrapper = io.TextIOWrapper(buffer, encoding="utf-8", errors="replace", write_through=False)
        self._stream = self._wrapper
        return self._wrapper

    def __exit__(self, *exc: object) -> None:
        try:
            self._stream.flush()
        finally:
            if self._wrapper is not None:
                self._wrapper.detach()


def _check_cwd() -> None:
    try:
        os.getcwd()
    except OSError as exc:
        raise EnvironmentProblem("the current directory no longer exists (was it deleted?): run k8slint from "
                                 "an existing directory") from exc


class EnvironmentProblem(click.ClickException):
    """A problem of the machine k8slint runs on, not a bug and not a finding: exit 2."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message


class _progress:
    """A progress bar on stderr for runs of more than about a second: only on a terminal, never in
    CI, never when a machine-readable report goes to stdout that a terminal would show mixed in.
    The number of files is known once the run has planned its units (`total`)."""

    MIN_FILES = 200

    def __init__(self, fmt: str, outputs: tuple[str, ...]) -> None:
        stdout_report = fmt != "text" and not any("=" not in o for o in outputs)
        self.enabled = _color(sys.stderr) and not os.environ.get("CI") and not stdout_report
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self._advance, self._total

    def shows(self, count: int) -> bool:
        """Whether a run of `count` files gets a bar."""
        return self.enabled and count >= self.MIN_FILES

    def _total(self, count: int) -> None:
        if not self.shows(count):
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(TextColumn("linting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                             transient=True, console=_stderr_console())
        self._bar.start()
        self._task = self._bar.add_task("lint", total=count)

    def _advance(self, n: int) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, n)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _stderr_console():  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(file=sys.stderr)


def _outputs(values: tuple[str, ...]) -> tuple[str | None, list[tuple[str, str]]]:
    """--output values -> (file for the main report or None, [(format, path)] of extra reports)."""
    main: str | None = None
    extra: list[tuple[str, str]] = []
    for value in values:
        fmt, sep, path = value.partition("=")
        if sep and fmt in FORMATS:
            if not path:
                raise click.BadParameter(f"{value!r}: give a path after '=' ('-' for stdout)", param_hint="--output")
            extra.append((fmt, path))
        elif main is not None:
            raise click.BadParameter(
                f"two report files ({main!r}, {value!r}); use FORMAT=PATH for additional reports",
                param_hint="--output")
        else:
            main = value
    return main, extra


def _write_to(fmt: str, result: RunResult, options: Any, out: Any) -> None:
    _write(fmt, result, out, options)


def _write(fmt: str, result: object, out: object, text_options: Any) -> None:
    """Stream a report (reports of large runs are never built in memory as one string)."""
    import importlib

    reporter = importlib.import_module(f".reporters.{fmt}", __package__)
    if fmt == "text":
        reporter.write(result, out, text_options)
    else:
        reporter.write(result, out)


def _terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


def _color(stream: object) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org: any value but empty)."""
    return _terminal(stream) and not os.environ.get("NO_COLOR")


def _catalog(config_path: str | None):  # type: ignore[no-untyped-def]
    """The catalog, with the policy packs of the configuration's rule-dirs."""
    from . import catalog
    from . import config as configuration

    try:
        configuration.load(config_path)
    except configuration.ConfigError as exc:
        raise ConfigProblem(str(exc)) from exc
    return catalog.load()


@cli.command("rules")
@click.option("--format", "fmt", type=click.Choice(("text", "json", "markdown")), default="text",
              show_default=True)
@click.option("--config", "config_path", metavar="FILE", help="Configuration whose rule-dirs to include.")
def rules_command(fmt: str, config_path: str | None) -> None:
    """List the rule catalog: id, default severity, enabled by default, summary."""
    from . import ruledocs

    _catalog(config_path)
    sys.stdout.write({"json": ruledocs.as_json, "markdown": ruledocs.as_markdown}.get(fmt, ruledocs.as_table)())


@cli.command("explain")
@click.argument("rule_id", metavar="RULE")
@click.option("--config", "config_path", metavar="FILE", help="Configuration whose rule-dirs to include.")
def explain_command(rule_id: str, config_path: str | None) -> None:
    """Explain a rule: what it does, why it matters, how to fix it, options and examples."""
    from .ruledocs import explain

    registry = _catalog(config_path)
    _check_rule_ids([rule_id], "RULE")
    sys.stdout.write(explain(registry[rule_id]))


def main() -> None:
    """The console script: exit codes for every ending (0/1 verdict, 2 problem, 130 interrupted).

    Once the reports are written and both streams flushed, the process ends with `os._exit`: freeing
    every object of a large run one by one (interpreter teardown) would take longer than writing the
    report. Only here: the library and click's test runner never get there."""
    try:
        _main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, (int, type(None))):
            _say(str(exc.code))
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass  # a reader that went away: the verdict is still the run's own
        os._exit(code)


#: True in the console script (main): the process ends after this command
_CONSOLE = [False]
#: What the console script's run made (see Engine.left): kept until the process ends, never freed
_LEFT: list[Any] = []


def _main() -> None:
    _CONSOLE[0] = True
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure:
            reconfigure(errors="replace")
    try:
        cli.main(prog_name="k8slint", standalone_mode=False)
    except SystemExit:
        raise
    except (KeyboardInterrupt, click.exceptions.Abort):
        _say("k8slint: interrupted")
        sys.exit(130)
    except BrokenPipeError:
        _quiet_stdout()
        sys.exit(_PIPE_EXIT[0])
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except OSError as exc:  # the machine, not k8slint: a full disk, a closed stream
        what = exc.strerror or str(exc)
        where = f" ({inert(str(exc.filename))})" if exc.filename else ""
        _say(f"k8slint: error: {what}{where}")
        sys.exit(2)
    except Exception as exc:  # never a traceback: a bug in k8slint is reported as one, exit 2
        _say(f"k8slint: internal error: {type(exc).__name__}: {inert(str(exc)[:500])}")
        _say("Please report this at https://github.com/k8slint/k8slint/issues")
        sys.exit(2)
    sys.exit(0)


def _say(text: str) -> None:
    try:
        click.echo(text, err=True)
    except (OSError, ValueError):
        pass  # stderr is gone too


def _quiet_stdout() -> None:
    """After a broken pipe: point standard output at /dev/null so the final flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, AttributeError, ValueError):
        pass
