import difflib
from typing import Iterator, Optional

from kerascheck.checks.training._monitor_text import keras3_raises, per_major
from kerascheck.facts.logs import LEARNING_RATE, MonitorUse, monitor_uses
from kerascheck.facts.model import ModuleFacts
from kerascheck.rule import Hit, Rule

# What a monitor missing from the logs does, per callback (Keras warns each epoch and goes on).
_NEVER = {"EarlyStopping": "never stops training early", "ReduceLROnPlateau": "never lowers the learning rate"}
_K3_BEST = "`ModelCheckpoint(save_best_only=True)` saves the model after every epoch, not only the best"
_K2_BEST = "`ModelCheckpoint(save_best_only=True)` never saves the model (`Can save best model only with {m} " \
           "available, skipping.`)"


class MonitorNameNeverLogged(Rule):
    """KC601: a callback monitors a name this `fit` never logs."""

    code = "KC601"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen: set = set()
        for use in monitor_uses(facts):
            if id(use.callback.node) in seen or use.logged.may_log(use.monitor) or LEARNING_RATE.match(use.monitor):
                continue
            outcome = per_major({"3": _keras3(use), "2": _keras2(use)}, facts.keras_versions)
            if not outcome:
                continue
            seen.add(id(use.callback.node))
            node = use.monitor_node if use.monitor_node is not None else use.callback.node
            yield self.hit(node, callback=use.callback.cls, monitor=use.monitor,
                           default=" (its default)" if use.monitor_node is None else "",
                           logged=_logged(use), outcome=outcome,
                           suggestion=_suggestion(use))


def _keras3(use: MonitorUse) -> Optional[str]:
    if use.mode == "auto" and not use.logged.keras3_orients(use.monitor):
        return keras3_raises(use)
    missing = _missing(use, "3")
    return "Keras 3 " + missing if missing else None


def _keras2(use: MonitorUse) -> Optional[str]:
    missing = _missing(use, "2")
    return "Keras 2 " + missing if missing else None


def _missing(use: MonitorUse, major: str) -> str:
    cls = use.callback.cls
    if cls in _NEVER:
        return f"warns each epoch and `{cls}` {_NEVER[cls]}"
    if use.save_best_only:
        return "warns each epoch and " + (_K3_BEST if major == "3" else _K2_BEST.format(m=use.monitor))
    return ""


def _logged(use: MonitorUse) -> str:
    names = use.logged.names()
    if use.logged.validation is None:
        names = use.logged.train_names()
        return ", ".join(repr(n) for n in names) + ", and each with `val_` when it validates"
    return ", ".join(repr(n) for n in names)


def _suggestion(use: MonitorUse) -> str:
    logged, monitor = use.logged, use.monitor
    if monitor.startswith("val_") and logged.validation is False and logged.is_train_name(monitor[4:]):
        return f". Pass `validation_data=` (or `validation_split=`) to `fit`, or monitor {monitor[4:]!r}"
    close = difflib.get_close_matches(monitor, logged.names(), n=1, cutoff=0.6)
    return f". Did you mean {close[0]!r}?" if close else ""
