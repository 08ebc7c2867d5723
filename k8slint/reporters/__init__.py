"""Reporters: each turns a RunResult into one output format (`write` streams it, `render` returns it)."""

FORMATS = ("text", "json", "sarif", "github", "junit", "gitlab", "markdown")
