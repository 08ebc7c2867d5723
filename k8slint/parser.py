"""Text -> documents (plain data + the node tree that knows every position).

No Kubernetes knowledge lives here. The C accelerator (`_yamlc.c`, when built) turns a text into plain
data and compact positions in one pass; the Python path, the reference and the fallback for anything
unusual, composes nodes with libyaml through ruamel.yaml's C extension (imported on its first use) and
converts them to plain dicts/lists/scalars. Positions are not copied into the data: they are looked up
when a finding needs one (`Document.locate`).

Scalars are resolved the way Kubernetes' own YAML decoder (sigs.k8s.io/yaml, a YAML 1.1 decoder)
resolves them, so we see what the API server would see: `yes`/`on`/`y` are booleans, `0777` is
octal, a bare `=` is a string, timestamps stay strings. Duplicate keys are reported and the last
value wins. Unknown tags (`!!python/object/apply:...`) construct nothing: the value stays plain
data.
"""

from __future__ import annotations

import os
import re
import struct
import sys
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import field
from typing import TYPE_CHECKING, Any

from .findings import Path
from .records import dataclass

if TYPE_CHECKING:  # bound at run time by _load_ruamel(), on the first use of the Python path
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
    from ruamel.yaml.reader import ReaderError

    from ._ruamel import _PLAIN_TAG, _STR_TAG, _FastLoader, _Parser

#: Most nodes a document may expand to through aliases ("billion laughs"): far above any real
#: manifest (the largest CRDs have ~50,000 nodes), far below what would exhaust time or memory.
MAX_EXPANDED_NODES = 1_000_000

#: Deepest nesting of mappings and sequences we convert. Real manifests stay below 60 (large
#: CRD schemas); anything deeper is hostile or generated and becomes a finding, not a crash.
MAX_DEPTH = 1000

#: The optional C accelerator (k8slint/_yamlc.c over the vendored libyaml): None where it was not built,
#: or when K8SLINT_ACCELERATOR=0 turns it off.
_ACCELERATOR: Any = None
if os.environ.get("K8SLINT_ACCELERATOR", "1") != "0":
    try:
        from . import _yamlc as _ACCELERATOR  # type: ignore[attr-defined,no-redef]
    except ImportError:
        _ACCELERATOR = None


def _load_ruamel() -> None:
    """Bind ruamel.yaml's names in this module for the Python path (the composer of node trees). The
    accelerator's documents never need them, and importing ruamel.yaml is a tenth of linting one
    small file (the pre-commit case)."""
    if "MappingNode" in globals():
        return
    from . import _ruamel

    globals().update({name: getattr(_ruamel, name) for name in _ruamel.__all__})


def accelerated() -> bool:
    """Whether parsing goes through the C accelerator (with the Python path as its fallback)."""
    return _ACCELERATOR is not None
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

_DOC_MARKER = re.compile(r"^(?:---|\.\.\.)(?=[ \t\n]|\Z)", re.M)
_BYTE_MARKER = re.compile(rb"(?:^|(?<=[\r\n]))(?:---|\.\.\.)(?=[ \t\r\n]|\Z)")
_BYTE_BREAK = re.compile(rb"\r\n|\r|\n")
#: Characters libyaml (and go-yaml, hence kubectl) count as line breaks besides LF and CR. Editors,
#: grep and sed do not: positions are converted to editor lines when a text contains any of them.
_ODD_BREAKS = ("\x85", "\u2028", "\u2029")


@dataclass(slots=True)
class Problem:
    """A problem in the text itself: reported by the engine as a finding of `rule`."""

    rule: str
    line: int
    column: int
    message: str
    fix: str | None = None  # a line-level fix (fixes.Op kind): "separate", "expand-tabs"


class _TooDeep(Exception):
    def __init__(self, node: Node) -> None:
        super().__init__()
        self.node = node


