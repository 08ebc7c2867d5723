"""Automatic fixes: what a rule proposes (an intent on the data), where it lands in the text (edits),
and applying them without breaking a file.

A rule that knows the remedy attaches a `FixIntent` to its violation: operations on the document's
data (quote this scalar, rename this key, set this value, add this entry) or, for problems of the text
itself, on its lines (separate two pasted documents, expand a tab). `resolve` turns the intents of
one file into text edits on the file's own tokens: the value's span, the key's span, a new line
indented like its siblings. Everything the edit does not cover keeps its bytes: comments, quoting,
blank lines, key order, line endings.

`apply` splices the edits of one round and checks the result: the fixed text must parse, and the data
of every document must be the original data with exactly the intended changes (for text-level fixes:
the problem gone and nothing else broken). Anything else leaves the text as it was, with a reason.
An intent whose target cannot be found as a plain literal (an alias, a merge key, a tagged or block
scalar, a flow mapping where a line is needed, a rendered template) yields no fix.
"""

from __future__ import annotations

import bisect
import copy
import json
import re
from typing import Any

from .findings import Finding, FixIntent, Op, Path
from .model import get_in
from .parser import MAPPING, SCALAR, SEQUENCE, Document, _plain, node_tree, parse
from .records import dataclass

#: A node of `parser.node_tree`: (kind, start, end, style or flow, text or children).
Node = tuple[Any, ...]
_KIND, _START, _END, _STYLE, _VALUE = range(5)

#: Line-level fixes (the text does not parse as intended yet): applied in a round of their own.
TEXT_OPS = frozenset({"separate", "expand-tabs"})

#: At most this many lint-and-fix rounds (fixes that overlap wait for the next round).
MAX_ROUNDS = 10

_TAB_STOP = 8  # how git, GitHub, less and terminals show a tab
_MARKER = re.compile(r"(?:---|\.\.\.)(?:[ \t]|\Z)")
_TOP_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*:(?:[ \t]|\Z)")
_BLOCK_SCALAR = re.compile(r"(?:^|[:\-][ \t]+)[|>][-+0-9]*[ \t]*(?:#.*)?\Z")
_MAX_TAB_LINES = 200


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text from (line, column) to (end_line, end_column), 1-based, end exclusive, with `text`."""

    line: int
    column: int
    end_line: int
    end_column: int
    text: str
    start: int  # character offsets in the LF-normalised text
    end: int

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "endLine": self.end_line,
                "endColumn": self.end_column, "text": self.text}


@dataclass(frozen=True, slots=True)
class Fix:
    description: str
    safe: bool
    edits: tuple[Edit, ...]
    document: int  # index of the document the ops apply to (-1: text-level)
    ops: tuple[Op, ...]

    @property
    def applicability(self) -> str:
        return "safe" if self.safe else "unsafe"

    @property
    def text_level(self) -> bool:
        return any(op.kind in TEXT_OPS for op in self.ops)

    def to_json(self) -> dict[str, Any]:
        return {"description": self.description, "applicability": self.applicability,
                "edits": [e.to_json() for e in self.edits]}


class _NoFix(Exception):
    """The intent has no plain literal to edit: no fix is offered."""


# --- writing YAML tokens ------------------------------------------------------------------------

#: Strings written without quotes: a letter first (no number, date or time any YAML reader could
#: take it for), then letters, digits and `_./-`, and read back as the same string.
_SAFE_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./-]*\Z")


def plain_or_quoted(value: Any, json_style: bool = False) -> str:
    """A scalar as a YAML token that reads back as `value` (plain when it can be, else JSON; always
    JSON in a JSON file)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and not json_style and _SAFE_PLAIN.match(value) and _plain(value) == value:
        return value
    return json.dumps(value, ensure_ascii=False)


def flow(value: Any, json_style: bool = False) -> str:
    """Data as a one-line YAML flow value (JSON in a JSON file)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{plain_or_quoted(str(k), json_style)}: {flow(v, json_style)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v, json_style) for v in value) + "]"
    if value is None:
        return "null"
    return plain_or_quoted(value, json_style)


def quoted(token: str) -> str:
    """A plain scalar's characters as a quoted scalar (double quotes unless it holds `"` or `\\`)."""
    if '"' not in token and "\\" not in token:
        return f'"{token}"'
    return "'" + token.replace("'", "''") + "'"


# --- resolving intents into edits ---------------------------------------------------------------


