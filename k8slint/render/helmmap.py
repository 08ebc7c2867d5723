"""From a field of a rendered Helm template back to the template line the user must edit.

1. Literal YAML lines of a template carry a `#@k8slint:L<n>` marker in the marked render (see
   `helm.mark`): a rendered line with a marker names its template line exactly, in `range` loops and
   `if`/`else` branches too.
2. A rendered line without a marker came from an action (`include`, `toYaml`, `tpl`). The nearest
   rendered ancestor with a marker names the template block it is in; inside that block the
   remaining path is searched structurally (the template minus its actions is shaped like YAML):
   literal keys, then list items, then the output action that wrote the rest, following
   `include`/`template` into the `define` body (in the chart, its subcharts and library charts).
3. Where the field comes from `toYaml .Values.x` (or `with .Values.x` ... `toYaml .`), the finding
   stays on that action line and the values-file line of `x` is a related location. A line in a
   library chart's helper is a related location of the invoking line in the user's template.
"""

from __future__ import annotations

from typing import Any

from ..findings import Location, Path, RelatedLocation
from ..parser import Document, parse
from ..records import dataclass
from ..settings import ValueSet
from . import Mapped
from .gotemplate import Line, Template, analyse, values_path
from .helm import MARKER, ChartFiles, locate_value

_API_RULES = frozenset({"removed-api-version", "deprecated-api-version"})


class ChartContext:
    """Everything the mappers of one chart share: analysed templates and where each define lives."""

    def __init__(self, chart: ChartFiles, values_file: str) -> None:
        self.chart = chart
        self.values_file = values_file
        self._templates: dict[tuple[str, str], Template | None] = {}
        self._defines: dict[str, list[tuple[ChartFiles, str]]] | None = None

    def template(self, owner: ChartFiles, rel: str) -> Template | None:
        key = (owner.root, rel)
        if key not in self._templates:
            text = owner.template_text(rel)
            self._templates[key] = analyse(text) if text is not None else None
        return self._templates[key]

    def define(self, name: str, near: ChartFiles) -> tuple[ChartFiles, str, Template, tuple[int, int]] | None:
        """The `define` block `name`: in the caller's chart first, then anywhere in the chart tree."""
        if self._defines is None:
            self._defines = {}
            for owner, rel in self.chart.all_templates():
                template = self.template(owner, rel)
                if template is None:
                    continue
                for define in template.defines:
                    self._defines.setdefault(define, []).append((owner, rel))
        places = self._defines.get(name, [])
        places = sorted(places, key=lambda p: p[0] is not near)
        for owner, rel in places:
            template = self.template(owner, rel)
            if template is not None and name in template.defines:
                return owner, rel, template, template.defines[name]
        return None

    def tests_capabilities(self, template: Template, near: ChartFiles, seen: set[str] | None = None) -> bool:
        """Whether a template, or a define it includes (transitively), looks at `.Capabilities`."""
        if template.capabilities:
            return True
        seen = seen if seen is not None else set()
        for name in template.includes - seen:
            seen.add(name)
            found = self.define(name, near)
            if found is None:
                continue
            _, _, helper, (first, last) = found
            lines = helper.lines[first:last + 1]
            if any(".Capabilities" in line.text for line in lines):
                return True
            nested = Template(lines, includes={n for line in lines for n in line.includes})
            if self.tests_capabilities(nested, found[0], seen):
                return True
        return False


@dataclass
class _Hit:
    owner: ChartFiles
    rel: str
    line: Line
    exact: bool
    remaining: Path = ()  # path left when the search stopped on an output action
    values: tuple[str, ...] | None = None  # the .Values path that action writes
    offset: int = 0  # list items written literally before the action's own
    via: _Hit | None = None  # the include line that led into a define


