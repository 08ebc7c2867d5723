"""Reporters: each turns a RunResult into one output format."""

FORMATS = ("text", "json")