class _Lines:
    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def position(self, index: int) -> tuple[int, int]:
        from bisect import bisect_right

        line = bisect_right(self.starts, index)
        return line, index - self.starts[line - 1] + 1

    def start_of(self, line: int) -> int:
        return self.starts[line - 1] if 0 < line <= len(self.starts) else -1

    def line_text(self, line: int) -> str:
        start = self.start_of(line)
        end = self.text.find("\n", start)
        return self.text[start:] if end < 0 else self.text[start:end]

    def edit(self, start: int, end: int, text: str) -> Edit:
        line, col = self.position(start)
        end_line, end_col = self.position(end)
        return Edit(line, col, end_line, end_col, text, start, end)


def resolve_all(findings: list[Finding], text: str) -> None:
    """The fix of each finding from its intent, on `text` (the text of the file the findings are
    in); the intent is spent (None) once resolved, so that nothing resolves it again."""
    resolver = Resolver(text)
    for finding in findings:
        document, base, intent = finding.intent
        finding.fix = resolver.resolve(document, base, intent)
        finding.intent = None


class Resolver:
    """Edits for the intents of one file's text (parsed once, with node spans: every key's and value's
    span; through the accelerator where it can, which was 0.25 s of a 20,000-object run in ruamel.yaml)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = _Lines(text)
        self.documents: list[Document] = parse(text, "<fix>", spans=True).documents
        self._trees: dict[int, Node | None] = {}  # per document: its node tree
        self._shared: dict[int, set[int]] = {}  # per document: nodes reached more than once (aliases)
        self.json = text.lstrip().startswith(("{", "["))  # a JSON file gets JSON text
        self._by_key: dict[int, dict[str, list[tuple[Node, Node]]]] = {}

    def _tree(self, doc: Document) -> Node | None:
        if doc.index not in self._trees:
            self._trees[doc.index] = node_tree(doc)
        return self._trees[doc.index]

    def resolve(self, document: int, base: Path, intent: FixIntent) -> Fix | None:
        try:
            edits: list[Edit] = []
            ops = []
            for op in intent.ops:
                op = Op(op.kind, (*base, *op.path), op.value, op.text, op.old, op.line)
                more, op = self._edits(document, op)
                edits += more
                ops.append(op)
        except (_NoFix, LookupError, TypeError, ValueError):  # no plain literal there: no fix
            return None
        description = intent.description
        if intent.ops[0].kind == "quote":  # the token is known only here
            description += ": " + ", ".join(e.text for e in edits)
        edits.sort(key=lambda e: e.start)
        if not edits or any(a.end > b.start for a, b in zip(edits, edits[1:], strict=False)):
            return None
        return Fix(description, intent.safe, tuple(edits), document, tuple(ops))

    # each op's edits (and the op as the data sees it) -----------------------------------------

    def _edits(self, document: int, op: Op) -> tuple[list[Edit], Op]:
        if op.kind == "separate":
            return [self._separate(op.line)], op
        if op.kind == "expand-tabs":
            return self._expand(op.line), op
        doc = self.documents[document] if 0 <= document < len(self.documents) else None
        if doc is None or self._tree(doc) is None:
            raise _NoFix
        if op.kind == "insert":
            return [self._insert(doc, op)], op
        if op.kind == "rewrite":
            return [self._rewrite(doc, op)], op
        parent, key_node, node = self._walk(doc, op.path)
        if op.kind == "rename":
            keys = self._pairs(parent) if parent is not None and parent[_KIND] == MAPPING else {op.value: []}
            if key_node is None or op.value in keys or "<<" in keys or self._token(key_node)[:1] in ("&", "!"):
                raise _NoFix  # taken, perhaps through a merge key; or an anchored or tagged key
            return [self._replace(key_node, _key_token(op.value, key_node, self.json))], op
        if node[_KIND] != SCALAR or node[_STYLE] in ("|", ">"):
            raise _NoFix
        current = get_in(doc.data, op.path)  # None where the data has no such path: then no fix below
        token = self._token(node)
        if token[:1] in ("&", "!"):
            raise _NoFix  # an anchor or a tag: not a plain literal
        end = node[_END]
        after = self.text[end:end + 1]
        if after not in ("", " ", "\t", "\n", ",", "]", "}"):
            raise _NoFix  # `"3"#x`: unquoted, the next characters would join the value
        if op.kind == "quote":
            plain = node[_STYLE] == "" and token and "\n" not in token
            if not plain or isinstance(current, str) or current is None:
                raise _NoFix
            return [self._replace(node, quoted(token))], Op("set", op.path, token, old=current)
        if op.kind == "unquote":
            text = op.text if op.text is not None else node[_VALUE]
            if node[_STYLE] not in ('"', "'") or not isinstance(current, str):
                raise _NoFix
            read = _plain(text)
            if read != op.value or type(read) is not type(op.value):
                raise _NoFix
            return [self._replace(node, text)], Op("set", op.path, op.value, old=current)
        if op.kind == "set":
            if current != op.old or type(current) is not type(op.old):
                raise _NoFix
            text = op.text if op.text is not None else plain_or_quoted(op.value, self.json)
            if node[_STYLE] == "'" and isinstance(op.value, str):  # the quotes the author chose
                text = "'" + op.value.replace("'", "''") + "'"
            elif node[_STYLE] == '"' and isinstance(op.value, str):
                text = json.dumps(op.value, ensure_ascii=False)
            return [self._replace(node, text)], op
        raise _NoFix

    def _aliased(self, doc: Document) -> set[int]:
        """Nodes an alias reaches (the composer gives an alias the anchored node itself)."""
        found = self._shared.get(doc.index)
        if found is None:
            seen: set[int] = set()
            found = self._shared[doc.index] = set()
            # no anchor in the text (no `&`), no alias: nothing to walk (the walk took 0.04 s of a 20,000-object run)
            root = self._tree(doc)
            stack: list[Node] = [root] if root is not None and "&" in self.text else []
            while stack:
                node = stack.pop()
                if id(node) in seen:
                    found.add(id(node))
                    continue
                seen.add(id(node))
                if node[_KIND] == MAPPING:
                    stack += [n for pair in node[_VALUE] for n in pair]
                elif node[_KIND] == SEQUENCE:
                    stack += node[_VALUE]
        return found

    def _walk(self, doc: Document, path: Path) -> tuple[Node | None, Node | None, Node]:
        node: Node = self._tree(doc)  # type: ignore[assignment]  # (_edits checked it)
        parent: Node | None = None
        key_node: Node | None = None
        aliased = self._aliased(doc)
        for elem in path:
            if id(node) in aliased:
                raise _NoFix  # editing it would change what its aliases read too
            if node[_KIND] == MAPPING and isinstance(elem, str) and elem != "<<":
                pairs = self._pairs(node).get(elem, [])
                if len(pairs) != 1:
                    raise _NoFix  # missing (a merged key) or duplicated
                parent, (key_node, node) = node, pairs[0]
            elif node[_KIND] == SEQUENCE and isinstance(elem, int) and 0 <= elem < len(node[_VALUE]):
                parent, key_node, node = node, None, node[_VALUE][elem]
            else:
                raise _NoFix
        if id(node) in aliased:
            raise _NoFix
        return parent, key_node, node

    def _pairs(self, node: Node) -> dict[str, list[tuple[Node, Node]]]:
        """A mapping's (key, value) nodes by key, indexed once (many fixes in one large mapping)."""
        found = self._by_key.get(id(node))
        if found is None:
            found = self._by_key[id(node)] = {}
            for knode, vnode in node[_VALUE]:
                if knode[_KIND] == SCALAR:
                    found.setdefault(knode[_VALUE], []).append((knode, vnode))
        return found

    def _token(self, node: Node) -> str:
        return self.text[node[_START]:node[_END]]

    def _replace(self, node: Node, text: str) -> Edit:
        return self.lines.edit(node[_START], node[_END], text)

    def _insert(self, doc: Document, op: Op) -> Edit:
        _, _, node = self._walk(doc, op.path)
        key, value = op.value
        if node[_KIND] != MAPPING or key in self._pairs(node) or "<<" in self._pairs(node):
            raise _NoFix
        entry = f"{plain_or_quoted(key, self.json)}: {flow(value, self.json)}"
        if node[_STYLE]:  # a flow mapping
            start = node[_START]
            if self.text[start:start + 1] != "{":
                raise _NoFix
            while self.text[start + 1:start + 2] == " ":
                start += 1  # `{ a: b }` stays spaced the way it was
            return self.lines.edit(start + 1, start + 1, entry + (", " if node[_VALUE] else ""))
        for knode, _ in node[_VALUE]:
            # a key alone at the start of its line, with no comment above it (a comment may be a
            # `disable-next-line` that belongs to that key): the new entry goes above it
            index = knode[_START]
            line, col = self.lines.position(index)
            start = self.lines.start_of(line)
            above = self.lines.line_text(line - 1) if line > 1 else ""
            if self.text[start:index].strip(" ") == "" and not above.lstrip().startswith("#"):
                return self.lines.edit(start, start, f"{' ' * (col - 1)}{entry}\n")
        raise _NoFix

    def _rewrite(self, doc: Document, op: Op) -> Edit:
        """A whole mapping of scalars written anew (a v1beta1 Ingress backend as v1): in flow style when
        it was, else as block lines at its indentation. Refused when a comment sits inside it."""
        _, _, node = self._walk(doc, op.path)
        if node[_KIND] != MAPPING or not node[_VALUE]:
            raise _NoFix
        if node[_STYLE]:  # a flow mapping
            start, end = node[_START], node[_END]
            if self.text[start:start + 1] != "{" or "#" in self.text[start:end]:
                raise _NoFix
            return self.lines.edit(start, end, flow(op.value, self.json))
        first, last = node[_VALUE][0][0], node[_VALUE][-1][1]
        if last[_KIND] != SCALAR or last[_STYLE] in ("|", ">"):
            raise _NoFix
        start, end = first[_START], last[_END]
        if "#" in self.text[start:end]:
            raise _NoFix
        _, column = self.lines.position(start)
        return self.lines.edit(start, end, _block(op.value, column - 1))

    def _separate(self, line: int) -> Edit:
        """`---` above the second document: above its second `apiVersion` (where the problem is
        reported), and above the top-level keys right before it that repeat keys of the first part
        (`kind:` written before `apiVersion:`), and the comment lines that open it."""
        if self.lines.start_of(line) < 0:
            raise _NoFix
        first = line
        while first > 1 and not _MARKER.match(self.lines.line_text(first - 1)):
            first -= 1  # where the (pasted) document begins
        keys_before = [_TOP_KEY.match(self.lines.line_text(n)) for n in range(first, line)]
        start_line, n = line, line - 1
        while n >= first:
            text = self.lines.line_text(n)
            match = _TOP_KEY.match(text)
            if match is None:
                if text.strip() and not text.startswith((" ", "#")):
                    break  # a top-level line that is not a key: leave it where it is
                n -= 1
                continue
            if not any(m and m.group(1) == match.group(1) for m in keys_before[:n - first]):
                break  # a key of the first part only: the second document starts after it
            start_line = n
            n -= 1
        while start_line > 1 and self.lines.line_text(start_line - 1).startswith("#"):
            start_line -= 1  # a comment right above the pasted document belongs to it
        start = self.lines.start_of(start_line)
        return self.lines.edit(start, start, "---\n")

    def _expand(self, line: int) -> list[Edit]:
        """The tabs in the indentation of the reported line and of the lines after it, as spaces, except
        in block scalars (where a tab is text); offered only when the result then parses (one parse,
        at most _MAX_TAB_LINES lines: a hostile file cannot make every lint slow)."""
        lines = self.text.split("\n")
        if not 0 < line <= len(lines):
            raise _NoFix
        candidates = []
        for number in range(line, len(lines) + 1):
            text = lines[number - 1]
            indent = len(text) - len(text.lstrip(" \t"))
            if "\t" in text[:indent]:
                candidates.append((number, indent))
                if len(candidates) > _MAX_TAB_LINES:
                    raise _NoFix
        chosen = [(n, indent) for n, indent in candidates if not _in_block_scalar(lines, n)]
        if not chosen or chosen[0][0] != line:
            raise _NoFix
        edits = []
        for number, indent in chosen:
            text = lines[number - 1]
            spaces = text[:indent].expandtabs(_TAB_STOP)
            start = self.lines.start_of(number)
            edits.append(self.lines.edit(start, start + indent, spaces))
            lines[number - 1] = spaces + text[indent:]
        if any(p.rule == "yaml-syntax-error" for p in parse("\n".join(lines), "<fix>", accelerate=False).problems):
            raise _NoFix  # another mistake: spaces alone do not make it parse
        return edits


