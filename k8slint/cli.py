"""Command line: glue between options, discovery, the engine and the reporters."""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Iterable

import click

from . import __version__

FAIL_ON = ("error", "warning", "info", "never")
FORMATS = ("text", "json", "sarif", "github")


def _check_rule_ids(ids: Iterable[str], option: str) -> None:
    from .registry import REGISTRY

    for rule_id in ids:
        if rule_id not in REGISTRY:
            close = difflib.get_close_matches(rule_id, [r.id for r in REGISTRY], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else "; `k8slint rules` lists them"
            raise click.BadParameter(f"unknown rule {rule_id!r}{hint}", param_hint=option)


def _split(values: Iterable[str]) -> list[str]:
    """`--disable a,b --disable c` -> [a, b, c]."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="k8slint")
def cli() -> None:
    """Lint Kubernetes manifests: exact file:line:column for every finding, cross-object checks
    over everything in the run."""


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Report format.")
@click.option("--output", "-o", "outputs", multiple=True, metavar="FILE|FORMAT=PATH",
              help="FILE: write the report to FILE instead of stdout. FORMAT=PATH (repeatable): also write "
                   "a report in FORMAT (text, json, sarif, github) to PATH ('-' for stdout).")
@click.option("--namespace", "-n", default="default", show_default=True,
              help="Namespace of objects that do not set metadata.namespace.")
@click.option("--enable", multiple=True, metavar="RULE", help="Enable a rule (repeatable, or comma-separated).")
@click.option("--disable", multiple=True, metavar="RULE", help="Disable a rule (repeatable, or comma-separated).")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="warning", show_default=True,
              help="Lowest severity that makes the exit code 1.")
@click.option("--kube-version", metavar="X.Y", help="Kubernetes version to validate against (default: the newest "
              "with bundled schemas).")
@click.option("--strict/--no-strict", default=True, show_default=True,
              help="Report fields the schema does not define (unknown-field).")
@click.option("--context", "contexts", multiple=True, metavar="PATH",
              help="More manifests to resolve cross-object references against (repeatable); no findings "
                   "are reported on them.")
@click.option("--crd", "crds", multiple=True, metavar="PATH",
              help="CustomResourceDefinitions to validate custom resources with (repeatable; not linted).")
@click.option("--nodes", type=click.IntRange(min=0), default=1, show_default=True,
              help="Nodes a DaemonSet runs on, for ResourceQuota totals.")
@click.option("--replicas", "replicas_mode", type=click.Choice(("spec", "max")), default="spec", show_default=True,
              help="Replicas counted for ResourceQuota totals: spec.replicas, or an HPA's maxReplicas.")
@click.option("-v", "--verbose", is_flag=True, help="Show remediation and related objects in text output.")
def lint(paths: tuple[str, ...], fmt: str, outputs: tuple[str, ...], namespace: str, enable: tuple[str, ...],
         disable: tuple[str, ...], fail_on: str, kube_version: str | None, strict: bool,
         contexts: tuple[str, ...], crds: tuple[str, ...], nodes: int, replicas_mode: str,
         verbose: bool) -> None:
    """Lint PATHS (files, directories searched for *.yaml, *.yml and *.json, or - for stdin).

    Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 usage error,
    unreadable input or internal error.
    """
    from .discovery import discover
    from .engine import Engine, LintOptions, default_rule_ids, exit_code
    from .registry import RunSettings

    enabled_ids, disabled_ids = _split(enable), _split(disable)
    _check_rule_ids(enabled_ids, "--enable")
    _check_rule_ids(disabled_ids, "--disable")
    enabled = (default_rule_ids() | set(enabled_ids)) - set(disabled_ids)
    if not strict:
        enabled.discard("unknown-field")
    if kube_version is not None:
        from .validation import UnsupportedVersion, normalize_version

        try:
            kube_version = normalize_version(kube_version)
        except UnsupportedVersion as exc:
            raise click.BadParameter(str(exc), param_hint="--kube-version") from exc

    output, extra = _outputs(outputs)
    found = discover(paths or (".",))
    crd_found = discover(crds)
    context_found = discover(contexts)
    options = LintOptions(namespace=namespace, enabled=enabled, kube_version=kube_version,
                          crd_sources=crd_found.sources, context_sources=context_found.sources,
                          settings=RunSettings(nodes, replicas_mode))
    notices = [*found.notices, *crd_found.notices, *context_found.notices]
    result = Engine(options).run(found.sources, notices)

    for notice in result.notices:
        prefix = "error" if notice.error else "skipped"
        click.echo(f"k8slint: {prefix}: {notice.name}: {notice.message}", err=True)

    stdout_used = False
    for extra_fmt, path in [(fmt, output or "-"), *extra]:
        if path == "-":
            stdout_used = True
            if extra_fmt == "text" and _color(sys.stdout):
                from .reporters.text import write_color

                write_color(result, sys.stdout, verbose)
            else:
                sys.stdout.write(_reporter(extra_fmt).render(result, verbose))
            continue
        try:
            with open(path, "w", encoding="utf-8", errors="replace") as handle:
                handle.write(_reporter(extra_fmt).render(result, verbose))
        except OSError as exc:
            raise click.UsageError(f"cannot write --output {path}: {exc.strerror}") from exc
    if not stdout_used:
        from .reporters.text import summary

        click.echo(summary(result), err=True)
    sys.stdout.flush()
    sys.exit(exit_code(result, fail_on))


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


def _reporter(fmt: str):  # type: ignore[no-untyped-def]
    import importlib

    return importlib.import_module(f".reporters.{fmt}", __package__)


def _color(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


@cli.command("rules")
@click.option("--format", "fmt", type=click.Choice(("text", "json", "markdown")), default="text",
              show_default=True)
def rules_command(fmt: str) -> None:
    """List the rule catalog: id, default severity, enabled by default, summary."""
    from . import (
        checks,  # noqa: F401  (registers the built-in rules)
        ruledocs,
    )

    sys.stdout.write({"json": ruledocs.as_json, "markdown": ruledocs.as_markdown}.get(fmt, ruledocs.as_table)())


def main() -> None:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure:
            reconfigure(errors="replace")
    try:
        cli.main(prog_name="k8slint")
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
    except Exception as exc:  # never a traceback: a bug in k8slint is reported as one, exit 2
        click.echo(f"k8slint: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo("Please report this at https://github.com/k8slint/k8slint/issues", err=True)
        sys.exit(2)
