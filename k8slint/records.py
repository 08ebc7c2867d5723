"""`dataclass` as k8slint declares its value types: the standard decorator, with two differences the type
checker does not see.

- `frozen=True` is enforced by the type checker alone. Mypy reads the standard decorator here (and then
  refuses any assignment to a frozen class's fields); at run time a frozen class is an ordinary
  dataclass with the same equality and hash (`unsafe_hash`). A frozen dataclass costs two more generated
  methods when its module is imported, and an `object.__setattr__` per field each time an instance is
  made; a large run makes hundreds of thousands of Locations, Violations and ObjectRefs (0.56 µs each
  frozen, 0.21 µs not). Nothing in k8slint changes a value once made.
- `__repr__`, `__eq__` and `__hash__` are not generated Python source, compiled as each class is
  declared, but the same three methods for every class, over an `operator.attrgetter` of the fields the
  standard decorator would use (the same results, and the same hashes: of the tuple of those fields).
  The standard decorator compiles each generated method: a one-file lint declares 63 dataclasses, and
  compiling their `__repr__`, `__eq__` and `__hash__` took 15 ms of its 0.15 s. Only `__init__`, which
  runs for every instance, is still compiled.
"""

from __future__ import annotations

import dataclasses
import reprlib
from operator import attrgetter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dataclasses import dataclass as dataclass  # what mypy reads: frozen fields refuse assignment
else:
    def dataclass(cls: Any = None, /, **options: Any) -> Any:
        if options.pop("frozen", False) and options.get("eq", True):
            options["unsafe_hash"] = True  # the hash a frozen dataclass has: of its fields
        if cls is None:
            return lambda wrapped: _declare(wrapped, options)
        return _declare(cls, options)

#: the methods made here (a class that defines one of them itself, or asks for ordering, gets the
#: standard decorator's)
_MADE = ("__repr__", "__eq__", "__hash__")


def _declare(cls: type, options: dict[str, Any]) -> type:
    want_repr = options.pop("repr", True)
    want_eq = options.pop("eq", True)
    unsafe_hash = options.pop("unsafe_hash", False)
    if options.get("order") or any(name in cls.__dict__ for name in _MADE):
        return dataclasses.dataclass(cls, repr=want_repr, eq=want_eq, unsafe_hash=unsafe_hash, **options)
    made: type = dataclasses.dataclass(cls, repr=False, eq=False, **options)
    fields = dataclasses.fields(made)
    if want_repr:
        made.__repr__ = _repr_of(tuple(f.name for f in fields if f.repr))  # type: ignore[method-assign]
    if want_eq:
        made.__eq__ = _eq_of(_key([f.name for f in fields if f.compare]))  # type: ignore[method-assign]
    if unsafe_hash:
        made.__hash__ = _hash_of(_key([f.name for f in fields if (f.compare if f.hash is None else f.hash)]))  # type: ignore[method-assign]
    elif want_eq:
        made.__hash__ = None  # type: ignore[assignment]  # equal by value, mutable: unhashable
    return made


def _key(names: list[str]) -> Any:
    """The tuple of these attributes of an instance (attrgetter of one name returns the value alone)."""
    if not names:
        return lambda _self: ()
    if len(names) == 1:
        get = attrgetter(names[0])
        return lambda self: (get(self),)
    return attrgetter(*names)


def _repr_of(names: tuple[str, ...]) -> Any:
    @reprlib.recursive_repr()
    def __repr__(self: Any) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({shown})"
    return __repr__


def _eq_of(key: Any) -> Any:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented
    return __eq__


def _hash_of(key: Any) -> Any:
    def __hash__(self: Any) -> int:
        return hash(key(self))
    return __hash__
