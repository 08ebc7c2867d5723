"""Rules the parser and the engine report themselves (they have no per-object check)."""

from __future__ import annotations

from ..findings import Severity
from ..registry import REGISTRY, Rule

REGISTRY.add(Rule(
    id="yaml-syntax-error",
    severity=Severity.ERROR,
    summary="A document is not valid YAML (or the file is not text).",
    why=(
        "kubectl and the API server reject the whole file; a syntax error also hides every object "
        "in the broken document from review. k8slint still parses and lints the other documents "
        "of the same file."
    ),
    remediation=(
        "Fix the YAML at the reported line and column: indent with spaces, not tabs; quote "
        "values that contain ': ' or start with a special character; save the file as UTF-8."
    ),
    kinds=None,
    tags=("yaml",),
    fixes=(
        "safe: tabs in the indentation of the reported line and the lines after it become spaces (tab "
        "stops of 8, as git, GitHub and terminals show them; never in a block scalar, where a tab is "
        "text), when the file then parses.",
    ),
))

REGISTRY.add(Rule(
    id="duplicate-key",
    severity=Severity.ERROR,
    summary="A mapping repeats a key.",
    why=(
        "kubectl and Helm decode YAML keeping the last value of a repeated key without a word (checked "
        "with kubectl 1.37), so half of what you wrote is silently discarded: a second `selector:` or "
        "`containers:` replaces the first. Kustomize refuses to build (`mapping key \"x\" already "
        "defined`). A second `apiVersion` and `kind` at the top of a document usually means two "
        "documents without the `---` between them."
    ),
    remediation="Remove or merge the repeated key; k8slint, like kubectl, keeps the last value.",
    kinds=None,
    tags=("yaml",),
    fixes=(
        "safe: two documents pasted together (apiVersion and kind repeated at the top level) are "
        "separated by a line `---` above the second (above the comment lines that open it), when each "
        "part then parses with no repeated key.",
    ),
))

REGISTRY.add(Rule(
    id="not-k8s-object",
    severity=Severity.ERROR,
    summary="A non-empty document is not a mapping with string `apiVersion` and `kind`.",
    why=(
        "kubectl refuses documents it cannot identify ('apiVersion not set', 'kind not set'), and "
        "no other check can run on them. A misspelt `apiversion` or a stray value is usually the "
        "cause."
    ),
    remediation=(
        "Give the document `apiVersion` and `kind` (exact case), or move files that are not "
        "Kubernetes manifests (Helm values, CI configs) out of the linted paths."
    ),
    kinds=None,
    tags=("yaml",),
    fixes=("safe: `apiversion`, `Kind` or another spelling of apiVersion or kind in the wrong case is "
           "renamed, when it is the only one.",),
))

REGISTRY.add(Rule(
    id="internal-error",
    severity=Severity.ERROR,
    summary="A rule crashed on an object: a bug in k8slint, not in your manifest.",
    why=(
        "The rule could not finish on this object, so problems it would have found may be missing. "
        "The other rules still ran; the run exits with code 2 so CI does not pass silently."
    ),
    remediation=(
        "Report it with the message and the object that triggered it; meanwhile disable the rule "
        "with `--disable RULE` if it blocks you."
    ),
    kinds=None,
    tags=("tool",),
))

REGISTRY.add(Rule(
    id="unknown-suppression",
    severity=Severity.WARNING,
    summary="A suppression (k8slint.io/ignore annotation or `# k8slint: disable...` comment) names an unknown rule.",
    why=(
        "A misspelt rule id suppresses nothing, so the finding it was meant to silence is still "
        "reported (or, after a rename, a suppression silently stopped working)."
    ),
    remediation="Use an id from `k8slint rules` (or `all`), or remove the suppression.",
    kinds=None,
    tags=("suppressions",),
))

REGISTRY.add(Rule(
    id="input-too-large",
    severity=Severity.ERROR,
    summary=(
        "A file or document exceeds what k8slint will process: larger than --max-file-size, nested deeper "
        "than 1,000 levels, or expanding past 1,000,000 nodes through aliases."
    ),
    why=(
        "Such input is hostile or generated (an alias bomb, a 'billion laughs'), never a manifest someone "
        "applies; processing it would exhaust the time and memory of the CI runner. The file or document "
        "is reported and skipped, and the rest of the run goes on."
    ),
    remediation=(
        "Exclude the path, or raise --max-file-size (default 32 MiB) for a genuinely large manifest file. "
        "Nesting and alias limits are fixed."
    ),
    kinds=None,
    tags=("yaml", "limits"),
))

REGISTRY.add(Rule(
    id="helm-render-error",
    severity=Severity.ERROR,
    summary="A Helm chart does not render: a template fails, or a dependency is missing from charts/.",
    why=(
        "`helm install` and `helm template` fail the same way, so nothing of the chart reaches the cluster; "
        "and a chart that does not render cannot be checked, so its other problems stay hidden."
    ),
    remediation=(
        "Fix the template at the reported line (the message is Helm's own), or vendor the dependency with "
        "`helm dependency build`; give the values the chart requires with --helm-values or --helm-set."
    ),
    kinds=None,
    tags=("helm", "rendering"),
))

REGISTRY.add(Rule(
    id="helm-values-invalid",
    severity=Severity.ERROR,
    summary="The values given to a chart violate its values.schema.json (or a values file is not valid).",
    why="Helm refuses to render or install the chart with these values, so the release fails before it starts.",
    remediation="Correct the value at the reported line of the values file so that it matches the chart's schema.",
    kinds=None,
    tags=("helm", "rendering"),
))

REGISTRY.add(Rule(
    id="kustomize-build-error",
    severity=Severity.ERROR,
    summary="A Kustomize overlay does not build (kustomize's own error), or its kustomization cannot be read.",
    why=(
        "`kubectl apply -k` fails the same way, so nothing of the overlay is applied; and an overlay that does "
        "not build cannot be checked, so its other problems stay hidden."
    ),
    remediation=(
        "Fix the kustomization or the file the message names (a missing resource, a patch that matches nothing)."
    ),
    kinds=None,
    tags=("kustomize", "rendering"),
))