class TextMap:
    """Turns libyaml marks into the (line, column) an editor shows.

    Lines are counted at LF only (CRLF and lone CR are normalised to LF before parsing). libyaml
    also breaks lines at NEL, U+2028 and U+2029; for the rare text that holds one, positions come
    from the mark's character index instead of its line.
    """

    __slots__ = ("text", "odd", "_starts")

    def __init__(self, text: str) -> None:
        self.text = text
        self.odd = any(ch in text for ch in _ODD_BREAKS)
        self._starts: list[int] | None = None

    def position(self, mark: Any, base: int, line_offset: int) -> tuple[int, int]:
        """1-based (line, column) of a mark of a chunk starting at character `base`, line `line_offset`."""
        if not self.odd:
            return mark.line + 1 + line_offset, mark.column + 1
        return self.at(base + mark.index)

    def at(self, index: int) -> tuple[int, int]:
        """1-based (line, column) of a character index of the whole text."""
        if self._starts is None:
            self._starts = [0, *(m.end() for m in re.finditer("\n", self.text))]
        line = bisect_right(self._starts, index)
        return line, index - self._starts[line - 1] + 1


@dataclass(frozen=True, slots=True)
class Positions:
    """Where the keys and items of a document are, as the accelerator gives them: 0-based (line,
    column) of the root, and per container (by id) its keys (None for a list) and an int32 array of
    (line, column) per key or item."""

    line: int
    column: int
    containers: dict[int, tuple[tuple[str, ...] | None, bytes]]


@dataclass(eq=False, slots=True)
class Document:
    """One YAML document: its plain data and the node tree (or, from the accelerator, the positions)
    that locate any path in it."""

    source: str
    index: int
    data: Any
    node: Node | None  # None for the accelerator's documents (see `positions`)
    line_offset: int = 0
    base: int = 0  # character offset of the chunk the document was parsed from
    textmap: TextMap | None = None
    _keys: dict[int, dict[str, tuple[Node, Node]]] | None = None  # large mappings' keys, indexed on demand
    positions: Positions | None = None  # from the accelerator, when `node` is None
    _fast_keys: dict[int, dict[Any, int]] | None = None  # large mappings' key indexes (accelerator)
    spans: Any = None  # parse(spans=True) through the accelerator: the node tree of k8slint/_yamlc.c

    def position(self, mark: Any) -> tuple[int, int]:
        if self.textmap is None:
            return mark.line + 1 + self.line_offset, mark.column + 1
        return self.textmap.position(mark, self.base, self.line_offset)

    def locate(self, path: Path) -> tuple[int, int]:
        """1-based (line, column) of the deepest node of `path` that exists.

        A path that ends at a mapping key gives the key's position; one that ends at a sequence
        index gives the item's. Where the path leaves the document (a missing field), the
        position is that of the nearest existing ancestor.
        """
        if self.node is None:
            return self._locate_fast(path)
        node = self.node
        mark = node.start_mark
        for elem in path:
            cls = node.__class__
            if cls is MappingNode:
                pair = self._find_key(node, elem)  # type: ignore[arg-type]
                if pair is None:
                    break
                mark = pair[0].start_mark
                node = pair[1]
            elif cls is SequenceNode and isinstance(elem, int) and 0 <= elem < len(node.value):
                node = node.value[elem]
                mark = node.start_mark
            else:
                break
        return self.position(mark)

    def _locate_fast(self, path: Path) -> tuple[int, int]:
        positions = self.positions
        assert positions is not None
        line, column = positions.line, positions.column
        value: Any = self.data
        for elem in path:
            entry = positions.containers.get(id(value))
            if entry is None:
                break
            keys, pairs = entry
            if keys is not None:
                if not isinstance(value, dict) or elem not in value:
                    break
                index = keys.index(elem) if len(keys) <= 16 else self._key_index(id(value), keys)[elem]
            elif isinstance(elem, int) and isinstance(value, list) and 0 <= elem < len(value):
                index = elem
            else:
                break
            line, column = struct.unpack_from("ii", pairs, index * 8)
            value = value[elem]
        return line + 1, column + 1

    def _key_index(self, container: int, keys: tuple[str, ...]) -> dict[Any, int]:
        """A large mapping's keys by index, built once (locating N findings in it stays linear)."""
        if self._fast_keys is None:
            self._fast_keys = {}
        found = self._fast_keys.get(container)
        if found is None:
            found = self._fast_keys[container] = {key: i for i, key in enumerate(keys)}
        return found

    def _find_key(self, node: MappingNode, key: object) -> tuple[Node, Node] | None:
        pairs = node.value
        if len(pairs) <= 16:
            merges = []
            for pair in reversed(pairs):  # the last duplicate is the one whose value we keep
                knode = pair[0]
                if knode.__class__ is ScalarNode:
                    if knode.value == "<<" and _tag(knode) in _MERGE_TAGS:
                        merges.append(pair[1])
                    elif knode.value == key:
                        return pair
        else:  # large mappings are indexed once: locating N findings in them stays linear
            if self._keys is None:
                self._keys = {}
            index = self._keys.get(id(node))
            if index is None:
                index = self._keys[id(node)] = {}
                for pair in pairs:
                    knode = pair[0]
                    if knode.__class__ is ScalarNode:
                        index[knode.value] = pair
            found = index.get(key) if isinstance(key, str) else None
            if found is not None and found[0].value != "<<":
                return found
            merges = [p[1] for p in reversed(pairs) if p[0].__class__ is ScalarNode and p[0].value == "<<"
                      and _tag(p[0]) in _MERGE_TAGS]
        for source in reversed(merges):  # explicit keys win over merged ones, as in conversion
            for sub in source.value if source.__class__ is SequenceNode else [source]:
                if sub.__class__ is MappingNode:
                    found = self._find_key(sub, key)
                    if found is not None:
                        return found
        return None


