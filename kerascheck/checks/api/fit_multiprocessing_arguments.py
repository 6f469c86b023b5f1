from typing import Iterator

from kerascheck.checks._fixes import without_args
from kerascheck.checks.api._shared import keyword
from kerascheck.facts import keras_api as K
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.model_api import model_method_calls
from kerascheck.rule import Hit, Rule


class FitMultiprocessingArguments(Rule):
    """KC509: `workers=` / `use_multiprocessing=` / `max_queue_size=` passed to fit/evaluate/predict."""

    code = "KC509"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for call, _, method in model_method_calls(facts, K.FIT_QUEUE_METHODS):
            queue = [arg for arg in (keyword(call, name) for name in K.FIT_QUEUE_ARGS) if arg is not None]
            # one edit for all of them: the first finding's fix removes every queue keyword of the call
            text = without_args(facts.module, call, queue) if queue else None
            for name in K.FIT_QUEUE_ARGS:
                arg = keyword(call, name)
                if arg is None:
                    continue
                error = (f"ValueError: Arguments not recognized: {{'{name}': ...}}" if method == "evaluate" else
                         f"TypeError: {method}() got an unexpected keyword argument '{name}'")
                hit = self.hit(arg, arg=name, method=method, error=error)
                if text is not None:
                    # unsafe: the call runs, but without the parallel loading the keywords asked for
                    names = ", ".join(f"`{a.keyword.value}=`" for a in queue)
                    hit = self.fixed(hit, [(call, text)], f"Remove {names}", "unsafe")
                yield hit
