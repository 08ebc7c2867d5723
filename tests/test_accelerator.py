"""The optional C accelerator (k8slint/_yamlc.c) against the Python parser, the reference: the same
documents (values and types), the same position for every path, the same problems; and the same
reports whether it is there or not."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from k8slint import parser
from k8slint.parser import decode_documents, parse

from .helpers import CORPUS, FIXTURES, ROOT

needs_accelerator = pytest.mark.skipif(not parser.accelerated(), reason=(
    "the C accelerator is not built here (no compiler at install time, or K8SLINT_ACCELERATOR=0): the Python "
    "parser runs alone"))


def _same(a: Any, b: Any) -> bool:
    """Equal values of equal types (True is not 1, 1.0 is not 1), NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a key or an item, and one missing step below each container."""
    yield prefix
    if isinstance(value, dict):
        yield (*prefix, "\0missing")
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        yield (*prefix, len(value))
        for i, item in enumerate(value):
            yield from _paths(item, (*prefix, i))


def _flat(tree: Any) -> list[Any]:
    """A node tree of parser.node_tree as a flat list, without recursion (documents nest deep), a node
    reached again (an alias) as the number of its first visit (an alias bomb is not expanded)."""
    out: list[Any] = []
    seen: dict[int, int] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            out.append(("alias", seen[id(node)]))
            continue
        seen[id(node)] = len(out)
        if node is None or node[0] == parser.SCALAR:
            out.append(node)
            continue
        children = [n for pair in node[4] for n in pair] if node[0] == parser.MAPPING else node[4]
        out.append((*node[:4], len(node[4])))
        stack.extend(reversed(children))
    return out


def compare(text: str, name: str = "x.yaml") -> bool:
    """Assert that both parsers agree on `text`; True when the accelerator took it (no fallback). With
    spans (k8slint fix), the accelerator's node trees are the Python path's, offset for offset."""
    fast, slow = parse(text, name), parse(text, name, accelerate=False)
    assert [(p.rule, p.line, p.column, p.message) for p in fast.problems] == \
        [(p.rule, p.line, p.column, p.message) for p in slow.problems], name
    assert len(fast.documents) == len(slow.documents), name
    for a, b in zip(fast.documents, slow.documents, strict=True):
        assert a.index == b.index and _same(a.data, b.data), name
        for path in _paths(b.data):
            assert a.locate(path) == b.locate(path), (name, path)
    spanned = parse(text, name, spans=True)
    assert len(spanned.documents) == len(slow.documents), name
    for a, b in zip(spanned.documents, slow.documents, strict=True):
        assert a.index == b.index and _same(a.data, b.data), name
        assert (a.spans is not None) == (a.node is None), name  # from the accelerator, or the Python path's nodes
        assert _flat(parser.node_tree(a)) == _flat(parser.node_tree(b)), name
    return any(d.node is None for d in fast.documents)


def _texts(folder: Path) -> Iterator[tuple[str, str]]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in (".yaml", ".yml", ".json"):
            text = decode_documents(path.read_bytes()).text
            if text is not None:
                yield str(path), text


@needs_accelerator
def test_short_values_are_shared_long_ones_are_not() -> None:
    """Values up to 64 characters come from the interned strings (a large run keeps many `TCP`s)."""
    long = "x" * 65
    text = "".join(f"- {{protocol: TCP, name: web, note: {long}}}\n" for _ in range(2))
    first, second = parse(text, "x.yaml").documents[0].data
    assert first["protocol"] is second["protocol"] and first["name"] is second["name"]
    assert first["note"] == second["note"] and first["note"] is not second["note"]
    assert _same(first, parse(text, "x.yaml", accelerate=False).documents[0].data[0])


@needs_accelerator
def test_fixtures_and_hostile_inputs_agree() -> None:
    taken = sum(compare(text, name) for name, text in _texts(FIXTURES))
    assert taken > 200  # most fixtures take the fast path; the unusual ones (hostile inputs) fall back


@needs_accelerator
@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"real-world corpus not found at {CORPUS}")
def test_real_corpus_agrees() -> None:
    taken = sum(compare(text, name) for name, text in _texts(CORPUS))
    assert taken > 1000


TORTURE = [
    # YAML 1.1 scalars as Kubernetes reads them, numbers in every base, specials
    "a: [yes, Yes, YES, y, Y, on, On, no, n, off, true, false, TRUE, ~, null, Null, NULL, '', =]\n",
    "n: [0, 00, 012, 0o17, 0x1F, 0b101, -0x1, +12, 1_000, 1e3, 1.5, .5, -.inf, .NaN, .nan, 08, 09.5, 1:20]\n",
    "big: [18446744073709551615, 18446744073709551616, -9223372036854775808, 9999999999999999999999]\n",
    "s: ['yes', \"no\", |\n  text\n  more\n, >\n  folded\n  text\n]\n",
    "tagged: !!str yes\nother: !!int '42'\nfloat: !!float 1\nbool: !!bool on\n",
    "anchor: &a {x: 1}\nalias: *a\n",
    "base: &b {x: 1, y: 2}\nmerged:\n  <<: *b\n  y: 3\n",
    "? [complex, key]\n: value\n",
    "dup: 1\ndup: 2\nnested: {k: 1, k: 2, k: 3}\n",
    "apiVersion: v1\nkind: A\nmetadata: {name: a}\napiVersion: v1\nkind: B\n",
    "---\n---\n# only a comment\n---\na: 1\n...\n---\n- x\n",
    "\ufeffa: 1\n",
    "key: \"\\u00e9\\t\\x41\"\nunicode: héllo wörld ✓\n",
    "flow: {image: busybox:1.36, list: [a:b, c]}\n",
    "deep: " + "[" * 50 + "]" * 50 + "\n",
    "broken: [unclosed\n",
    "bad:\n\tindent: tab\n",
    "long_key_" + "x" * 1000 + ": v\n",
    "a:\n  b:\n    c: [1, {d: e}]\n  f: !custom {g: h}\n",
    "x: 1\n" * 40 + "y: [" + ", ".join(str(i) for i in range(100)) + "]\n",
    "items:\n" + "".join(f"  k{i}: {i}\n" for i in range(30)) + "  k5: again\n",
    "null_key: {~: a, null: b}\nempty: \nquoted_key: {'a': 1, \"b\": 2}\n",
    "ws: '  spaced  '\nmultiline: first\n  second\n",
    "%YAML 1.1\n---\na: 1\n",
    "a: b\n\x00c: d\n",
    # repeated keys whose values are one object (a singleton, a shared short string, a remembered number)
    "same: x\nsame: x\nn: null\nn: null\ni: 1\ni: 1\nt: true\nt: true\nm: {k: v, k: v}\n",
    # one text as a plain value, a quoted value and keys (the accelerator remembers short scalars)
    "plain: 1\nquoted: '1'\n'1': quoted key\n1: plain key\nyes: [yes, 'yes', \"yes\", !!str yes]\nx: [0x1F, '0x1F']\n",
]


@needs_accelerator
@pytest.mark.parametrize("text", TORTURE, ids=range(len(TORTURE)))
def test_torture_texts_agree(text: str) -> None:
    compare(text)


@needs_accelerator
def test_remembered_scalars_are_the_resolver_s_own() -> None:
    """The accelerator remembers short scalars across calls; a call with another resolver (the Python
    resolver of plain scalars it is given) reads them anew."""
    compose = parser._ACCELERATOR.compose  # type: ignore[union-attr]
    text = "a: 1\nb: yes\nc: 1.5\n"
    assert compose(text, parser._plain)[0][0] == {"a": 1, "b": True, "c": 1.5}
    assert compose(text, lambda s: f"read {s}")[0][0] == {"a": "read 1", "b": True, "c": "read 1.5"}
    assert compose(text, parser._plain)[0][0] == {"a": 1, "b": True, "c": 1.5}


_SCALARS = st.one_of(
    st.sampled_from(["yes", "no", "on", "off", "y", "n", "true", "~", "null", "", "0x1F", "012", "1e3", ".inf", "=",
                     "1_000", "08", "-0", "+1", "3.", "1:20", "a: b", "- x", "#c", "'q'", '"d"', "é", "\\", "@x"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.integers(), st.floats(allow_nan=False), st.booleans(), st.none(),
)
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=25)


@needs_accelerator
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_VALUES, flow=st.booleans(), width=st.integers(min_value=20, max_value=200))
def test_generated_yaml_agrees(value: Any, flow: bool, width: int) -> None:
    yaml = pytest.importorskip("yaml")
    text = yaml.safe_dump({"root": value, "second": [value]}, default_flow_style=flow, width=width,
                          allow_unicode=True)
    compare(text)


def _report(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run([sys.executable, "-m", "k8slint", "lint", "--format", "json", *args],
                            capture_output=True, text=True, env={**os.environ, **env}, cwd=ROOT)
    assert result.returncode in (0, 1), result.stderr
    return result.stdout


def test_reports_identical_with_and_without_accelerator_and_workers(tmp_path: Path) -> None:
    """The fixtures' report, byte for byte, whatever the parser and the number of processes."""
    paths = [str(p) for p in sorted(FIXTURES.iterdir()) if p.is_dir() and p.name not in ("hostile", "rendering")]
    reports = {(accel, jobs): _report(["--jobs", jobs, *paths], {"K8SLINT_ACCELERATOR": accel})
               for accel in ("1", "0") for jobs in ("1", "2")}
    first = reports[("1", "1")]
    assert json.loads(first)["summary"]["objects"] > 300
    assert all(report == first for report in reports.values())


