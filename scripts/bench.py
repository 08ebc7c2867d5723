#!/usr/bin/env python3
"""Benchmark k8slint against the parse floor, side by side in one run.

    python scripts/bench.py [--runs 5] [--synthetic 20000,100000] [--no-corpus]

Every measured command runs in its own process, one after the other, `--runs` times; the table
shows medians of wall time, CPU time (user + system) and peak RSS, and the ratios that matter:
k8slint's time over the time PyYAML's C SafeLoader needs just to load the same files (the floor a
Python linter stands on). Absolute seconds depend on the machine and its load; ratios measured in
the same run are what to compare.

Corpora: ../shared/corpus/real (skipped with a message when absent), optional synthetic corpora
made by ../shared/corpus/make_synthetic.py (cached under the system temp folder), and one small
file (the pre-commit case), compared with `python -c "import ruamel.yaml, jsonschema"`.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpus"
SMALL = ROOT / "fixtures" / "examples" / "shop" / "frontend.yaml"

PYYAML_FLOOR = r"""
import sys, yaml
class L(yaml.CSafeLoader): pass
L.add_constructor("tag:yaml.org,2002:value", L.construct_yaml_str)  # the bare "=" scalar
for path in open(sys.argv[1]).read().splitlines():
    with open(path, "rb") as f:
        for _ in yaml.load_all(f, Loader=L): pass
"""

RUAMEL_COMPOSE = r"""
import sys
from ruamel.yaml.cyaml import CSafeLoader
for path in open(sys.argv[1]).read().splitlines():
    with open(path, "rb") as f:
        loader = CSafeLoader(f.read().decode("utf-8-sig"))
        while loader.check_node(): loader.get_node()
        loader.dispose()
"""


@dataclass
class Sample:
    wall: float
    cpu: float
    rss_mb: float
    foreign: float = 0.0  # cores other processes kept busy meanwhile (from /proc/stat)


def busy_seconds() -> float | None:
    """CPU seconds every process of the machine has used so far (None where /proc/stat is absent)."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


FOREIGN: list[float] = []  # every sample's foreign load, for the warning


# Installed packages carry compiled bytecode (pip compiles it); give the working tree the same, so
# start-up is measured as users get it even where PYTHONDONTWRITEBYTECODE is set.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def precompile() -> None:
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "k8slint")], check=True, env=ENV)


def measure(cmd: list[str], env: dict[str, str] | None = None) -> Sample:
    busy_before = busy_seconds()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**ENV, **(env or {})})
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    busy_after = busy_seconds()
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    foreign = 0.0
    if busy_before is not None and busy_after is not None and wall > 0:
        foreign = max(0.0, (busy_after - busy_before - cpu) / wall)
        FOREIGN.append(foreign)
    return Sample(wall, cpu, usage.ru_maxrss / 1024, foreign)


FLOOR = "parse floor: PyYAML C SafeLoader load"


def paired(samples: list[Sample], floors: list[Sample]) -> str:
    """The ratios of each round's run over that round's floor: median (lowest-highest). The machine's
    speed drifts over minutes; a round's two runs are seconds apart, so their ratio carries less of it
    than the ratio of the two medians, which may come from different rounds."""
    ratios = sorted(s.wall / f.wall for s, f in zip(samples, floors, strict=True))
    return f"{statistics.median(ratios):.2f}x ({ratios[0]:.2f}-{ratios[-1]:.2f})"


def median(samples: list[Sample]) -> Sample:
    return Sample(*(statistics.median(getattr(s, f) for s in samples) for f in ("wall", "cpu", "rss_mb", "foreign")))


def manifest_files(root: Path) -> list[str]:
    if root.is_file():
        return [str(root)]
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        out += [os.path.join(dirpath, f) for f in sorted(filenames)
                if not f.startswith(".") and f.lower().endswith((".yaml", ".yml", ".json"))]
    return out


