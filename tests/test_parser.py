"""Parser: positions, recovery, YAML 1.1 scalars, encodings, limits."""

from __future__ import annotations

import pytest

from k8slint.parser import MAX_DEPTH, decode, parse


def one(text: str):
    result = parse(text, "t.yaml")
    assert len(result.documents) == 1, result
    return result.documents[0], result.problems


DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx
          ports:
            - containerPort: 80
              name: http
"""


def test_key_item_and_missing_field_positions() -> None:
    doc, _ = one(DEPLOY)
    containers = ("spec", "template", "spec", "containers")
    assert doc.locate(("kind",)) == (2, 1)
    assert doc.locate((*containers,)) == (8, 7)
    assert doc.locate((*containers, 0)) == (9, 11)  # the item: where its first key starts
    assert doc.locate((*containers, 0, "image")) == (10, 11)
    assert doc.locate((*containers, 0, "ports", 0, "name")) == (13, 15)
    # a missing field points at its nearest existing ancestor: the container item
    assert doc.locate((*containers, 0, "livenessProbe", "httpGet")) == (9, 11)
    assert doc.locate(()) == (1, 1)


def test_crlf_and_bom_give_the_same_positions_as_lf() -> None:
    lf, _ = one(DEPLOY)
    text, problem = decode(b"\xef\xbb\xbf" + DEPLOY.replace("\n", "\r\n").encode())
    assert problem is None
    crlf, _ = one(text)
    path = ("spec", "template", "spec", "containers", 0, "ports", 0, "name")
    assert crlf.locate(path) == lf.locate(path) == (13, 15)
    assert crlf.data == lf.data


def test_utf16_with_bom() -> None:
    text, problem = decode(DEPLOY.encode("utf-16"))
    assert problem is None and one(text)[0].data["kind"] == "Deployment"


def test_invalid_utf8_and_binary_are_problems_with_positions() -> None:
    _, problem = decode(b"a: 1\nb: caf\xe9\n")
    assert problem and problem.rule == "yaml-syntax-error" and (problem.line, problem.column) == (2, 7)
    assert "UTF-8" in problem.message
    _, problem = decode(b"\x7fELF\x00\x00\x01")
    assert problem and "binary" in problem.message


def test_yaml_11_scalars_resolve_like_kubernetes() -> None:
    doc, problems = one("a: yes\nb: 'yes'\nc: 0777\nd: =\ne: 0x1f\nf: 1_000\ng: ~\nh: 2001-12-14\n"
                        "i: on\nj: 1.5\nk: !!python/object/apply:os.system [echo pwned]\n")
    assert not problems
    d = doc.data
    assert d["a"] is True and d["b"] == "yes" and d["c"] == 0o777 and d["d"] == "="
    assert d["e"] == 31 and d["f"] == 1000 and d["g"] is None and d["h"] == "2001-12-14"
    assert d["i"] is True and d["j"] == 1.5
    assert d["k"] == ["echo pwned"]  # unknown tags construct nothing


def test_duplicate_keys_are_reported_and_the_last_value_wins() -> None:
    doc, problems = one("a: 1\nb:\n  c: 2\n  c: 3\n")
    assert doc.data == {"a": 1, "b": {"c": 3}}
    assert [(p.rule, p.line, p.column) for p in problems] == [("duplicate-key", 4, 3)]
    assert "first at line 3" in problems[0].message
    assert doc.locate(("b", "c")) == (4, 3)  # the value we kept


def test_broken_document_does_not_hide_its_neighbours() -> None:
    text = "kind: A\n---\nkind: B\nx: [1, 2\n---\nkind: C\n"
    result = parse(text, "t.yaml")
    assert [d.data["kind"] for d in result.documents] == ["A", "C"]
    assert result.documents[1].locate(("kind",)) == (6, 1)
    assert [(p.rule, p.line) for p in result.problems] == [("yaml-syntax-error", 4)]


def test_tab_indentation_message() -> None:
    result = parse("a:\n\tb: 1\n", "t.yaml")
    assert [(p.line, p.column) for p in result.problems] == [(2, 1)]
    assert "tab" in result.problems[0].message


def test_empty_and_comment_only_documents_are_ignored() -> None:
    result = parse("---\n# nothing\n---\n---\n{}\n---\nkind: A\n", "t.yaml")
    assert [d.data for d in result.documents] == [{}, {"kind": "A"}]
    assert not result.problems


def _lol(levels: int) -> str:
    return "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(levels))


def test_aliases_are_shared_not_expanded() -> None:
    doc, problems = one(_lol(4))  # 10**5 leaves if expanded: allowed, and shared
    assert not problems
    assert doc.data["e"][0] is doc.data["e"][1]


def test_alias_bomb_is_refused_before_expansion() -> None:
    import time

    start = time.perf_counter()
    result = parse(_lol(8) + "---\nkind: After\n", "t.yaml")  # 10**9 leaves if expanded
    assert time.perf_counter() - start < 2
    assert [p.rule for p in result.problems] == ["input-too-large"]
    assert [d.data for d in result.documents] == [{"kind": "After"}]


def test_merge_keys() -> None:
    doc, _ = one("base: &b {x: 1, y: 2}\nobj:\n  <<: *b\n  y: 3\n")
    assert doc.data["obj"] == {"x": 1, "y": 3}


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 10_000, 200_000])
def test_deep_nesting_is_a_problem_not_a_crash(depth: int) -> None:
    result = parse("a: " + "[" * depth + "]" * depth + "\n---\nkind: B\n", "t.yaml")
    assert [d.data for d in result.documents] == [{"kind": "B"}]
    assert any("nesting deeper" in p.message for p in result.problems)


def test_json_input() -> None:
    doc, problems = one('{\n\t"apiVersion": "v1",\n\t"kind": "ConfigMap",\n\t"data": {"a": "b"}\n}\n')
    assert not problems and doc.data["kind"] == "ConfigMap"
    assert doc.locate(("data", "a")) == (4, 11)


def test_colons_inside_flow_scalars_as_kubectl_reads_them() -> None:
    """go-yaml (kubectl 1.37 `label --local -f` prints `image: busybox:1.36`) accepts a ':' followed by a
    non-space inside a plain scalar of a flow collection; libyaml alone refuses it."""
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: busybox:1.36}]\n"
    result = parse(text, "p.yaml")
    assert not result.problems
    assert result.documents[0].data["spec"]["containers"][0]["image"] == "busybox:1.36"
    assert result.documents[0].locate(("spec", "containers", 0, "image")) == (5, 26)  # the key, as ever
    broken = parse("a: {b: x:1\n", "b.yaml")  # still a syntax error: the mapping is never closed
    assert [p.rule for p in broken.problems] == ["yaml-syntax-error"]
