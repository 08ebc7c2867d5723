"""k8slint: a Kubernetes manifest linter with field-level positions and cross-object checks."""

__version__ = "0.1.0"