def synthetic(docs: int) -> Path | None:
    script = SHARED / "make_synthetic.py"
    if not script.exists():
        print(f"skipped: synthetic corpus of {docs} documents ({script} not found)")
        return None
    out = Path(tempfile.gettempdir()) / f"k8slint-bench-syn-{docs}"
    if not (out / ".complete").exists():
        print(f"building synthetic corpus of {docs} documents in {out} ...", flush=True)
        subprocess.run([sys.executable, str(script), "--docs", str(docs), "--out", str(out)], check=True)
        (out / ".complete").write_text("ok")
    return out


ACCEL_OFF = "k8slint lint, accelerator off"
#: synthetic corpora of more documents than this get at most 3 runs (one run of the seven commands
#: takes minutes there); smaller ones get --runs, as the noisiest ratios are measured on them
LONG_CORPUS = 50_000
SCHEMA_RULES = "schema-violation,unknown-field,unknown-kind,removed-api-version,deprecated-api-version"


def count_objects(target: Path) -> int:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        pass
    subprocess.run([sys.executable, "-m", "k8slint", "lint", "--format", "json", "--output", out.name,
                    str(target)], capture_output=True)
    import json

    with open(out.name, encoding="utf-8") as handle:
        objects = json.load(handle)["summary"]["objects"]
    os.unlink(out.name)
    return objects


def bench(name: str, target: Path, runs: int, extra: list[str], rows: list[str], peers: bool = False) -> None:
    files = manifest_files(target)
    size = sum(os.path.getsize(f) for f in files) / 1e6
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(files))
    commands: dict[str, list[str]] = {
        FLOOR: [sys.executable, "-c", PYYAML_FLOOR, listing.name],
        "ruamel C compose (nodes with positions)": [sys.executable, "-c", RUAMEL_COMPOSE, listing.name],
        "k8slint lint (default rules)": [sys.executable, "-m", "k8slint", "lint", "--jobs", "1", "--format",
                                         "json", "--output", os.devnull, *extra, str(target)],
        "k8slint lint, default --jobs": [sys.executable, "-m", "k8slint", "lint", "--format", "json",
                                         "--output", os.devnull, *extra, str(target)],
        "k8slint lint, schema validation off": [
            sys.executable, "-m", "k8slint", "lint", "--jobs", "1", "--format", "json", "--output", os.devnull,
            "--disable", SCHEMA_RULES, *extra, str(target)],
        ACCEL_OFF + " (--jobs 1)": [sys.executable, "-m", "k8slint", "lint", "--jobs", "1", "--format", "json",
                                    "--output", os.devnull, *extra, str(target)],
        ACCEL_OFF + ", default --jobs": [sys.executable, "-m", "k8slint", "lint", "--format", "json", "--output",
                                         os.devnull, *extra, str(target)],
    }
    if target.is_file():
        commands["python -c 'import ruamel.yaml, jsonschema'"] = [
            sys.executable, "-c", "import ruamel.yaml, jsonschema"]
    samples: dict[str, list[Sample]] = {k: [] for k in commands}
    for _ in range(runs):  # interleaved, so that load on the machine hits every command alike
        for label, cmd in commands.items():
            samples[label].append(measure(cmd, {"K8SLINT_ACCELERATOR": "0"} if label.startswith(ACCEL_OFF) else None))
    os.unlink(listing.name)
    med = {k: median(v) for k, v in samples.items()}
    kv = Path(sys.executable).parent / "kubernetes-validate"
    if peers and kv.exists():  # slow: one run only
        med["kubernetes-validate --strict (1 run)"] = measure([str(kv), "--strict", "--quiet", "--no-warn", *files])
    if peers and CHECKOV:  # its own virtual environment; the default scan takes minutes: one run
        base = [CHECKOV, "--framework", "kubernetes", "--quiet", "--compact", "-o", "json", "--skip-download",
                "-d", str(target)]
        med["checkov, default checks (1 run)"] = measure(base)
        med["checkov --skip-check CKV2_K8S_* (1 run)"] = measure([*base, "--skip-check", "CKV2_K8S_*"])
    floor = med[FLOOR]
    rows.append(f"\n### {name}: {len(files)} files, {size:.1f} MB, median of {runs} runs\n")
    rows.append("| command | wall s | CPU s | peak RSS MB | wall / parse floor | others' load (cores) |")
    rows.append("|---|---:|---:|---:|---:|---:|")
    for label, m in med.items():
        rows.append(f"| {label} | {m.wall:.2f} | {m.cpu:.2f} | {m.rss_mb:.0f} | {m.wall / floor.wall:.2f}x | "
                    f"{m.foreign:.2f} |")
    lint, off = med["k8slint lint (default rules)"], med["k8slint lint, schema validation off"]
    jobs = med["k8slint lint, default --jobs"]
    rows.append(f"\nk8slint --jobs 1 / parse floor: {lint.wall / floor.wall:.2f}x; default --jobs "
                f"({os.cpu_count()} cores) / parse floor: {jobs.wall / floor.wall:.2f}x; "
                f"--jobs 1 / default --jobs: {lint.wall / jobs.wall:.2f}x")
    if runs > 1:
        each = (("--jobs 1", "k8slint lint (default rules)"), ("default --jobs", "k8slint lint, default --jobs"))
        rows.append("per round (each run over the floor measured seconds before it in the same round; median, "
                    "lowest-highest): " + "; ".join(f"{what} {paired(samples[label], samples[FLOOR])}"
                                                     for what, label in each))
    for peer in ("checkov, default checks (1 run)", "checkov --skip-check CKV2_K8S_* (1 run)"):
        if peer in med:
            rows.append(f"{peer}: {med[peer].wall:.1f} s = {med[peer].wall / jobs.wall:.0f}x k8slint (default --jobs)")
    RESULTS[name] = lint
    parse_cost = med["ruamel C compose (nodes with positions)"]
    rows.append(f"\nschema validation cost: {lint.wall - off.wall:.2f} s wall "
                f"({(lint.wall - off.wall) / parse_cost.wall:.2f}x the C compose of the same files)")
    if "kubernetes-validate --strict (1 run)" in med:
        docs = count_objects(target)
        kv_ms = med["kubernetes-validate --strict (1 run)"].wall / docs * 1000
        ours = (lint.wall - off.wall) / docs * 1000
        rows.append(f"per document ({docs} objects): kubernetes-validate CLI {kv_ms:.2f} ms (whole run), "
                    f"k8slint schema validation {ours:.3f} ms, whole k8slint lint {lint.wall / docs * 1000:.2f} ms")
    if "python -c 'import ruamel.yaml, jsonschema'" in med:
        imp = med["python -c 'import ruamel.yaml, jsonschema'"]
        lint = med["k8slint lint (default rules)"]
        rows.append(f"\nk8slint on one small file / importing ruamel.yaml and jsonschema: "
                    f"{lint.wall / imp.wall:.2f}x")