@dataclass(slots=True)
class ParseResult:
    documents: list[Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(slots=True)
class Decoded:
    """A file's bytes as text. Documents that are not text (invalid UTF-8, a NUL byte) are reported
    and blanked, keeping every line break, so that the other documents keep their positions."""

    text: str | None  # None: nothing in the file is text
    problems: list[Problem]


def decode(raw: bytes) -> tuple[str | None, Problem | None]:
    """Bytes -> text for files that must be text as a whole (configuration, rule packs)."""
    decoded = decode_documents(raw)
    if decoded.problems:
        return None, decoded.problems[0]
    return decoded.text, None


def editable_encoding(raw: bytes) -> bool:
    """Whether fixes can edit these bytes as text: UTF-8 (a BOM allowed), not UTF-16 or UTF-32."""
    return not raw.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff"))


def decode_documents(raw: bytes) -> Decoded:
    """Bytes -> text. UTF-8 (BOM optional), UTF-16/32 with a BOM. Line breaks become LF."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return _decode_bom(raw, "utf-32")
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode_bom(raw, "utf-16")
    if b"\x00" not in raw:
        try:
            return Decoded(_normalize(raw.decode("utf-8")), [])
        except UnicodeDecodeError:
            pass
    return _decode_per_document(raw)


def _normalize(text: str) -> str:
    if "\r" in text:  # YAML reads CRLF and CR as LF; so do positions
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.removeprefix("\ufeff")


def _decode_per_document(raw: bytes) -> Decoded:
    starts = [m.start() for m in _BYTE_MARKER.finditer(raw)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    starts.append(len(raw))
    parts: list[str] = []
    problems: list[Problem] = []
    good = False
    line = 1
    for begin, end in zip(starts, starts[1:], strict=False):
        chunk = raw[begin:end]
        breaks = len(_BYTE_BREAK.findall(chunk))
        problem = _chunk_problem(chunk)
        if problem is None:
            parts.append(chunk.decode("utf-8"))
            good = good or bool(chunk.strip())
        else:
            offset, message = problem
            chunk_line, col = _byte_position(chunk, offset)
            problems.append(Problem("yaml-syntax-error", line + chunk_line - 1, col, message))
            parts.append("\n" * breaks)  # the lines stay, so later documents keep their positions
        line += breaks
    text = _normalize("".join(parts)) if good else None
    return Decoded(text, problems)


def _chunk_problem(chunk: bytes) -> tuple[int, str] | None:
    nul = chunk.find(b"\x00")
    if nul >= 0:
        return nul, "binary content (a NUL byte): this is not a YAML or JSON text file"
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start, f"invalid UTF-8 (byte 0x{chunk[exc.start]:02x}): save the file as UTF-8"
    return None


def _decode_bom(raw: bytes, codec: str) -> Decoded:
    try:
        return Decoded(_normalize(raw.decode(codec)), [])
    except UnicodeDecodeError as exc:
        return Decoded(None, [Problem("yaml-syntax-error", 1, 1, f"invalid {codec.upper()} text: {exc.reason}")])


def _byte_position(raw: bytes, offset: int) -> tuple[int, int]:
    before = raw[:offset]
    lines = _BYTE_BREAK.split(before)
    col = len(lines[-1].decode("utf-8", "replace")) + 1
    return len(lines), col


def parse(text: str, source: str, accelerate: bool = True, spans: bool = False) -> ParseResult:
    """Parse a (multi-document) YAML or JSON text whose line breaks are LF (see `decode_documents`).

    A syntax error does not hide the other documents of the stream: when the whole stream does not
    compose, it is split at its document markers and each document is parsed on its own. With spans,
    every document has a node tree for k8slint fix (see `node_tree`).
    """
    if "\r" in text or text.startswith("\ufeff"):
        text = _normalize(text)
    result = ParseResult()
    textmap = TextMap(text)
    if accelerate and _ACCELERATOR is not None and not textmap.odd and "k8slint:" not in text:
        try:
            composed = _ACCELERATOR.compose(text, _plain, spans)
        except _ACCELERATOR.Fallback:
            pass  # anything unusual: the Python path below, the reference
        else:
            _fast_documents(composed, source, result)
            return result
    _load_ruamel()
    if _depth_bound(text) <= _SAFE_BOUND:
        try:
            nodes = _compose_lenient(text)
        except YAMLError:
            pass
        else:
            _convert_all(nodes, 0, 0, textmap, source, result)
            return result
    _parse_split(text, source, textmap, result)
    return result


#: Stands in for a ':' that libyaml refuses and go-yaml accepts (same length: positions do not move).
_COLON = "\ue000"
_MAX_COLONS = 256


def _compose_lenient(text: str) -> list[Node]:
    """Compose like go-yaml (kubectl): libyaml refuses a ':' followed by a non-space inside a plain scalar
    of a flow collection (`containers: [{name: c, image: busybox:1.36}]`: "found unexpected ':'"), which
    go-yaml, and so kubectl, reads as part of the value. Such colons are swapped for a private-use
    character and restored in the composed scalars."""
    swapped = 0
    placeholder_free = _COLON not in text  # else restoring would change the user's own characters
    while True:
        try:
            nodes = list(_compose_all(text))
        except MarkedYAMLError as exc:
            mark = exc.problem_mark
            if (exc.problem != "found unexpected ':'" or mark is None or swapped >= _MAX_COLONS
                    or not placeholder_free or not 0 <= mark.index < len(text) or text[mark.index] != ":"):
                raise
            text = text[:mark.index] + _COLON + text[mark.index + 1:]
            swapped += 1
            continue
        if swapped:
            _restore_colons(nodes)
        return nodes


def _restore_colons(nodes: list[Node]) -> None:
    seen: set[int] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.__class__ is ScalarNode:
            if _COLON in node.value:
                node.value = node.value.replace(_COLON, ":")
        elif node.__class__ is MappingNode:
            stack.extend(child for pair in node.value for child in pair)
        else:
            stack.extend(node.value)


def _fast_documents(composed: list[tuple[Any, ...]], source: str, result: ParseResult) -> None:
    """The accelerator's documents: data, positions and duplicate keys, as the Python path makes them
    (and their node trees, with spans)."""
    for entry in composed:
        data, line, col, positions, dups = entry[:5]
        at_root = [d for d in dups if d[4]]
        pasted = {"apiVersion", "kind"} <= {d[0] for d in at_root}
        for key, key_line, key_col, first_line, root in dups:
            if pasted and root:
                if key == "apiVersion" and not any(d[0] == "apiVersion" for d in at_root[:at_root.index(
                        (key, key_line, key_col, first_line, root))]):
                    names = list(dict.fromkeys(d[0] for d in at_root))
                    result.problems.append(_duplicate_problem(key, key_line + 1, key_col + 1, first_line + 1, names))
                continue
            result.problems.append(_duplicate_problem(key, key_line + 1, key_col + 1, first_line + 1, None))
        if data is None:  # empty or comment-only document
            continue
        result.documents.append(Document(source, len(result.documents), data, None,
                                         positions=Positions(line, col, positions),
                                         spans=entry[5] if len(entry) > 5 else None))


#: The kinds of the nodes of `node_tree`.
SCALAR, MAPPING, SEQUENCE = "s", "m", "q"


def node_tree(doc: Document) -> Any:
    """The document's nodes as k8slint fix reads them (`parse(spans=True)`): each a tuple (kind, start,
    end, style, value), start and end character offsets in the whole text, anchor and tag included:
    (SCALAR, start, end, style, text) with style '' (plain), "'", '"', '|' or '>' and the text as
    written; (MAPPING, start, end, flow, [(key, value), ...]) with repeated keys kept; (SEQUENCE, start,
    end, flow, [item, ...]). From the accelerator as it parsed; from the Python path's node tree
    otherwise, with aliases sharing their anchor's tuple (as they share its node). None for a document
    without nodes."""
    if doc.spans is not None or doc.node is None:
        return doc.spans
    base = doc.base
    done: dict[int, tuple[Any, ...]] = {}
    collections: list[Any] = []
    stack: list[Any] = [doc.node]  # (ruamel's Node type has no `style`)
    while stack:  # each node once (aliases share it, even their own ancestor's), without recursion
        node = stack.pop()
        if id(node) in done:
            continue
        cls = node.__class__
        start, end = base + node.start_mark.index, base + node.end_mark.index
        if cls is ScalarNode:
            done[id(node)] = (SCALAR, start, end, node.style or "", node.value)
            continue
        done[id(node)] = (MAPPING if cls is MappingNode else SEQUENCE, start, end, bool(node.flow_style), [])
        collections.append(node)
        if cls is MappingNode:
            stack.extend(n for pair in node.value for n in pair)
        else:
            stack.extend(node.value)
    for node in collections:  # then the children of each, once every node has its tuple
        children = done[id(node)][4]
        if node.__class__ is MappingNode:
            children.extend((done[id(k)], done[id(v)]) for k, v in node.value)
        else:
            children.extend(done[id(item)] for item in node.value)
    return done[id(doc.node)]


def _directives_only(chunk: str) -> bool:
    """A chunk holding only `%` directives (and comments): it belongs to the document after it."""
    lines = [line for line in chunk.split("\n") if line.strip() and not line.lstrip().startswith("#")]
    return bool(lines) and all(line.startswith("%") for line in lines)


def _parse_split(text: str, source: str, textmap: TextMap, result: ParseResult) -> None:
    starts = [m.start() for m in _DOC_MARKER.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    merged = [starts[0]]
    for begin in starts[1:]:
        if not _directives_only(text[merged[-1]:begin]):
            merged.append(begin)
    merged.append(len(text))
    line = 0
    prev = 0
    for begin, end in zip(merged, merged[1:], strict=False):
        line += text.count("\n", prev, begin)
        prev = begin
        chunk = text[begin:end]
        if not chunk.strip():
            continue
        try:
            if _depth_bound(chunk) > _SAFE_BOUND:
                deep = _measure_depth(chunk)
                if deep is not None:
                    dline, dcol = textmap.position(deep, begin, line)
                    result.problems.append(Problem(
                        "input-too-large", dline, dcol,
                        f"nesting deeper than {MAX_DEPTH} levels: not a Kubernetes manifest; the document "
                        "was not linted",
                    ))
                    continue
            nodes = _compose_lenient(chunk)
        except YAMLError as exc:
            result.problems.append(_syntax_problem(exc, chunk, begin, line, textmap))
            continue
        _convert_all(nodes, line, begin, textmap, source, result)


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
        loader.__dict__.clear()


def _depth_bound(text: str) -> int:
    if len(text) <= _SAFE_BOUND:
        return len(text)
    longest = max(map(len, text.splitlines()), default=0)
    return text.count("[") + text.count("{") + longest


def _measure_depth(text: str) -> Any:
    """The mark where nesting first exceeds MAX_DEPTH (None if it never does), with the
    non-recursive event parser."""
    parser = _Parser(text)
    depth = 0
    try:
        while parser.check_event():
            event = parser.get_event()
            name = event.__class__.__name__
            if name in ("MappingStartEvent", "SequenceStartEvent"):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark
            elif name in ("MappingEndEvent", "SequenceEndEvent"):
                depth -= 1
    finally:
        dispose = getattr(parser, "dispose", None)
        if dispose:
            dispose()
    return None


#: The YAML parser's own problem texts, as a Kubernetes user reads them (the parser's text follows in
#: parentheses, so that it can still be searched for).
_YAML_WORDING = (
    ("mapping values are not allowed here",
     "a colon followed by a space inside a value, or a key indented under a value: quote the value or fix the "
     "indentation"),
    ("could not find expected ':'", "a line that is not `key: value` inside a mapping: a missing colon, or wrong "
                                    "indentation"),
    ("did not find expected key", "the indentation of this line does not fit the mapping above it"),
    ("did not find expected '-' indicator", "expected a list item (`- ...`) at this indentation"),
    ("found unexpected ':'", "an unquoted value with a colon inside a flow collection ({...} or [...]): quote the "
                             "value"),
    ("found character that cannot start any token", "this character cannot start an unquoted value (`@`, a "
                                                    "backquote, a tab): quote the value"),
    ("found undefined alias", "an alias (*name) refers to no anchor (&name) defined before it"),
    ("found unknown escape character", "an unknown escape sequence in a double-quoted string: write the "
                                       "backslash as \\\\ or use single quotes"),
    ("found unexpected end of stream", "the file ends inside a quoted value: close the quote"),
    ("expected <document start>", "something follows a complete document: separate documents with a line ---"),
    ("expected ',' or ']'", "a flow list [ ... ] is not closed where expected: a missing comma or ]"),
    ("expected ',' or '}'", "a flow mapping { ... } is not closed where expected: a missing comma or }"),
    ("expected alphabetic or numeric character", "an anchor or alias name (&name, *name) is empty or invalid"),
    ("found duplicate anchor", "an anchor (&name) is defined twice in this document"),
)


def _yaml_wording(problem: str, context: str | None) -> str:
    """The message of a YAML syntax problem: in words for users when the parser's text is a known one."""
    raw = f"{problem} ({context})" if context else problem
    if "is never closed" in problem:
        return raw  # already said where the unclosed quote or bracket starts
    for phrase, words in _YAML_WORDING:
        if phrase in problem:
            return f"{words} (YAML: {raw})"
    return raw


