"""Reading a Helm template as text: where its actions are, which lines are YAML, what they define.

The template minus its `{{ }}` actions is still shaped like YAML, and that shape is what locates a
rendered field in the template (`helmmap`). Nothing here evaluates a template.
"""

from __future__ import annotations

import re
from dataclasses import field

from ..records import dataclass

_ACTION = re.compile(r"\{\{-?(.*?)-?\}\}", re.S)
_DEFINE = re.compile(r"^\s*(?:define|block)\s+\"([^\"]+)\"")
_OPEN = re.compile(r"^\s*(if|range|with|define|block)\b")
_END = re.compile(r"^\s*end\b")
_INCLUDE = re.compile(r"\b(?:include|template)\s+\"([^\"]+)\"")
_VALUES = re.compile(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_-]*)+)")
_KEY = re.compile(r"^(?P<indent> *)(?P<dash>(?:- +)*)(?P<key>[^\s:#'\"{][^:#]*?|\"[^\"]*\"|'[^']*'|\{\{.*?\}\}[^:]*?)"
                  r"\s*:(?:\s|$)")
_ITEM = re.compile(r"^(?P<indent> *)- ")
_BLOCK_INDICATOR = re.compile(r":\s*[|>][-+0-9]*\s*(#.*)?$")


@dataclass
class Line:
    number: int  # 1-based
    text: str
    indent: int = 0
    kind: str = "blank"  # blank | comment | yaml | control | output | scalar (block scalar content)
    key: str | None = None  # the mapping key on this line (None: none, or not literal)
    key_column: int = 0  # 1-based column of the key (or of the item's first key)
    item: bool = False  # the line starts a sequence item (`- `)
    item_indent: int = 0
    define: str | None = None  # the define block the line is in
    includes: tuple[str, ...] = ()  # templates this line includes
    values: tuple[str, ...] = ()  # .Values paths this line references
    in_action: bool = False  # the line starts inside a multi-line action or comment


@dataclass
class Template:
    """A template file's lines, classified, and the define blocks it holds."""

    lines: list[Line]
    defines: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (first, last) line index
    capabilities: bool = False  # tests .Capabilities
    includes: set[str] = field(default_factory=set)


def _strip_actions(text: str) -> str:
    return _ACTION.sub(lambda m: "\x00" * len(m.group()), text)


def analyse(text: str) -> Template:
    raw_lines = text.split("\n")
    out: list[Line] = []
    # where each character is: inside an action or not (actions may span lines)
    spans = [(m.start(), m.end(), m.group(1)) for m in _ACTION.finditer(text)]
    stack: list[tuple[str, str | None]] = []  # open block actions: (kind, define name)
    offsets = []
    pos = 0
    for raw in raw_lines:
        offsets.append(pos)
        pos += len(raw) + 1
    span_index = 0
    defines: dict[str, tuple[int, int]] = {}
    define_starts: dict[str, int] = {}
    block_indent: int | None = None  # inside a YAML block scalar deeper than this indent
    template = Template([])
    for i, raw in enumerate(raw_lines):
        start, end = offsets[i], offsets[i] + len(raw)
        line = Line(i + 1, raw)
        line.define = next((name for kind, name in reversed(stack) if kind == "define"), None)
        # actions on this line, and whether the line starts inside one
        actions = []
        while span_index < len(spans) and spans[span_index][1] <= start:
            span_index += 1
        j = span_index
        while j < len(spans) and spans[j][0] < end:
            s, e, body = spans[j]
            if s < start:
                line.in_action = True
            if s >= start:
                actions.append(body)
                for match in _INCLUDE.finditer(body):
                    line.includes += (match.group(1),)
                    template.includes.add(match.group(1))
                line.values += tuple(m.group(1)[1:] for m in _VALUES.finditer(body))
                if ".Capabilities" in body:
                    template.capabilities = True
                defined = _DEFINE.match(body)
                opened = _OPEN.match(body)
                if opened:
                    stack.append((opened.group(1), defined.group(1) if defined else None))
                    if defined:
                        define_starts[defined.group(1)] = i
                elif _END.match(body) and stack:
                    kind, name = stack.pop()
                    if kind == "define" and name is not None:
                        defines[name] = (define_starts.get(name, i), i)
            j += 1
        literal = _strip_actions(raw) if actions or line.in_action else raw
        stripped = literal.replace("\x00", "").strip()
        line.indent = len(raw) - len(raw.lstrip(" "))
        if block_indent is not None:
            if raw.strip() and line.indent <= block_indent:
                block_indent = None
            else:
                line.kind = "scalar"
                out.append(line)
                continue
        if line.in_action and not stripped:
            line.kind = "control"
        elif not raw.strip():
            line.kind = "blank"
        elif not stripped or (actions and stripped.startswith("#")):  # only actions (and a comment)
            line.kind = "output" if any(_is_output(a) for a in actions) else "control"
        elif stripped.startswith("#"):
            line.kind = "comment"
        else:
            line.kind = "yaml"
            item = _ITEM.match(literal)
            if item:
                line.item = True
                line.item_indent = len(item.group("indent"))
            key = _KEY.match(literal.replace("\x00", "{"))
            if key:
                name = key.group("key").strip()
                if "{" in name or "\x00" in name:
                    line.key = None  # a templated key: matches anything
                else:
                    line.key = name.strip("\"'")
                line.key_column = len(key.group("indent")) + len(key.group("dash")) + 1
            elif line.item:
                line.key_column = line.item_indent + 3
            else:
                line.key_column = line.indent + 1
            if _BLOCK_INDICATOR.search(literal.replace("\x00", "")):
                block_indent = line.indent if not line.item else line.item_indent
        out.append(line)
    template.lines = out
    template.defines = defines
    return template


def _is_output(body: str) -> bool:
    """An action that writes text (not if/else/end/range/with/define, not a comment, not `$x := ...`)."""
    body = body.strip()
    if not body or body.startswith("/*"):
        return False
    word = body.split()[0]
    if word in ("if", "else", "end", "range", "with", "define", "block", "break", "continue"):
        return False
    return not (word.startswith("$") and ":=" in body.split("|")[0]) and not re.match(r"^\$\w*\s*=", body)


def values_path(line: Line, lines: list[Line]) -> tuple[str, ...] | None:
    """The `.Values` path an output line writes: its own reference, or the enclosing `with`/`range`
    block's when it writes `.` (e.g. `{{- with .Values.extraVolumes }}{{ toYaml . }}`)."""
    if line.values:
        return tuple(line.values[-1].split("."))
    depth = 0
    for previous in reversed(lines[: line.number - 1]):
        text = previous.text
        for body in reversed(_ACTION.findall(text)):
            if _END.match(body):
                depth += 1
            elif _OPEN.match(body):
                if depth == 0:
                    found = _VALUES.search(body)
                    return tuple(found.group(1)[1:].split(".")) if found else None
                depth -= 1
    return None