def _asan_runtime() -> str | None:
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        return None
    found = subprocess.run([compiler, "-print-file-name=libasan.so"], capture_output=True, text=True).stdout.strip()
    return found if found and os.path.isabs(found) and os.path.exists(found) else None


@pytest.mark.slow
@pytest.mark.skipif(_asan_runtime() is None, reason="no C compiler with AddressSanitizer on this machine")
def test_accelerator_under_address_sanitizer(tmp_path: Path) -> None:
    """The extension built with AddressSanitizer parses the fixtures, the hostile corpus, the torture texts
    and a sample of the real corpus without a memory error, and agrees with the Python parser."""
    compiler = shutil.which("gcc") or shutil.which("cc")
    assert compiler is not None
    include = sysconfig.get_paths()["include"]
    vendor = ROOT / "vendor" / "libyaml"
    package = tmp_path / "k8slint"
    shutil.copytree(ROOT / "k8slint", package, ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    sources = [str(ROOT / "k8slint" / "_yamlc.c"), *(str(vendor / f) for f in ("api.c", "reader.c", "scanner.c",
                                                                                   "parser.c"))]
    subprocess.run([compiler, "-shared", "-fPIC", "-g", "-O1", "-fsanitize=address", "-fno-omit-frame-pointer",
                    "-DYAML_DECLARE_STATIC", "-DHAVE_CONFIG_H", f"-I{vendor}", f"-I{include}", *sources,
                    "-o", str(package / f"_yamlc{suffix}")], check=True)
    script = tmp_path / "run.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        f"sys.path.insert(1, {str(ROOT)!r})\n"
        "import k8slint.parser as p\n"
        "assert p.accelerated() and p._ACCELERATOR.__file__.startswith(sys.path[0])\n"
        "from tests import test_accelerator as t\n"
        "taken = 0\n"
        "for name, text in t._texts(t.FIXTURES):\n"
        "    taken += t.compare(text, name)\n"
        "for text in t.TORTURE:\n"
        "    t.compare(text)\n"
        "if t.CORPUS.is_dir():\n"
        "    for i, (name, text) in enumerate(t._texts(t.CORPUS)):\n"
        "        if i % 5 == 0:\n"
        "            t.compare(text, name)\n"
        "print('ok', taken)\n")
    env = {**os.environ, "LD_PRELOAD": _asan_runtime() or "", "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=1",
           "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}", "K8SLINT_ACCELERATOR": "1"}
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr[-3000:]


def test_installation_without_a_compiler_still_succeeds(tmp_path: Path) -> None:
    """setup.py skips the accelerator, with a warning, where it cannot be compiled (CC=false): the
    installation goes on and k8slint runs the Python parser."""
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "vendor", tmp_path / "vendor")
    (tmp_path / "k8slint").mkdir()
    shutil.copy(ROOT / "k8slint" / "_yamlc.c", tmp_path / "k8slint" / "_yamlc.c")
    env = {**os.environ, "CC": "false", "LDSHARED": "false"}
    result = subprocess.run([sys.executable, "setup.py", "build_ext", "--build-lib", str(tmp_path / "out")],
                            capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "C accelerator was not built" in result.stderr
    assert not list((tmp_path / "out").rglob("_yamlc*"))