class TemplateMapper:
    """Maps the findings of one rendered template of one render."""

    def __init__(self, context: ChartContext, owner: ChartFiles, rel: str, rendered: str, marked: bool,
                 value_set: ValueSet, no_capabilities: bool) -> None:
        self.context, self.owner, self.rel = context, owner, rel
        self.rendered, self.marked = rendered, marked
        self.value_set = value_set
        self.no_capabilities = no_capabilities
        self._docs: list[Document] | None = None
        self._lines: list[str] | None = None

    # --- the SourceMapper protocol --------------------------------------------------------------

    def suppressed_rules(self, document: int) -> frozenset[str]:
        """With the SDK, `.Capabilities.APIVersions` is not the target cluster's: an apiVersion picked
        by such a test is the renderer's choice, not the chart's, and is not reported."""
        if not self.no_capabilities:
            return frozenset()
        template = self.context.template(self.owner, self.rel)
        if template is not None and self.context.tests_capabilities(template, self.owner):
            return _API_RULES
        return frozenset()

    def map_position(self, line: int, column: int) -> Mapped:
        """A position of the rendered text (a YAML error in it): the template line of the nearest
        marked rendered line at or above it."""
        file = self.owner.display(self.rel)
        lines = self._rendered_lines()
        for at in range(min(line, len(lines)), 0, -1):
            found = MARKER.search(lines[at - 1])
            if found is not None:
                return Mapped(Location(file, int(found.group(1)), 1), exact=at == line)
        return Mapped(Location(file, 1, 1), exact=False)

    def map(self, document: int, path: Path, line: int, column: int) -> Mapped:
        template = self.context.template(self.owner, self.rel)
        file = self.owner.display(self.rel)
        if template is None:
            return Mapped(Location(file, 1, 1), exact=False)
        hit = self._hit(template, document, path, line)
        if hit is None:
            return Mapped(Location(file, 1, 1), exact=False)
        return self._mapped(hit, line, column)

    # --- search -------------------------------------------------------------------------------------

    def _hit(self, template: Template, document: int, path: Path, line: int) -> _Hit | None:
        rendered_lines = self._rendered_lines()
        if self.marked:
            # the field's own line, then its nearest ancestor with a marker
            for depth in range(len(path), -1, -1):
                at = line if depth == len(path) else self._rendered_line(document, path[:depth])
                if at is None or not 0 < at <= len(rendered_lines):
                    continue
                found = MARKER.search(rendered_lines[at - 1])
                if found is None:
                    continue
                anchor = template.lines[int(found.group(1)) - 1]
                if depth == len(path):
                    return _Hit(self.owner, self.rel, anchor, True)
                first, last = _block(template.lines, anchor.number - 1)
                return self._search(self.owner, self.rel, template, first, last, path[depth:], anchor)
        first, last = self._document_region(template, document)
        return self._search(self.owner, self.rel, template, first, last, path, None)

    def _search(self, owner: ChartFiles, rel: str, template: Template, first: int, last: int, path: Path,
                anchor: Line | None, depth: int = 0) -> _Hit:
        """Walk `path` through the template lines first..last (indexes, inclusive)."""
        lines = template.lines
        current: Line | None = anchor
        for k, elem in enumerate(path):
            region = [ln for ln in lines[first:last + 1] if ln.kind in ("yaml", "output")]
            yaml_lines = [ln for ln in region if ln.kind == "yaml"]
            if isinstance(elem, int):
                top = min((ln.item_indent for ln in yaml_lines if ln.item), default=None)
                items = [ln for ln in yaml_lines if ln.item and ln.item_indent == top]
                ranged = any(_is_range(ln) for ln in lines[first:last + 1])
                if items and (ranged or elem < len(items)):
                    chosen = items[0] if ranged and len(items) == 1 else items[min(elem, len(items) - 1)]
                    current = chosen
                    first, last = _block(lines, chosen.number - 1, item=True)
                    continue
                return self._output(owner, rel, template, region, path[k:], current, len(items), depth)
            top = min((_effective(ln) for ln in yaml_lines), default=None)
            keys = [ln for ln in yaml_lines if _effective(ln) == top and (ln.key == elem or ln.key is None)
                    and _is_key_line(ln)]
            keys.sort(key=lambda ln: ln.key is None)  # literal keys before templated ones
            if keys:
                chosen = keys[0]
                current = chosen
                first, last = _block(lines, chosen.number - 1, from_key=True)
                continue
            return self._output(owner, rel, template, region, path[k:], current, 0, depth)
        if current is None:
            current = next((ln for ln in lines[first:last + 1] if ln.kind == "yaml"), lines[first])
        return _Hit(owner, rel, current, True)

    def _output(self, owner: ChartFiles, rel: str, template: Template, region: list[Line], remaining: Path,
                current: Line | None, offset: int, depth: int) -> _Hit:
        """The path leaves the literal text: the output action of the block wrote it."""
        outputs = [ln for ln in region if ln.kind == "output" or (ln.kind == "yaml" and (ln.includes or ln.values))]
        if current is not None and (current.includes or current.values) and current not in outputs:
            outputs.insert(0, current)  # `key: {{ include ... | nindent 4 }}`
        for line in outputs:
            for name in line.includes:
                found = self.context.define(name, owner)
                if found is None or depth > 8:
                    continue
                sub_owner, sub_rel, helper, (first, last) = found
                inner = self._search(sub_owner, sub_rel, helper, first + 1, last - 1, remaining, None, depth + 1)
                if inner.exact:
                    if inner.via is None:  # the include closest to the helper: the one to edit
                        inner.via = _Hit(owner, rel, line, False, remaining)
                    return inner
        if outputs:
            line = outputs[-1] if len(outputs) > 1 and isinstance(remaining[0], int) else outputs[0]
            return _Hit(owner, rel, line, False, remaining, values_path(line, template.lines), offset)
        fallback = current if current is not None else (region[0] if region else template.lines[first_line(template)])
        return _Hit(owner, rel, fallback, False, remaining)

    # --- results ------------------------------------------------------------------------------------

    def _mapped(self, hit: _Hit, rendered_line: int, rendered_column: int) -> Mapped:
        related: list[RelatedLocation] = []
        primary = hit
        if hit.via is not None:
            via_location = Location(hit.via.owner.display(hit.via.rel), hit.via.line.number,
                                    _column(hit.via.line, None))
            helper_location = Location(hit.owner.display(hit.rel), hit.line.number, _column(hit.line, None))
            if hit.owner.library or hit.owner.archive is not None:
                primary = hit.via  # a library helper: the user edits the line that invokes it
                related.append(RelatedLocation(helper_location, None, "in the helper it includes"))
            else:
                related.append(RelatedLocation(via_location, None, "included from"))
        if not hit.exact and hit.values is not None:
            values_path_ = list(hit.values)
            rest = list(hit.remaining)
            if rest and isinstance(rest[0], int):
                rest[0] = max(0, rest[0] - hit.offset)
            file, line, column = locate_value(self.context.chart, self.value_set, (*values_path_, *rest))
            if (line, column) == (1, 1):
                file, line, column = locate_value(self.context.chart, self.value_set, tuple(values_path_))
            related.append(RelatedLocation(Location(file, line, column), None,
                                           f"value of .Values.{'.'.join(values_path_)}"))
        column = rendered_column if primary is hit and hit.exact and self._same_prefix(hit.line, rendered_line,
                                                                                        rendered_column) \
            else _column(primary.line, None)
        location = Location(primary.owner.display(primary.rel), primary.line.number, column)
        return Mapped(location, tuple(related), hit.exact)

    def _same_prefix(self, line: Line, rendered_line: int, column: int) -> bool:
        lines = self._rendered_lines()
        if not 0 < rendered_line <= len(lines):
            return False
        return line.text[: column - 1] == lines[rendered_line - 1][: column - 1]

    def _rendered_lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.rendered.split("\n")
        return self._lines

    def _rendered_line(self, document: int, path: Path) -> int | None:
        if self._docs is None:
            self._docs = parse(self.rendered, self.rel).documents
        if not 0 <= document < len(self._docs):
            return None
        return self._docs[document].locate(path)[0]

    def _document_region(self, template: Template, document: int) -> tuple[int, int]:
        """The template lines of rendered document `document`: the `---` section whose literal
        `kind:` is the rendered kind (the n-th such section for the n-th such document)."""
        regions: list[tuple[int, int]] = []
        start = 0
        for i, line in enumerate(template.lines):
            if line.text.startswith("---"):
                if i > start:
                    regions.append((start, i - 1))
                start = i + 1
        regions.append((start, len(template.lines) - 1))
        if self._docs is None:
            self._docs = parse(self.rendered, self.rel).documents
        kind = None
        if 0 <= document < len(self._docs) and isinstance(self._docs[document].data, dict):
            kind = self._docs[document].data.get("kind")
        same = [r for r in regions if any(ln.key == "kind" and f"kind: {kind}" in ln.text
                                          for ln in template.lines[r[0]:r[1] + 1])]
        ordinal = sum(1 for d in (self._docs or [])[:document]
                      if isinstance(d.data, dict) and d.data.get("kind") == kind)
        if same:
            return same[min(ordinal, len(same) - 1)]
        return regions[min(document, len(regions) - 1)] if regions else (0, len(template.lines) - 1)


def _effective(line: Line) -> int:
    """The indentation a line's key sits at (the key after `- ` for an item's first key)."""
    return line.key_column - 1 if line.key_column else line.indent


def _is_key_line(line: Line) -> bool:
    return line.key is not None or ":" in line.text


def _is_range(line: Line) -> bool:
    return line.kind == "control" and "range" in line.text


def _block(lines: list[Line], index: int, item: bool = False, from_key: bool = False) -> tuple[int, int]:
    """(first, last) line indexes of the block a line opens: the lines after it (and, for an item,
    the item's own line) until a YAML line at its indentation or less."""
    line = lines[index]
    level = line.item_indent if item else _effective(line)
    first = index if item else index + 1
    last = len(lines) - 1
    for j in range(index + 1, len(lines)):
        other = lines[j]
        if other.kind != "yaml":
            continue
        other_level = other.item_indent if other.item else _effective(other)
        if other_level <= level:
            last = j - 1
            break
    return first, last  # last < first: an empty block (`key: value` on one line)


def _column(line: Line, key: Any) -> int:
    return line.key_column or (line.indent + 1)


def first_line(template: Template) -> int:
    return next((i for i, ln in enumerate(template.lines) if ln.kind == "yaml"), 0)
