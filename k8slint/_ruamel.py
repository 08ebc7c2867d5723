"""ruamel.yaml for the parser's Python path (see parser._load_ruamel): imported only when a text does
not go through the C accelerator, or when node spans are needed (suppression comments, fixes)."""

from __future__ import annotations

from typing import Any

from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.tag import Tag

try:  # the C extension is a hard dependency on CPython; keep a slow path for other runtimes
    from ruamel.yaml.cyaml import CParser as _Parser
    from ruamel.yaml.cyaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - exercised only without ruamel.yaml.clib
    from ruamel.yaml import SafeLoader as _Loader  # type: ignore[attr-defined,no-redef,assignment]
    from ruamel.yaml.parser import Parser as _Parser  # type: ignore[assignment,no-redef]

from .parser import _PLAIN, _STR

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


#: the names parser._load_ruamel binds in the parser module
__all__ = ["MarkedYAMLError", "YAMLError", "MappingNode", "Node", "ScalarNode", "SequenceNode", "ReaderError",
           "_Parser", "_PLAIN_TAG", "_STR_TAG", "_FastLoader"]
