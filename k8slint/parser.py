"""Text -> documents (plain data + the node tree that knows every position).

No Kubernetes knowledge lives here. The fast path composes nodes with libyaml (through
ruamel.yaml's C extension) and converts them to plain dicts/lists/scalars in Python; positions are
not copied into the data, they are looked up in the node tree when a finding needs one
(`Document.locate`).

Scalars are resolved the way Kubernetes' own YAML decoder (sigs.k8s.io/yaml, a YAML 1.1 decoder)
resolves them, so we see what the API server would see: `yes`/`on`/`y` are booleans, `0777` is
octal, a bare `=` is a string, timestamps stay strings. Duplicate keys are reported and the last
value wins. Unknown tags (`!!python/object/apply:...`) construct nothing: the value stays plain
data.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.tag import Tag

try:  # the C extension is a hard dependency on CPython; keep a slow path for other runtimes
    from ruamel.yaml.cyaml import CParser as _Parser
    from ruamel.yaml.cyaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - exercised only without ruamel.yaml.clib
    from ruamel.yaml import SafeLoader as _Loader  # type: ignore[attr-defined,no-redef]
    from ruamel.yaml.parser import Parser as _Parser  # type: ignore[assignment,no-redef]

from .findings import Path

#: Most nodes a document may expand to through aliases ("billion laughs"): far above any real
#: manifest (the largest CRDs have ~50,000 nodes), far below what would exhaust time or memory.
MAX_EXPANDED_NODES = 1_000_000

#: Deepest nesting of mappings and sequences we convert. Real manifests stay below 60 (large
#: CRD schemas); anything deeper is hostile or generated and becomes a finding, not a crash.
MAX_DEPTH = 1000
# libyaml composes recursively in C and crashes (SIGSEGV) somewhere between 10,000 and 100,000
# levels. When a cheap upper bound on a document's depth (flow brackets + longest line) exceeds
# this, we measure the real depth with the event parser before composing.
_SAFE_BOUND = 5000

if sys.getrecursionlimit() < MAX_DEPTH + 2000:
    sys.setrecursionlimit(MAX_DEPTH + 2000)

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"

# YAML 1.1 booleans as sigs.k8s.io/yaml (go-yaml v2) resolves plain scalars.
_BOOL11 = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
_FLOAT_SPECIAL = {".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf"), ".nan": float("nan")}

_PLAIN = "k8slint:plain"  # an untagged plain scalar: resolved by _plain(), not by ruamel's resolver
# Plain scalars as go-yaml v2 resolves them (strconv.ParseInt base 0 after removing '_', then its
# float pattern).
_INT_RE = re.compile(r"[-+]?(?:0[bB][01]+|0[oO]?[0-7]+|0[xX][0-9a-fA-F]+|[0-9]+)\Z")
_FLOAT_RE = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_MERGE_TAGS = frozenset((_MERGE, _PLAIN))
_NULLS = frozenset(("~", "null", "Null", "NULL"))
_NUMBER_START = frozenset("0123456789+-.")

_DOC_MARKER = re.compile(r"^(?:---|\.\.\.)(?=[ \t\r\n]|\Z)", re.M)
_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(slots=True)
class Problem:
    """A problem in the text itself: reported by the engine as a finding of `rule`."""

    rule: str
    line: int
    column: int
    message: str


class _TooDeep(Exception):
    def __init__(self, node: Node) -> None:
        super().__init__()
        self.node = node


@dataclass(eq=False, slots=True)
class Document:
    """One YAML document: its plain data and the node tree that locates any path in it."""

    source: str
    index: int
    data: Any
    node: Node
    line_offset: int = 0

    def locate(self, path: Path) -> tuple[int, int]:
        """1-based (line, column) of the deepest node of `path` that exists.

        A path that ends at a mapping key gives the key's position; one that ends at a sequence
        index gives the item's. Where the path leaves the document (a missing field), the
        position is that of the nearest existing ancestor.
        """
        node = self.node
        mark = node.start_mark
        for elem in path:
            cls = node.__class__
            if cls is MappingNode:
                pair = _find_key(node, elem)
                if pair is None:
                    break
                mark = pair[0].start_mark
                node = pair[1]
            elif cls is SequenceNode and isinstance(elem, int) and 0 <= elem < len(node.value):
                node = node.value[elem]
                mark = node.start_mark
            else:
                break
        return mark.line + 1 + self.line_offset, mark.column + 1


def _find_key(node: MappingNode, key: object) -> tuple[Node, Node] | None:
    merges = []
    for pair in reversed(node.value):  # the last duplicate is the one whose value we keep
        knode = pair[0]
        if knode.__class__ is ScalarNode:
            if knode.value == "<<" and _tag(knode) in _MERGE_TAGS:
                merges.append(pair[1])
            elif knode.value == key:
                return pair
    for source in reversed(merges):  # explicit keys win over merged ones, as in conversion
        for sub in source.value if source.__class__ is SequenceNode else [source]:
            if sub.__class__ is MappingNode:
                found = _find_key(sub, key)
                if found is not None:
                    return found
    return None


@dataclass(slots=True)
class ParseResult:
    documents: list[Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def decode(raw: bytes) -> tuple[str | None, Problem | None]:
    """Bytes -> text. UTF-8 (BOM optional), UTF-16/32 with a BOM; anything else is a problem."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return _decode_bom(raw, "utf-32")
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode_bom(raw, "utf-16")
    nul = raw.find(b"\x00", 0, 65536)
    if nul >= 0:
        line, col = _byte_position(raw, nul)
        return None, Problem(
            "yaml-syntax-error", line, col,
            "binary content (a NUL byte): this is not a YAML or JSON text file",
        )
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line, col = _byte_position(raw, exc.start)
        return None, Problem(
            "yaml-syntax-error", line, col,
            f"invalid UTF-8 (byte 0x{raw[exc.start]:02x}): save the file as UTF-8",
        )


