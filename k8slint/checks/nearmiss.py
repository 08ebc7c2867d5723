"""What the author meant, when a selector or a name matches nothing in the run.

A run is not the cluster: operators create pods at run time, other repositories hold the rest. So the
"matches nothing" rules speak only when the run shows a near miss:

- a pod template of the namespace that matches the selector but for one label (selectors of two
  labels or more);
- a pod template whose label has a value within a small edit distance (`fronted` for `frontend`,
  `web` for `webapp`);
- for a Service, a pod template that carries every key of the selector (with other values) and
  whose containers serve every named port the Service targets (the tutorial `app: kubia` beside a
  Pod labelled `app: zzzyb` that serves `http`);
- a pod template in another namespace of the run that the selector matches exactly.

In a namespace of more than a hundred pod templates, near misses are looked for in the selector's own
file and folder only. Otherwise the selected objects are evidently created elsewhere, and nothing is said, unless the
user declares the run complete (`closed-world`).
(Custom resources with a pod template of their own, a DeploymentConfig or a Rollout, are pod templates
like Deployments: a selector that selects theirs matches.)
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from ..index import ObjectIndex, prefer
from ..model import K8sObject, as_dict, as_list
from ..records import dataclass

#: The "Not flagged" entry of every rule that reports references matching nothing.
OPEN_WORLD = (
    "A selector or name that matches nothing in the run, when the run shows no near miss: no pod template of "
    "the namespace with the selector's keys and a close value, none that matches but for one label, none "
    "whose containers serve the Service's named ports, no exact match in another namespace, no object with "
    "a close name. Operators and other repositories create such objects; `--closed-world` (config "
    "`closed-world: true`) reports them all, for runs that hold the whole namespace."
)


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # In | NotIn | Exists | DoesNotExist
    values: tuple[str, ...] = ()

    def satisfied(self, labels: dict[str, Any]) -> bool:
        present = self.key in labels
        if self.op == "In":
            return present and str(labels[self.key]) in self.values
        if self.op == "NotIn":
            return not present or str(labels[self.key]) not in self.values
        if self.op == "Exists":
            return present
        if self.op == "DoesNotExist":
            return not present
        return False

    def show(self) -> str:
        if self.op == "In" and len(self.values) == 1:
            return f"{self.key}={self.values[0]}"
        if self.op in ("Exists", "DoesNotExist"):
            return f"{self.key} {self.op}"
        return f"{self.key} {self.op} ({', '.join(self.values)})"


def map_requirements(selector: dict[str, Any]) -> list[Requirement]:
    """A Service's (or ReplicationController's) selector."""
    return [Requirement(str(k), "In", (str(v),)) for k, v in selector.items()]


def label_requirements(selector: dict[str, Any]) -> list[Requirement]:
    """A LabelSelector: matchLabels and matchExpressions (malformed expressions are left out)."""
    out = map_requirements(as_dict(selector.get("matchLabels")))
    for expr in as_list(selector.get("matchExpressions")):
        expr = as_dict(expr)
        key, op = expr.get("key"), expr.get("operator")
        if isinstance(key, str) and op in ("In", "NotIn", "Exists", "DoesNotExist"):
            out.append(Requirement(key, str(op), tuple(str(v) for v in as_list(expr.get("values")))))
    return out


def show(requirements: Iterable[Requirement]) -> str:
    return ",".join(r.show() for r in requirements) or "{}"


@dataclass(frozen=True)
class NearMiss:
    obj: K8sObject
    message: str  # what to add to "matches no ...": "; did you mean Pod "kubia-manual" (app=zzzyb)?"
    other_namespace: bool = False


def distance(a: str, b: str, limit: int) -> int:
    """Edit distance counting a swap of two neighbours as one edit (`wbe` is one edit from `web`;
    optimal string alignment), or limit + 1 when the distance from the whole of `a` to every prefix of
    `b` exceeds `limit` (then the distance does too).

    Bit-parallel (Hyyrö, "A bit-vector algorithm for computing Levenshtein and Damerau edit distances",
    2003): the column of distances from each prefix of `a` is one integer, one bit per character of `a`,
    updated by a few integer operations per character of `b`; seven times faster than the table, whose
    results it gives exactly (tests/test_crossobject.py compares them)."""
    m = len(a)
    if abs(m - len(b)) > limit:
        return limit + 1
    if m == 0:
        return len(b)
    where: dict[str, int] = {}  # character -> the bits of its positions in `a`
    for i, char in enumerate(a):
        where[char] = where.get(char, 0) | (1 << i)
    mask = (1 << m) - 1
    last = 1 << (m - 1)
    plus, minus, diagonal, before = mask, 0, 0, 0  # vertical +1 and -1 steps, zero diagonal steps
    score = low = m  # the distance from `a` to the prefix of `b` read so far, and its least value
    for char in b:
        match = where.get(char, 0)
        swap = (((~diagonal) & match) << 1) & before
        diagonal = ((((match & plus) + plus) ^ plus) | match | minus | swap) & mask
        h_plus = (minus | ~(diagonal | plus)) & mask
        h_minus = diagonal & plus
        if h_plus & last:
            score += 1
        elif h_minus & last:
            score -= 1
        shifted = ((h_plus << 1) | 1) & mask
        minus = shifted & diagonal
        plus = ((h_minus << 1) | ~(shifted | diagonal)) & mask
        before = match
        low = min(low, score)
    return limit + 1 if low > limit else score


@functools.lru_cache(maxsize=1 << 16)  # selectors of a namespace meet the same label values again and again
def close(a: str, b: str) -> bool:
    """Two values a person could have meant as one: a typo (small edit distance), a different case,
    or one a prefix or suffix of at least half of the other (`web` and `webapp`, not `test` and
    `list-service-test`)."""
    if a == b:
        return False
    if a.lower() == b.lower():
        return True
    shorter, longer = sorted((a, b), key=len)
    affix = longer.startswith(shorter) or longer.endswith(shorter)
    if affix and len(shorter) >= 3 and 2 * len(shorter) >= len(longer):
        return True
    limit = max(1, min(len(a), len(b)) // 4)
    return distance(a, b, limit) <= limit


def _serves(template: K8sObject, ports: Sequence[str]) -> bool:
    declared = {p.get("name") for c in template.containers() if c.long_running
                for p in as_list(c.data.get("ports")) if isinstance(p, dict)}
    return all(port in declared for port in ports)


#: A key the labels do not have (a label's value may be null).
_ABSENT = object()


def _compare(pairs: list[tuple[str, str]], labels: dict[str, Any]) -> tuple[int, bool, bool]:
    """Key=value requirements against pod labels: how many are unmet, whether each unmet one is a key of
    the labels with a close value, whether any key is there at all. (One loop without generators: it
    meets every pod template near a selector that matches nothing.)"""
    unmet = 0
    far = present = False  # far: an unmet requirement whose key is absent or whose value is not close
    for key, value in pairs:
        have = labels.get(key, _ABSENT)
        if have is _ABSENT:
            unmet += 1
            far = True
            continue
        present = True
        have = str(have)
        if have != value:
            unmet += 1
            far = far or not close(value, have)
    return unmet, unmet > 0 and not far, present


def _all_close(unmet: list[Requirement], labels: dict[str, Any]) -> bool:
    """Whether each unmet requirement is `In`, on a key of the labels whose value is close to one it asks for."""
    for r in unmet:
        if r.op != "In" or r.key not in labels:
            return False
        have = str(labels[r.key])
        if not any(close(v, have) for v in r.values):
            return False
    return True


def _labels(template: K8sObject, keys: Iterable[str]) -> str:
    labels = template.pod_labels() or {}
    shown = [f"{k}={labels[k]}" for k in keys if k in labels]
    return ",".join(shown) if shown else "no such labels"


#: Where each selecting kind keeps its selector, and whether it is a plain map (Service) or a LabelSelector.
_SELECTORS: dict[str, tuple[tuple[str, ...], bool]] = {
    "Service": (("spec", "selector"), True),
    "PodDisruptionBudget": (("spec", "selector"), False),
    "NetworkPolicy": (("spec", "podSelector"), False),
}


def _claimed(index: ObjectIndex, obj: K8sObject, template: K8sObject) -> bool:
    """Whether another object of `obj`'s kind in its namespace selects `template`: then the template
    has its own Service (PDB, policy), and a selector one label away from it is not a near miss
    (vitess's vtctld Service beside the guestbook's ReplicationController)."""
    where, plain = _SELECTORS.get(obj.kind, ((), True))
    return bool(where) and id(template) in index.claimed(obj.kind, obj.namespace, where, plain)


#: The most pod templates a near miss is looked for among: all of a namespace up to this many, else
#: those of the selector's own file and folder (nearest first). It keeps a run linear however many
#: selectors match nothing, and evidence nearby is what shows intent in a large repository.
POOL = 100


def _pool(index: ObjectIndex, obj: K8sObject) -> Sequence[K8sObject]:
    everything = index.pod_templates(obj.namespace)
    if len(everything) <= POOL:
        return everything
    same_file, folder = index.templates_near(obj.namespace, obj.file, POOL)
    return [*same_file[:POOL], *folder[:POOL - min(len(same_file), POOL)]]


def selector_near_miss(index: ObjectIndex, obj: K8sObject, requirements: list[Requirement],
                       named_ports: Sequence[str] = ()) -> NearMiss | None:
    """The pod template the selector of `obj` was probably meant for (see the module doc)."""
    if not requirements:
        return None
    best: tuple[int, K8sObject] | None = None
    candidates: list[tuple[int, K8sObject]] = []
    keys = [r.key for r in requirements]
    several = len(requirements) >= 2
    pairs = [(r.key, r.values[0]) for r in requirements if r.op == "In" and len(r.values) == 1]
    plain = len(pairs) == len(requirements)  # key=value only (a Service's selector, matchLabels)
    for template in _pool(index, obj):
        labels = template.pod_labels() or {}
        if plain:
            unmet, near, present = _compare(pairs, labels)
            if not present:
                continue  # none of the keys: not even a near miss
        else:
            missed = [r for r in requirements if not r.satisfied(labels)]
            unmet, near = len(missed), _all_close(missed, labels)
        if not unmet:
            continue
        score = 3 if near else 2 if unmet == 1 and several else 0
        if named_ports and score < 2 and all(k in labels for k in keys) and _serves(template, named_ports):
            score = 2
        if score == 2 and _claimed(index, obj, template):
            continue  # one label off from a template that has its own, matching selector elsewhere
        if score:
            candidates.append((score, template))
    if candidates:
        top = max(score for score, _ in candidates)
        tied = [t for score, t in candidates if score == top]
        nearest = prefer(tied, obj)
        best = (top, sorted(nearest, key=lambda t: (t.kind, t.name))[0])
    if best is not None:
        template = best[1]
        return NearMiss(template, f'; did you mean {template.kind} "{template.name}" ({_labels(template, keys)})?')
    for template in _elsewhere(index, obj.namespace, requirements):
        return NearMiss(template, f' ({template.kind} "{template.name}" in namespace "{template.namespace}" matches, '
                                  "but a selector selects pods of its own namespace only)", other_namespace=True)
    return None


def _elsewhere(index: ObjectIndex, namespace: str | None, requirements: list[Requirement]) -> list[K8sObject]:
    """Pod templates of other namespaces that every requirement selects."""
    equalities = {r.key: r.values[0] for r in requirements if r.op == "In" and len(r.values) == 1}
    pool = index.pods_matching_elsewhere(namespace, equalities) if equalities else []
    return [t for t in pool if all(r.satisfied(t.pod_labels() or {}) for r in requirements)]


def name_near_miss(name: str, candidates: Iterable[str]) -> str | None:
    """A name of the run a person could have meant by `name` (first by edit distance)."""
    found = sorted((distance(name, c, 3), c) for c in set(candidates) if close(name, c))
    return found[0][1] if found else None
