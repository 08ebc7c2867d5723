"""Built-in rules. Each module registers its rules into `k8slint.registry.REGISTRY` on import.

Imports are explicit (no discovery by file name) so the catalog is exactly what is listed here.
"""

from . import (
    admission,
    apivalidation,
    autoscaling,
    builtin,
    podsecurity,
    ports,
    probes,
    quantities,
    references,
    resources,
    schema,
    security,
    selectors,
    services,
    templates,
    volumes,
)

__all__ = [
    "admission", "apivalidation", "autoscaling", "builtin", "podsecurity", "ports", "probes", "quantities",
    "references", "resources", "schema", "security", "selectors", "services", "templates", "volumes",
]