def _in_block_scalar(lines: list[str], line: int) -> bool:
    """Whether line `line` may be content of a block scalar (`|` or `>`) that starts above it: its tabs
    would then be text (a Makefile's recipe), not indentation."""
    lowest = None  # the least indentation of the lines between
    for text in reversed(lines[:line - 1]):
        if not text.strip() or text.startswith("\t"):
            continue
        indent = len(text) - len(text.lstrip(" "))
        if _BLOCK_SCALAR.search(text.rstrip()) and (lowest is None or indent < lowest):
            return True
        lowest = indent if lowest is None else min(lowest, indent)
        if indent == 0:
            return False
    return False


def _block(value: dict[str, Any], indent: int) -> str:
    """A mapping as block lines, the first one starting where the cursor is (column `indent`)."""
    lines: list[str] = []

    def emit(mapping: dict[str, Any], level: int) -> None:
        for key, item in mapping.items():
            if isinstance(item, dict) and item:
                lines.append(f"{' ' * level}{plain_or_quoted(key)}:")
                emit(item, level + 2)
            else:
                lines.append(f"{' ' * level}{plain_or_quoted(key)}: {flow(item)}")

    emit(value, indent)
    return "\n".join(lines)[indent:]


def _key_token(key: str, node: Node, json_style: bool) -> str:
    if node[_KIND] == SCALAR and node[_STYLE] in ('"', "'"):
        return json.dumps(key)
    return plain_or_quoted(key, json_style)


