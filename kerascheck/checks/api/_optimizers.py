"""The optimizer constructor calls the KC504/KC505/KC507 rules look at."""

from __future__ import annotations

from typing import Iterator

from kerascheck.checks.api._shared import tf_internal
from kerascheck.facts import keras_api as K
from kerascheck.facts.model import CallSite, ModuleFacts


def optimizer_calls(facts: ModuleFacts) -> Iterator[tuple[CallSite, str]]:
    """`keras.optimizers.Adam(...)` (keras or tf.keras spelling, not tf_keras) -> (call site, class)."""
    for site in facts.calls:
        name = site.name
        if name.flavor not in ("keras", "tf.keras") or tf_internal(facts, site.node):
            continue
        module, _, cls = name.rpartition(".")
        if module == "keras.optimizers" and cls in K.OPTIMIZER_CLASSES:
            yield site, cls