def _syntax_problem(exc: YAMLError, text: str, base: int, line_offset: int, textmap: TextMap) -> Problem:
    if isinstance(exc, ReaderError):
        # a character YAML does not allow: the error carries a byte offset into the chunk, no mark
        index = len(text.encode("utf-8", "surrogatepass")[: exc.position].decode("utf-8", "ignore"))
        line, col = textmap.at(base + index)
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        return Problem("yaml-syntax-error", line, col,
                       f"character U+{code:04X} is not allowed in YAML (a control character): remove it or "
                       "write it as an escape in a double-quoted string")
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
    message = _yaml_wording(str(problem), str(context) if context else None)
    if mark is None:
        return Problem("yaml-syntax-error", line_offset + 1, 1, message)
    line, col = textmap.position(mark, base, line_offset)
    here = textmap.text[base + mark.index - mark.column: base + mark.index + 1] if not textmap.odd else ""
    if "\t" in here and not here[:-1].strip(" \t"):
        message = "tab character in indentation: YAML indentation must use spaces"
        return Problem("yaml-syntax-error", line, col, message, "expand-tabs")
    if textmap.odd:
        message += ("; note: this document contains a NEL, U+2028 or U+2029 character, which YAML (and "
                    "kubectl) read as a line break")
    return Problem("yaml-syntax-error", line, col, message)