RENDERING = ROOT / "fixtures" / "rendering" / "repo"

UNIT_TIMES = r"""
import json, sys, time
from k8slint import config, units
from k8slint.discovery import discover
from k8slint.settings import resolve
settings = resolve(config.load(None), {"jobs": 1})
for target in sys.argv[1:]:
    found = discover([target])
    start = time.perf_counter()
    planned, _, _ = units.plan(found, settings)
    total = time.perf_counter() - start
    for unit in planned[1:]:
        print(json.dumps({"target": target, "unit": unit.name, "seconds": unit.seconds,
                          "documents": sum(s.text.count("\n---") + 1 for s in unit.sources if s.text)}))
"""


def bench_rendering(runs: int, rows: list[str]) -> None:
    """What rendering charts and overlays costs beside linting (the repository-shaped fixture)."""
    probe = subprocess.run([sys.executable, "-c", "from k8slint.render import helm, kustomize; "
                            "print(helm.backend() is not None, kustomize.builder() is not None)"],
                           capture_output=True, text=True, cwd=RENDERING, env=ENV)
    if probe.stdout.split() != ["True", "True"]:
        rows.append("\nskipped: rendering (needs the helm and kustomize extras: pip install -e '.[test]')")
        return
    lint = [sys.executable, "-m", "k8slint", "lint", "--jobs", "1", "--format", "json", "--output", os.devnull]
    commands = {
        "k8slint lint . (chart x2 value sets, overlay, plain files)": [*lint, "."],
        "k8slint lint --no-render . (plain files only)": [*lint, "--no-render", "."],
        "k8slint lint charts/web (2 renders)": [*lint, "charts/web"],
        "k8slint lint deploy/overlays/prod (1 build)": [*lint, "deploy/overlays/prod"],
    }
    samples: dict[str, list[Sample]] = {k: [] for k in commands}
    old = os.getcwd()
    os.chdir(RENDERING)
    try:
        for _ in range(runs):
            for label, cmd in commands.items():
                samples[label].append(measure(cmd))
        units = subprocess.run([sys.executable, "-c", UNIT_TIMES, "charts/web", "deploy/overlays/prod"],
                               capture_output=True, text=True, env=ENV, check=True).stdout
    finally:
        os.chdir(old)
    med = {k: median(v) for k, v in samples.items()}
    rows.append(f"\n### rendering: fixtures/rendering/repo, median of {runs} runs\n")
    rows.append("| command | wall s | CPU s | peak RSS MB |")
    rows.append("|---|---:|---:|---:|")
    for label, m in med.items():
        rows.append(f"| {label} | {m.wall:.2f} | {m.cpu:.2f} | {m.rss_mb:.0f} |")
    full, plain = med["k8slint lint . (chart x2 value sets, overlay, plain files)"], \
        med["k8slint lint --no-render . (plain files only)"]
    rows.append(f"\nrendering and mapping cost in the whole run: {full.wall - plain.wall:.2f} s wall")
    import json

    for line in units.splitlines():
        entry = json.loads(line)
        rows.append(f"- {entry['unit']}: render {entry['seconds'] * 1000:.0f} ms, {entry['documents']} documents")


