"""`dataclass` as k8slint declares its value types: the standard decorator, except that `frozen=True` is
enforced by the type checker alone. Mypy reads the standard decorator here (and then refuses any
assignment to a frozen class's fields); at run time a frozen class is an ordinary dataclass with the same
equality and hash (`unsafe_hash`).

Why: a frozen dataclass costs two more generated methods when its module is imported, and an
`object.__setattr__` per field each time an instance is made. A one-file lint imports 34 of them
(7-12 ms of its 0.18 s); a large run makes hundreds of thousands of Locations, Violations and
ObjectRefs (0.56 µs each frozen, 0.21 µs not). Nothing in k8slint changes a value once made.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dataclasses import dataclass as dataclass  # what mypy reads: frozen fields refuse assignment
else:
    def dataclass(cls: Any = None, /, **options: Any) -> Any:
        if options.pop("frozen", False) and options.get("eq", True):
            options["unsafe_hash"] = True  # the hash a frozen dataclass has: of its fields
        if cls is None:
            return lambda wrapped: dataclasses.dataclass(wrapped, **options)
        return dataclasses.dataclass(cls, **options)
