"""Text from manifests made safe to print: terminal escapes and bidi controls shown, not obeyed."""

from __future__ import annotations

import re

# C0 and C1 controls (terminal escape sequences) and the Unicode bidi controls that can reorder
# what a terminal shows ("Trojan Source").
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def inert(text: str) -> str:
    """`text` with every control character written as an escape (`\\x1b`, `\\u202e`)."""
    return CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
