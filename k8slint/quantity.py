"""Kubernetes resource quantities with exact arithmetic (no floats).

Grammar (k8s.io/apimachinery/pkg/api/resource/quantity.go):

    quantity  ::= signedNumber suffix
    number    ::= digits | digits '.' digits | digits '.' | '.' digits
    suffix    ::= binarySI | decimalExponent | decimalSI
    binarySI  ::= Ki | Mi | Gi | Ti | Pi | Ei
    decimalSI ::= m | "" | k | M | G | T | P | E
    decimalExponent ::= ('e' | 'E') signedNumber

YAML numbers (`cpu: 1`, `cpu: 0.5`) are quantities too: the API server receives them as JSON numbers.
"""

from __future__ import annotations

import re
from fractions import Fraction

_QUANTITY = re.compile(
    r"(?P<num>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?:(?P<bin>Ki|Mi|Gi|Ti|Pi|Ei)|[eE](?P<exp>[+-]?[0-9]+)|(?P<dec>[mkMGTPE]?))\Z"
)
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"m": Fraction(1, 1000), "": Fraction(1), "k": Fraction(10**3), "M": Fraction(10**6),
            "G": Fraction(10**9), "T": Fraction(10**12), "P": Fraction(10**15), "E": Fraction(10**18)}

EXAMPLES = "e.g. 500m, 2, 1.5Gi, 512Mi, 1e3, 2k"


#: Magnitudes beyond this are treated as this: larger than any resource anyone has, and a bound that
#: keeps a hostile 5,000-digit quantity from ever becoming a 5,000-digit integer. (The API server
#: documents that quantities are capped at 2^63-1; k8slint keeps values exact below 10^40.)
_MAX_DIGITS = 40
MAX_QUANTITY = Fraction(10**_MAX_DIGITS)
_MAX_EXP_DIGITS = 10  # the exponent is parsed as an int32 (strconv.ParseInt(..., 10, 32))


_PARSED: dict[tuple[type, object], Fraction | None] = {}
_PARSED_MAX = 4096


def parse_quantity(value: object) -> Fraction | None:
    """The exact value of a quantity, or None when `value` is not one. Magnitudes are capped at
    MAX_QUANTITY: no input, however long, is converted beyond that. Each distinct value is parsed once
    (manifests repeat `100m` and `128Mi` over and over)."""
    if value.__class__ not in (str, int, float) or (value.__class__ is str and len(value) > 64):  # type: ignore[arg-type]
        return _parse_quantity(value)
    key = (value.__class__, value)
    found = _PARSED.get(key, _MISSING)
    if found is _MISSING:
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        found = _PARSED[key] = _parse_quantity(value)
    return found  # type: ignore[return-value]


_MISSING = object()


def _parse_quantity(value: object) -> Fraction | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _cap(Fraction(value))
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return _cap(Fraction(repr(value)))  # the decimal the user wrote, not the binary float
    if not isinstance(value, str):
        return None
    match = _QUANTITY.match(value)
    if match is None:
        return None
    text = match["num"]
    negative = text.startswith("-")
    whole, _, fraction = text.lstrip("+-").partition(".")
    whole = whole.lstrip("0")
    if match["exp"] is not None and len(match["exp"].lstrip("+-")) > _MAX_EXP_DIGITS:
        return None  # beyond int32: strconv.ParseInt fails and so does ParseQuantity
    exp = int(match["exp"]) if match["exp"] is not None else 0
    if not whole.strip("0") and not fraction.strip("0"):
        return Fraction(0)
    if len(whole) + exp > _MAX_DIGITS:
        return -MAX_QUANTITY if negative else MAX_QUANTITY
    if len(fraction) > _MAX_DIGITS or exp < -_MAX_DIGITS:
        # far below a nanounit: the API server rounds such precision up; so do we, to 10^-40
        number = Fraction(int((whole or "0") + fraction[:_MAX_DIGITS] or "0"), 10 ** min(len(fraction), _MAX_DIGITS))
        number += Fraction(1, 10**_MAX_DIGITS)
        exp = max(exp, -_MAX_DIGITS)
    else:
        number = Fraction(int((whole or "0") + fraction), 10 ** len(fraction))
    if negative:
        number = -number
    if match["bin"]:
        return _cap(number * _BINARY[match["bin"]])
    if match["exp"] is not None:
        return _cap(number * Fraction(10) ** exp)
    return _cap(number * _DECIMAL[match["dec"] or ""])


def _cap(value: Fraction) -> Fraction:
    if value > MAX_QUANTITY:
        return MAX_QUANTITY
    if value < -MAX_QUANTITY:
        return -MAX_QUANTITY
    return value


def human_quantity(value: Fraction, binary: bool = False) -> str:
    """A quantity for a message: exact when it has a unit or is small (`500m`, `128Mi`, `2G`, `64`),
    else rounded to three significant digits in the largest unit (`~6.19Ti` for 6802365608064 bytes)."""
    exact = format_quantity(value, binary)
    if len(exact) <= 12 and (not exact[-1].isdigit() or abs(value) < 10000 or "." in exact):
        return exact
    units = list(_BINARY.items()) if binary else [(k, _DECIMAL[k]) for k in "kMGTPE"]
    suffix, mult = max(((s, m) for s, m in units if abs(value) >= m), key=lambda u: u[1])
    scaled = float(value / mult)
    if abs(scaled) >= 1000:
        return f"~{float(value):.3g}"
    digits = max(0, 3 - len(str(int(abs(scaled)))))
    return f"~{scaled:.{digits}f}".rstrip("0").rstrip(".") + suffix


def format_quantity(value: Fraction, binary: bool = False) -> str:
    """The shortest readable rendering: 1.5 and 500m (cpu), 128Mi or 2G (memory), 4."""
    if value == 0:
        return "0"
    candidates = []
    if value.denominator == 1:
        candidates.append(str(value.numerator))
        for suffix, mult in _BINARY.items():
            scaled = value / mult
            if scaled.denominator == 1:
                candidates.append(f"{scaled.numerator}{suffix}")
        for suffix in ("k", "M", "G", "T", "P", "E"):
            scaled = value / _DECIMAL[suffix]
            if scaled.denominator == 1:
                candidates.append(f"{scaled.numerator}{suffix}")
    else:
        milli = value * 1000
        if milli.denominator == 1:
            whole, rest = divmod(abs(milli.numerator), 1000)
            sign = "-" if value < 0 else ""
            candidates.append(f"{milli.numerator}m" if whole == 0 else
                              f"{sign}{whole}.{str(rest).rjust(3, '0').rstrip('0')}")
        else:
            candidates.append(f"{float(value):g}")
    # shortest wins; on a tie prefer binary suffixes for memory-like resources, decimal otherwise
    return min(candidates, key=lambda c: (len(c), (c[-1] != "i") if binary else (c[-1] == "i")))
