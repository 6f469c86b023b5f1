from typing import Iterator

from kerascheck.checks.api._shared import keyword, model_method_calls
from kerascheck.facts import keras_api as K
from kerascheck.facts.interp import ModuleFacts
from kerascheck.rule import Hit, Rule


class FitMultiprocessingArguments(Rule):
    """KC509: `workers=` / `use_multiprocessing=` / `max_queue_size=` passed to fit/evaluate/predict."""

    code = "KC509"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for call, _, method in model_method_calls(facts, K.FIT_QUEUE_METHODS):
            for name in K.FIT_QUEUE_ARGS:
                arg = keyword(call, name)
                if arg is None:
                    continue
                error = (f"ValueError: Arguments not recognized: {{'{name}': ...}}" if method == "evaluate" else
                         f"TypeError: {method}() got an unexpected keyword argument '{name}'")
                yield self.hit(arg, arg=name, method=method, error=error)
