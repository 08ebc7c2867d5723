"""Quantities: every Kubernetes form parses exactly; junk does not."""

from __future__ import annotations

from fractions import Fraction

import pytest

from k8slint.quantity import format_quantity, human_quantity, parse_quantity


@pytest.mark.parametrize(("text", "value"), [
    ("500m", Fraction(1, 2)), ("1.5Gi", Fraction(3 * 2**29)), ("1e3", Fraction(1000)), ("2k", Fraction(2000)),
    ("1", Fraction(1)), (".5", Fraction(1, 2)), ("5.", Fraction(5)), ("+1", Fraction(1)), ("-1", Fraction(-1)),
    ("1E-2", Fraction(1, 100)), ("100Mi", Fraction(100 * 2**20)), ("1Ki", Fraction(1024)), ("3T", Fraction(3 * 10**12)),
    ("1.5m", Fraction(3, 2000)), ("12E", Fraction(12 * 10**18)), ("1e+3", Fraction(1000)),
    (1, Fraction(1)), (0.1, Fraction(1, 10)), (1e3, Fraction(1000)),
    # hostile lengths: capped, never converted (the exponent is an int32 in the API server)
    ("1e99999", Fraction(10**40)), ("9" * 5000, Fraction(10**40)), ("-" + "9" * 5000 + "Ki", Fraction(-(10**40))),
])
def test_valid_quantities(text: object, value: Fraction) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["lots", "", "m", "1GB", "1 Gi", " 1", "1gi", "1.2.3", "0x10", "1e", "Gi", True,
                                  None, [], float("nan"), "1e99999999999", "1e" + "9" * 5000])
def test_invalid_quantities(text: object) -> None:
    assert parse_quantity(text) is None


def test_exact_arithmetic() -> None:
    assert parse_quantity("100m") * 3 == parse_quantity("300m")  # 0.1 * 3 == 0.3, no float error
    assert parse_quantity("0.1") + parse_quantity("0.2") == parse_quantity("300m")


@pytest.mark.parametrize(("value", "binary", "text"), [
    (Fraction(3, 2), False, "1.5"), (Fraction(1, 2), False, "500m"), (Fraction(2), False, "2"),
    (Fraction(128 * 2**20), True, "128Mi"), (Fraction(0), False, "0"), (Fraction(2000), False, "2k"),
])
def test_format(value: Fraction, binary: bool, text: str) -> None:
    assert format_quantity(value, binary) == text


@pytest.mark.parametrize(("value", "binary", "shown"), [
    (Fraction(6802365608064), True, "~6.19Ti"),  # bytes summed over PVCs: never a 13-digit number
    (Fraction(6802365608064), False, "~6.8T"),
    (Fraction(5 * 2**30), True, "5Gi"),  # exact when it has a unit
    (Fraction(1, 2), False, "500m"),
    (Fraction(64), False, "64"),
    (Fraction(1234567), True, "~1.18Mi"),
    (Fraction(10**40), False, "~1e+40"),
])
def test_quantities_in_messages_are_in_units(value: Fraction, binary: bool, shown: str) -> None:
    assert human_quantity(value, binary) == shown
