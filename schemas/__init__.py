"""JSON Schemas of k8slint formats (installed as the k8slint._schemas package)."""