RESULTS: dict[str, Sample] = {}
CHECKOV: str | None = None


def main() -> None:
    global CHECKOV
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--synthetic", default="", help="comma-separated document counts, e.g. 20000,100000")
    parser.add_argument("--no-corpus", action="store_true", help="skip ../shared/corpus/real")
    parser.add_argument("--no-rendering", action="store_true", help="skip the chart and overlay rendering section")
    parser.add_argument("--checkov", metavar="PATH",
                        help="checkov executable (installed in its own virtual environment) to compare against")
    args = parser.parse_args()
    CHECKOV = args.checkov

    precompile()
    sys.path.insert(0, str(ROOT))
    from k8slint.parser import accelerated

    rows = [f"k8slint benchmark, {time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, "
            f"{platform.machine()}, {os.cpu_count()} CPUs, C accelerator: {'built' if accelerated() else 'absent'}"]
    real = SHARED / "real"
    if args.no_corpus:
        pass
    elif real.is_dir():
        bench("../shared/corpus/real", real, args.runs, [], rows, peers=True)
    else:
        print(f"skipped: real corpus ({real} not found)")
    for docs in filter(None, args.synthetic.split(",")):
        path = synthetic(int(docs))
        if path:
            runs = args.runs if int(docs) <= LONG_CORPUS else max(1, min(args.runs, 3))
            bench(f"synthetic, {docs} documents", path, runs, [], rows)
    bench("one small file (pre-commit)", SMALL, args.runs, [], rows)
    if not args.no_rendering:
        bench_rendering(args.runs, rows)
    small = [k for k in RESULTS if k.startswith("synthetic")]
    if len(small) == 2:
        a, b = (RESULTS[k] for k in small)
        rows.append(f"\ngrowth: {small[1]} / {small[0]}: time {b.wall / a.wall:.2f}x, peak RSS "
                    f"{a.rss_mb:.0f} MB -> {b.rss_mb:.0f} MB")
    if FOREIGN:
        load = statistics.median(FOREIGN)
        rows.append(f"\nother processes kept {load:.2f} cores busy during the median sample (max "
                    f"{max(FOREIGN):.2f})")
        if load > 0.25:
            rows.append("warning: the machine was busy; the default --jobs figures and the ratios are unreliable: "
                        "measure again when it is idle")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