# --- applying and checking ----------------------------------------------------------------------


@dataclass
class Applied:
    text: str
    fixes: list[Fix]
    error: str | None = None  # why nothing was applied


def choose(fixes: list[Fix]) -> list[Fix]:
    """The fixes of one round: no two touch the same text; line-level fixes go alone, first."""
    text_level = [f for f in fixes if f.text_level]
    if text_level:  # one line-level fix per round: each changes how the rest parses
        return [min(text_level, key=lambda f: (f.edits[0].start, f.description))]
    chosen: list[Fix] = []
    taken: list[tuple[int, int]] = []  # disjoint spans, sorted: a file's thousands of fixes stay linear
    for fix in sorted(fixes, key=lambda f: (f.edits[0].start, f.description)):
        spans = [(e.start, e.end) for e in fix.edits]
        if any(_overlaps(taken, s, e) for s, e in spans):
            continue
        chosen.append(fix)
        for span in spans:
            bisect.insort(taken, span)
    return chosen


def _overlaps(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps a taken span (two insertions at one place count as overlapping)."""
    i = max(0, bisect.bisect_left(taken, (start, start)) - 1)  # the spans are disjoint: from the one before
    while i < len(taken):
        ts, te = taken[i]
        if ts > end:
            return False
        if (start < te and ts < end) or (start == end == ts == te):
            return True
        i += 1
    return False


def apply(text: str, fixes: list[Fix]) -> Applied:
    """The text with `fixes` applied (see `choose`), checked; the original text and a reason when the
    result does not parse into the expected data."""
    chosen = choose(fixes)
    if not chosen:
        return Applied(text, [])
    pieces: list[str] = []
    at = 0
    for e in sorted((e for f in chosen for e in f.edits), key=lambda e: e.start):  # disjoint (see choose)
        pieces += [text[at:e.start], e.text]
        at = e.end
    new = "".join([*pieces, text[at:]])
    error = verify(text, new, chosen)
    if error is not None:
        return Applied(text, [], error)
    return Applied(new, chosen)


def verify(before: str, after: str, fixes: list[Fix]) -> str | None:
    """None when `after` is `before` with exactly the fixes' changes, else what went wrong."""
    old = parse(before, "<before>", accelerate=False)
    new = parse(after, "<after>", accelerate=False)
    def count(result: Any, rule: str) -> int:
        return sum(p.rule == rule for p in result.problems)

    if any(op.kind == "expand-tabs" for f in fixes for op in f.ops):
        if count(new, "yaml-syntax-error") >= count(old, "yaml-syntax-error"):
            return "with its tabs as spaces the text still does not parse"
        return None
    if any(op.kind == "separate" for f in fixes for op in f.ops):
        if count(new, "duplicate-key") > count(old, "duplicate-key") or len(new.documents) <= len(old.documents):
            return "separated, the documents still repeat their keys"
        if count(new, "yaml-syntax-error") > count(old, "yaml-syntax-error"):
            return "the fixed text does not parse"
        return None
    if count(new, "yaml-syntax-error") > count(old, "yaml-syntax-error"):
        return "the fixed text does not parse"
    if count(new, "duplicate-key") > count(old, "duplicate-key"):
        return "the fixed text repeats a key"
    expected = [copy.deepcopy(d.data) for d in old.documents]
    try:
        for fix in fixes:
            for op in fix.ops:
                _apply_op(expected[fix.document], op)
    except (KeyError, IndexError, TypeError):
        return "a fix does not apply to the data it was made for"
    got = [d.data for d in new.documents]
    if got != expected or [type(d) for d in got] != [type(d) for d in expected]:
        return "the fixed text does not read back as the intended data"
    return None


def _apply_op(data: Any, op: Op) -> None:
    *parents, last = op.path if op.path else (None,)
    container = data
    for elem in parents:
        container = container[elem]
    if op.kind == "insert":
        target = container[last] if op.path else data
        key, value = op.value
        target[key] = copy.deepcopy(value)
    elif op.kind == "rename":
        items = list(container.items())
        container.clear()
        container.update((op.value if k == last else k, v) for k, v in items)
    else:
        container[last] = op.value
