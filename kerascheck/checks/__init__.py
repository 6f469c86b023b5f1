"""Rule implementations, one per file, grouped by category (refurb style): the layout lists the rules.

    outputs/   KC1xx  model outputs and shapes
    pairing/   KC2xx  loss / activation / label pairing
    metrics/   KC3xx  metrics
    functions/ KC4xx  custom loss and metric functions
    api/       KC5xx  Keras version and API
    training/  KC6xx  callbacks, input pipelines, training loops, evaluation
"""

from __future__ import annotations

import importlib
import pkgutil

from kerascheck.catalogue import load_catalogue
from kerascheck.rule import Rule

META_CODES = {"KC901", "KC902", "KC903", "KC904", "KC905"}  # produced by the engine and runtime mode


def load_rules() -> dict[str, type[Rule]]:
    """Import every check module once and attach its catalogue entry."""
    if not getattr(load_rules, "_done", False):
        for info in pkgutil.walk_packages(__path__, prefix=__name__ + "."):
            importlib.import_module(info.name)
        catalogue = load_catalogue()
        for code, cls in Rule.registry.items():
            if code not in catalogue:
                raise RuntimeError(f"rule {code} ({cls.__name__}) has no catalogue entry in rules/")
            cls.meta = catalogue[code]
        load_rules._done = True  # type: ignore[attr-defined]
    return dict(Rule.registry)
