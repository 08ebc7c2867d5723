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


def parse_quantity(value: object) -> Fraction | None:
    """The exact value of a quantity, or None when `value` is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return Fraction(repr(value))  # the decimal the user wrote, not the binary float
    if not isinstance(value, str):
        return None
    match = _QUANTITY.match(value)
    if match is None:
        return None
    number = Fraction(match["num"])
    if match["bin"]:
        return number * _BINARY[match["bin"]]
    if match["exp"] is not None:
        exp = int(match["exp"])
        if abs(exp) > 1000:
            return None
        return number * Fraction(10) ** exp
    return number * _DECIMAL[match["dec"] or ""]


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
