"""Rule packs and rule data (installed as the k8slint._rules package)."""
