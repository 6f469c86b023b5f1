from typing import Iterator

from kerascheck.checks._fixes import with_keywords
from kerascheck.facts.evaluation import creation
from kerascheck.facts.model import ModuleFacts
from kerascheck.rule import Hit, Rule


class ShuffledEvaluationLabels(Rule):
    """KC607: predictions over a source that shuffles, compared with labels in another order."""

    code = "KC607"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen: set[int] = set()
        for found in facts.eval_mismatches:
            if id(found.node) in seen:
                continue
            seen.add(id(found.node))
            made = creation(found.predictions.source)
            if made is None:
                continue
            labels = facts.module.code_for_node(found.labels.node).strip()
            order = "in the files' order" if labels.endswith((".classes", ".labels")) else "from another pass, shuffled anew"
            hit = self.hit(found.node, labels=labels if len(labels) <= 50 else "the labels", order=order,
                           source=facts.module.code_for_node(made.func).strip())
            text = with_keywords(facts.module, made, (), {"shuffle": "False"})
            if text is not None:
                hit = self.fixed(hit, [(made, text)], "Create the evaluation data with shuffle=False")
            yield hit