def _decode_bom(raw: bytes, codec: str) -> tuple[str | None, Problem | None]:
    try:
        return raw.decode(codec), None
    except UnicodeDecodeError as exc:
        return None, Problem("yaml-syntax-error", 1, 1, f"invalid {codec.upper()} text: {exc.reason}")


def _byte_position(raw: bytes, offset: int) -> tuple[int, int]:
    before = raw[:offset]
    line = before.count(b"\n") + 1
    start = before.rfind(b"\n") + 1
    col = len(before[start:].decode("utf-8", "replace")) + 1
    return line, col


def parse(text: str, source: str) -> ParseResult:
    """Parse a (multi-document) YAML or JSON text.

    A syntax error does not hide the other documents of the stream: when the whole stream does not
    compose, it is split at its document markers and each document is parsed on its own.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    result = ParseResult()
    if _depth_bound(text) <= _SAFE_BOUND:
        try:
            nodes = list(_compose_all(text))
        except YAMLError:
            pass
        else:
            _convert_all(nodes, 0, source, result)
            return result
    _parse_split(text, source, result)
    return result


def _parse_split(text: str, source: str, result: ParseResult) -> None:
    starts = [m.start() for m in _DOC_MARKER.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    starts.append(len(text))
    line = 0
    prev = 0
    for begin, end in zip(starts, starts[1:], strict=False):
        line += len(_BREAK.findall(text, prev, begin))
        prev = begin
        chunk = text[begin:end]
        if not chunk.strip():
            continue
        try:
            if _depth_bound(chunk) > _SAFE_BOUND:
                deep = _measure_depth(chunk)
                if deep is not None:
                    result.problems.append(Problem(
                        "input-too-large", deep[0] + 1 + line, deep[1] + 1,
                        f"nesting deeper than {MAX_DEPTH} levels: not a Kubernetes manifest; the document "
                        "was not linted",
                    ))
                    continue
            nodes = list(_compose_all(chunk))
        except YAMLError as exc:
            result.problems.append(_syntax_problem(exc, chunk, line))
            continue
        _convert_all(nodes, line, source, result)


# Shared tag objects: ruamel's Node.__init__ keeps a Tag instance as it is, so resolving to these
# costs no allocation per node, and reading them is an identity test instead of the `Node.tag`
# property (which URI-decodes the tag on every access: a third of the parse time).
_PLAIN_TAG = Tag(suffix=_PLAIN)
_STR_TAG = Tag(suffix=_STR)
_SEQ_TAG = Tag(suffix="tag:yaml.org,2002:seq")
_MAP_TAG = Tag(suffix="tag:yaml.org,2002:map")


class _FastLoader(_Loader):  # type: ignore[misc,valid-type]
    """libyaml composition without ruamel's Python resolver (a regex loop per scalar).

    Plain scalars get the `_PLAIN` tag and are resolved once, in `_plain`, with Kubernetes' YAML
    1.1 rules; quoted scalars are strings. Explicitly tagged nodes never reach `resolve`.
    """

    def resolve(self, kind: type, value: Any, implicit: Any) -> Tag:
        if kind is ScalarNode:
            return _PLAIN_TAG if implicit[0] else _STR_TAG
        return _SEQ_TAG if kind is SequenceNode else _MAP_TAG

    # The composer calls these around every node for path resolvers, which we never register.
    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


def _tag(node: Node) -> str:
    """The node's tag as a string, without the cost of ruamel's `Node.tag` property."""
    ctag = node.ctag
    return ctag.suffix if ctag.handle is None else str(ctag)


def _compose_all(text: str) -> Iterator[Node]:
    loader = _FastLoader(text)
    try:
        while loader.check_node():
            yield loader.get_node()
    finally:
        loader.dispose()
        # The loader refers to itself (`_parser`, `_composer`, `loader`...): a cycle that only the
        # cyclic GC frees, and runs pause it. Clearing the instance dict breaks the cycle, so
        # reference counting frees the loader and libyaml's buffers at once.
        vars(loader).clear()


def _depth_bound(text: str) -> int:
    if len(text) <= _SAFE_BOUND:
        return len(text)
    longest = max(map(len, text.splitlines()), default=0)
    return text.count("[") + text.count("{") + longest


def _measure_depth(text: str) -> tuple[int, int] | None:
    """Position (0-based) where nesting first exceeds MAX_DEPTH, using the non-recursive parser."""
    parser = _Parser(text)
    depth = 0
    try:
        while parser.check_event():
            event = parser.get_event()
            name = event.__class__.__name__
            if name in ("MappingStartEvent", "SequenceStartEvent"):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark.line, event.start_mark.column
            elif name in ("MappingEndEvent", "SequenceEndEvent"):
                depth -= 1
    finally:
        dispose = getattr(parser, "dispose", None)
        if dispose:
            dispose()
    return None


def _syntax_problem(exc: YAMLError, text: str, line_offset: int) -> Problem:
    mark = None
    problem = getattr(exc, "problem", None) or str(exc).strip().splitlines()[0]
    context = getattr(exc, "context", None)
    if isinstance(exc, MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        # An unterminated scalar or flow collection is detected where the text ends; where it
        # started (the context mark) is what the user has to fix.
        at_end = exc.problem_mark is None or exc.problem_mark.index >= len(text.rstrip())
        if exc.context_mark is not None and at_end:
            mark = exc.context_mark
            what = str(context).replace("while scanning ", "").replace("while parsing ", "")
            problem = f"{what} starts here and is never closed ({problem})"
            context = None
    line, col = (mark.line, mark.column) if mark is not None else (0, 0)
    message = f"{problem} ({context})" if context else str(problem)
    lines = text.splitlines()
    if 0 <= line < len(lines):
        here = lines[line]
        if "\t" in here[: max(col, 0) + 1] and not here[:col].strip(" \t"):
            message = "tab character in indentation: YAML indentation must use spaces"
    return Problem("yaml-syntax-error", line + 1 + line_offset, col + 1, message)


def _convert_all(nodes: list[Node], line_offset: int, source: str, result: ParseResult) -> None:
    for node in nodes:
        conv = _Converter(line_offset)
        try:
            data = conv.convert(node, 0)
        except _TooDeep as exc:
            mark = exc.node.start_mark
            result.problems.append(Problem(
                "input-too-large", mark.line + 1 + line_offset, mark.column + 1,
                f"nesting deeper than {MAX_DEPTH} levels: not a Kubernetes manifest; the document was not linted",
            ))
            continue
        result.problems.extend(conv.problems)
        if conv.shared and _expanded_size(node) > MAX_EXPANDED_NODES:
            mark = node.start_mark
            result.problems.append(Problem(
                "input-too-large", mark.line + 1 + line_offset, mark.column + 1,
                f"aliases expand this document to more than {MAX_EXPANDED_NODES:,} nodes (an alias bomb?); "
                "the document was not linted",
            ))
            continue
        if data is None:  # empty or comment-only document
            continue
        result.documents.append(Document(source, len(result.documents), data, node, line_offset))


def _expanded_size(root: Node) -> int:
    """How many nodes the document would have with every alias expanded, computed over the shared
    node graph (never expanding it); stops counting past MAX_EXPANDED_NODES."""
    sizes: dict[int, int] = {}

    def size(node: Node, depth: int) -> int:
        cls = node.__class__
        if cls is ScalarNode:
            return 1
        nid = id(node)
        known = sizes.get(nid)
        if known is not None:
            return known
        sizes[nid] = 1  # a recursive alias counts once (it was reported as recursive)
        total = 1
        children = (child for pair in node.value for child in pair) if cls is MappingNode else node.value
        for child in children:
            total += size(child, depth + 1)
            if total > MAX_EXPANDED_NODES:
                break
        sizes[nid] = total
        return total

    return size(root, 0)


class _Converter:
    """Node tree -> plain data. Aliased collections convert once and are shared, not expanded."""

    __slots__ = ("line_offset", "problems", "memo", "active", "shared")

    def __init__(self, line_offset: int) -> None:
        self.line_offset = line_offset
        self.problems: list[Problem] = []
        self.memo: dict[int, Any] = {}
        self.active: set[int] = set()
        self.shared = False  # an aliased collection was reused: its expanded size must be checked

    def convert(self, node: Node, depth: int) -> Any:
        cls = node.__class__
        if cls is ScalarNode:
            return _scalar(node)
        if depth >= MAX_DEPTH:
            raise _TooDeep(node)
        nid = id(node)
        if nid in self.memo:
            self.shared = True
            return self.memo[nid]
        if nid in self.active:
            mark = node.start_mark
            self.problems.append(Problem(
                "yaml-syntax-error", mark.line + 1 + self.line_offset, mark.column + 1,
                "recursive alias: an anchor refers to itself",
            ))
            return None
        self.active.add(nid)
        if cls is MappingNode:
            out = self._mapping(node, depth + 1)
        else:
            convert = self.convert
            out = [convert(item, depth + 1) for item in node.value]
        self.active.discard(nid)
        self.memo[nid] = out
        return out

    def _mapping(self, node: MappingNode, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merges: list[Node] = []
        convert = self.convert
        for knode, vnode in node.value:
            if knode.__class__ is ScalarNode:
                if knode.value == "<<" and _tag(knode) in _MERGE_TAGS:
                    merges.append(vnode)
                    continue
                key = knode.value
            else:
                key = repr(convert(knode, depth))
            if key in out:
                self._duplicate(node, knode, key)
            out[key] = convert(vnode, depth)
        for source in merges:
            subs = source.value if source.__class__ is SequenceNode else [source]
            for sub in subs:
                merged = convert(sub, depth)
                if isinstance(merged, dict):
                    for key, value in merged.items():
                        out.setdefault(key, value)
        return out

    def _duplicate(self, node: MappingNode, knode: Node, key: str) -> None:
        first = next(k for k, _ in node.value if k.__class__ is ScalarNode and k.value == key)
        mark = knode.start_mark
        hint = ""
        if key in ("apiVersion", "kind") and mark.column == 0:
            hint = "; two documents pasted together? separate them with a line ---"
        self.problems.append(Problem(
            "duplicate-key", mark.line + 1 + self.line_offset, mark.column + 1,
            f'duplicate key "{key}" (first at line {first.start_mark.line + 1 + self.line_offset}); '
            f"the last value wins{hint}",
        ))


def _plain(value: str) -> Any:
    if not value or value in _NULLS:
        return None
    if value[0] in _NUMBER_START:
        digits = value.replace("_", "") if "_" in value else value
        if _INT_RE.match(digits):
            return _int(digits)
        if _FLOAT_RE.match(digits):
            return float(digits)
        special = _FLOAT_SPECIAL.get(value.lower())
        if special is not None:
            return special
        return value
    return _BOOL11.get(value, value)


def _scalar(node: ScalarNode) -> Any:
    ctag = node.ctag
    value = node.value
    if ctag is _PLAIN_TAG:
        return _plain(value)
    if ctag is _STR_TAG:
        return value
    tag = _tag(node)
    if tag == _PLAIN:
        return _plain(value)
    if tag == _STR:
        if not node.style and value in _BOOL11:
            return _BOOL11[value]
        return value
    if tag == _INT:
        return _int(value)
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return value.lower() in ("true", "yes", "on", "y")
    if tag == _FLOAT:
        return _float(value)
    return value  # timestamps, the YAML 1.1 `=` value, binary and unknown tags stay text


def _int(text: str) -> int | str:
    s = text.replace("_", "")
    sign = -1 if s.startswith("-") else 1
    s = s.lstrip("+-")
    try:
        prefix = s[:2].lower()
        if prefix == "0x":
            n = int(s[2:], 16)
        elif prefix == "0o":
            n = int(s[2:], 8)
        elif prefix == "0b":
            n = int(s[2:], 2)
        elif len(s) > 1 and s[0] == "0":
            n = int(s, 8)
        else:
            n = int(s)
    except ValueError:
        return text
    return sign * n


def _float(text: str) -> float | str:
    special = _FLOAT_SPECIAL.get(text.lower())
    if special is not None:
        return special
    try:
        return float(text.replace("_", ""))
    except ValueError:
        return text
