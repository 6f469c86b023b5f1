from typing import Iterator

from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.pipelines import described, split_value
from kerascheck.facts.values import Pipeline
from kerascheck.rule import Hit, Rule


class ValidationSplitWithDataset(Rule):
    """KC603: `fit(pipeline, validation_split=...)`: Keras splits only arrays and tensors."""

    code = "KC603"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen = set()
        for feed in facts.feeds:
            split = split_value(feed)
            if split is None or not isinstance(feed.x, Pipeline) or id(feed.node) in seen:
                continue
            seen.add(id(feed.node))
            yield self.hit(feed.arg_nodes["validation_split"], what=described(feed.x), split=split)
