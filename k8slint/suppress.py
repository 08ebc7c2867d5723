"""Suppressions, recorded rather than dropped: annotations on objects, comments in files.

- `metadata.annotations["k8slint.io/ignore"]: "rule-a,rule-b"` on an object or its pod template,
  with an optional `k8slint.io/ignore-reason`;
- `# k8slint: disable=rule-a` on the line of the finding, `# k8slint: disable-next-line=rule-a` on
  the line before it, `# k8slint: disable-file=rule-a` anywhere in the file.

`all` stands for every rule. A suppressed finding stays in JSON and SARIF, marked, and never counts
for the exit code.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import field
from typing import Any

from .findings import Path
from .model import K8sObject, as_dict, get_in
from .parser import Document
from .records import dataclass

IGNORE = "k8slint.io/ignore"
IGNORE_REASON = "k8slint.io/ignore-reason"
ALL = "all"

# A YAML comment starts with `#` at the start of a line or after white space.
_COMMENT = re.compile(r"(?:^|(?<=[ \t]))#[ \t]*k8slint:[ \t]*(disable|disable-next-line|disable-file)[ \t]*=[ \t]*"
                      r"([A-Za-z0-9_,\t -]+)", re.M)


@dataclass(frozen=True, slots=True)
class Suppression:
    kind: str  # "annotation", "comment" or "baseline"
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "reason": self.reason}

    def to_sarif(self) -> dict[str, Any]:
        return {"kind": "external" if self.kind == "baseline" else "inSource", "status": "accepted",
                "justification": self.reason}


def split_ids(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,]+", text) if part]


@dataclass
class Mention:
    """Where a suppression names a rule id (for unknown-suppression findings)."""

    rule: str
    line: int
    column: int
    path: Path = ()  # inside the object, for annotations
    obj: K8sObject | None = None
    file: str = ""  # for comments


@dataclass
class FileComments:
    lines: dict[int, set[str]] = field(default_factory=dict)  # line -> rules disabled on it
    whole: set[str] = field(default_factory=set)
    mentions: list[Mention] = field(default_factory=list)

    def suppression(self, rule: str, line: int) -> Suppression | None:
        if rule in self.whole or ALL in self.whole:
            return Suppression("comment", "disable-file comment")
        ids = self.lines.get(line, ())
        if rule in ids or ALL in ids:
            return Suppression("comment", f"disable comment at line {line}")
        return None


def parse_comments(text: str, documents: Sequence[Document] = ()) -> FileComments | None:
    """The suppression comments of a text (line breaks normalised to LF by the parser).

    Only real YAML comments count: text that looks like a comment inside a string or a block
    scalar (a shell script in a ConfigMap) is data, and suppresses nothing.
    """
    if "k8slint:" not in text:
        return None  # the common case costs one substring search
    matches = list(_COMMENT.finditer(text))
    if not matches:
        return None
    spans = _scalar_spans(documents)
    starts = [0, *(m.end() for m in re.finditer("\n", text))]
    out = FileComments()
    for match in matches:
        index = match.start()
        if _inside(spans, index):
            continue
        number = bisect_right(starts, index)
        column = index - starts[number - 1] + 1
        kind, ids = match.group(1), split_ids(match.group(2))
        if kind == "disable-file":
            out.whole.update(ids)
        else:
            target = number if kind == "disable" else number + 1
            out.lines.setdefault(target, set()).update(ids)
        out.mentions += [Mention(i, number, column) for i in ids]
    return out


def _scalar_spans(documents: Sequence[Document]) -> list[tuple[int, int]]:
    """(start, end) character offsets of every scalar of the documents, sorted."""
    spans: list[tuple[int, int]] = []
    if all(doc.node is None for doc in documents):
        return spans  # the accelerator leaves texts with suppression comments to the Python path
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode  # (loaded: these documents have nodes)

    for doc in documents:
        if doc.node is None:
            continue
        stack = [doc.node]
        seen: set[int] = set()
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue  # an alias: its nodes were visited where they were defined
            seen.add(id(node))
            cls = node.__class__
            if cls is ScalarNode:
                spans.append((doc.base + node.start_mark.index, doc.base + node.end_mark.index))
            elif cls is MappingNode:
                stack.extend(child for pair in node.value for child in pair)
            elif cls is SequenceNode:
                stack.extend(node.value)
    spans.sort()
    return spans


def _inside(spans: list[tuple[int, int]], index: int) -> bool:
    i = bisect_right(spans, (index, float("inf"))) - 1
    return i >= 0 and spans[i][0] <= index < spans[i][1]


def may_hold_ignore(text: str) -> bool:
    """Whether a file's text can hold the ignore annotation: written out, or its key spelled with an
    escape (`"k8slint.io\\x2Fignore"` in YAML, `k8slint.io\\/ignore` in JSON). Without it no object of
    the file has the annotation, and `annotation_suppressions` need not look (0.03 s of 20,000 objects)."""
    return IGNORE in text or "\\" in text


def annotation_suppressions(obj: K8sObject) -> tuple[dict[str, Suppression], list[Mention]]:
    """Rules suppressed on `obj` by its annotations (and its pod template's)."""
    rules: dict[str, Suppression] = {}
    mentions: list[Mention] = []
    bases: list[Path] = [("metadata",)]
    if obj.pod_template_path is not None and obj.pod_template_path:
        bases.append((*obj.pod_template_path, "metadata"))
    for base in bases:
        annotations = as_dict(get_in(obj.data, (*base, "annotations")))
        value = annotations.get(IGNORE)
        if not isinstance(value, str):
            continue
        reason = annotations.get(IGNORE_REASON)
        reason = reason if isinstance(reason, str) and reason else f"{IGNORE} annotation"
        path = (*base, "annotations", IGNORE)
        line, col = obj.locate(path)
        for rule in split_ids(value):
            rules.setdefault(rule, Suppression("annotation", reason))
            mentions.append(Mention(rule, line, col, path, obj))
    return rules, mentions