def _convert_all(nodes: list[Node], line_offset: int, base: int, textmap: TextMap, source: str,
                 result: ParseResult) -> None:
    def position(node: Node) -> tuple[int, int]:
        return textmap.position(node.start_mark, base, line_offset)

    for node in nodes:
        conv = _Converter(position)
        try:
            data = conv.convert(node, 0)
        except _TooDeep as exc:
            line, col = position(exc.node)
            result.problems.append(Problem(
                "input-too-large", line, col,
                f"nesting deeper than {MAX_DEPTH} levels: not a Kubernetes manifest; the document was not linted",
            ))
            continue
        result.problems.extend(conv.problems)
        if conv.shared and _expanded_size(node) > MAX_EXPANDED_NODES:
            line, col = position(node)
            result.problems.append(Problem(
                "input-too-large", line, col,
                f"aliases expand this document to more than {MAX_EXPANDED_NODES:,} nodes (an alias bomb?); "
                "the document was not linted",
            ))
            continue
        if data is None:  # empty or comment-only document
            continue
        textmap_or_none = textmap if textmap.odd else None
        result.documents.append(Document(source, len(result.documents), data, node, line_offset, base,
                                         textmap_or_none))


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

    __slots__ = ("position", "problems", "memo", "active", "shared")

    def __init__(self, position: Callable[[Node], tuple[int, int]]) -> None:
        self.position = position
        self.problems: list[Problem] = []
        self.memo: dict[int, Any] = {}
        self.active: set[int] = set()
        self.shared = False  # an aliased collection was reused: its expanded size must be checked

    def convert(self, node: Node, depth: int) -> Any:
        cls = node.__class__
        if cls is ScalarNode:
            return _scalar(node)  # type: ignore[arg-type]
        if depth >= MAX_DEPTH:
            raise _TooDeep(node)
        nid = id(node)
        if nid in self.memo:
            self.shared = True
            return self.memo[nid]
        if nid in self.active:
            line, col = self.position(node)
            self.problems.append(Problem("yaml-syntax-error", line, col,
                                         "recursive alias: an anchor refers to itself"))
            return None
        self.active.add(nid)
        out: Any
        if cls is MappingNode:
            out = self._mapping(node, depth + 1)  # type: ignore[arg-type]
        else:
            convert = self.convert
            out = [convert(item, depth + 1) for item in node.value]
        self.active.discard(nid)
        self.memo[nid] = out
        return out

    def _mapping(self, node: MappingNode, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merges: list[Node] = []
        firsts: dict[str, Node] | None = None
        dups: list[tuple[Node, str, Node]] = []
        convert = self.convert
        for knode, vnode in node.value:
            if knode.__class__ is not ScalarNode:
                # sigs.k8s.io/yaml refuses it ("unsupported map key"); never converted, so an alias
                # bomb used as a key is never expanded either
                line, col = self.position(knode)
                self.problems.append(Problem(
                    "yaml-syntax-error", line, col,
                    "a list or mapping used as a mapping key: Kubernetes' YAML decoder rejects it "
                    "(unsupported map key); use a string key"))
                continue
            key = knode.value
            if key == "<<" and _tag(knode) in _MERGE_TAGS:
                merges.append(vnode)
                continue
            if key in out:
                if firsts is None:  # built once per mapping, on its first duplicate: linear overall
                    firsts = {}
                    for k, _ in node.value:
                        if k.__class__ is ScalarNode:
                            firsts.setdefault(k.value, k)
                dups.append((knode, key, firsts[key]))
            out[key] = convert(vnode, depth)
        if dups:
            # a second apiVersion *and* kind at the top: two documents without the --- between them
            pasted = depth == 1 and {"apiVersion", "kind"} <= {key for _, key, _ in dups}
            if pasted:  # one defect, one finding: at the second apiVersion, naming every repeated key
                keys = list(dict.fromkeys(key for _, key, _ in dups))
                knode, key, first = next(d for d in dups if d[1] == "apiVersion")
                self._duplicate(knode, key, first, keys)
            else:
                for knode, key, first in dups:
                    self._duplicate(knode, key, first)
        for source in merges:
            subs = source.value if source.__class__ is SequenceNode else [source]
            for sub in subs:
                merged = convert(sub, depth)
                if isinstance(merged, dict):
                    for key, value in merged.items():
                        out.setdefault(key, value)
        return out

    def _duplicate(self, knode: Node, key: str, first: Node, pasted: list[str] | None = None) -> None:
        line, col = self.position(knode)
        first_line, _ = self.position(first)
        self.problems.append(_duplicate_problem(key, line, col, first_line, pasted))


def _duplicate_problem(key: str, line: int, col: int, first_line: int, pasted: list[str] | None) -> Problem:
    shown = key if len(key) <= 60 else key[:57] + "..."
    if pasted:
        repeated = ", ".join(pasted[:-1]) + f" and {pasted[-1]}"
        advice = f"{repeated} repeat: two documents pasted together? separate them with a line ---"
    else:
        advice = ("kubectl and Helm silently keep the last value, Kustomize refuses to build; "
                  "remove or merge one of them")
    fix = "separate" if pasted and col == 1 else None
    return Problem("duplicate-key", line, col, f'duplicate key "{shown}" (first at line {first_line}): {advice}', fix)


def _plain(value: str) -> Any:
    if not value or value in _NULLS:
        return None
    if value[0] in _NUMBER_START:
        digits = value.replace("_", "") if "_" in value else value
        if _INT_RE.match(digits):
            return _int(digits)
        if _FLOAT_RE.match(digits):
            return _finite(digits, value)
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


_INT64_MIN = -(2**63)
_UINT64_MAX = 2**64 - 1


def _int(text: str) -> int | float | str:
    """An integer as go-yaml v2 reads it: strconv.ParseInt, then ParseUint (64 bits, base from the
    prefix); out of range, a decimal becomes a float and anything else stays a string. So no
    integer from a manifest is ever wider than 64 bits."""
    s = text.replace("_", "")
    sign = -1 if s.startswith("-") else 1
    body = s.lstrip("+-")
    n: int | None = None
    if len(body) <= 66:  # "0b" + 64 binary digits: anything longer is out of range in every base
        try:
            prefix = body[:2].lower()
            if prefix == "0x":
                n = int(body[2:], 16)
            elif prefix == "0o":
                n = int(body[2:], 8)
            elif prefix == "0b":
                n = int(body[2:], 2)
            elif len(body) > 1 and body[0] == "0":
                n = int(body, 8)
            else:
                n = int(body)
        except ValueError:
            n = None
    if n is not None:
        n *= sign
        if _INT64_MIN <= n <= _UINT64_MAX:
            return n
    if _FLOAT_RE.match(s):
        return _finite(s, text)
    return text


def _finite(digits: str, text: str) -> float | str:
    """strconv.ParseFloat: a value beyond the float64 range is an error, and go-yaml keeps the text."""
    value = float(digits)
    return value if value not in (float("inf"), float("-inf")) else text


def _float(text: str) -> float | str:
    special = _FLOAT_SPECIAL.get(text.lower())
    if special is not None:
        return special
    try:
        return _finite(text.replace("_", ""), text)
    except ValueError:
        return text
