from typing import Iterator

from kerascheck.checks.training._monitor_text import keras3_raises
from kerascheck.facts.logs import LEARNING_RATE, monitor_uses
from kerascheck.facts.model import ModuleFacts
from kerascheck.rule import Hit, Rule


class MonitorModeAutoUnknown(Rule):
    """KC602: a logged monitor Keras 3's `mode="auto"` cannot orient (a metric function of the script)."""

    code = "KC602"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        if "3" not in facts.keras_versions:
            return
        seen: set = set()
        for use in monitor_uses(facts):
            if id(use.callback.node) in seen or use.mode != "auto" or LEARNING_RATE.match(use.monitor):
                continue
            if not use.logged.may_log(use.monitor) or use.logged.keras3_orients(use.monitor):
                continue  # a name never logged is KC601's
            seen.add(id(use.callback.node))
            node = use.monitor_node if use.monitor_node is not None else use.callback.node
            yield self.hit(node, callback=use.callback.cls, monitor=use.monitor, error=keras3_raises(use))
