from typing import Iterator

from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.pipelines import has_y, unbatched_samples
from kerascheck.rule import Hit, Rule


class UnbatchedDatasetToFit(Rule):
    """KC604: a `from_tensor_slices` dataset reaches fit/evaluate/predict without `.batch(...)`."""

    code = "KC604"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        # A call reached with several values (a function called twice) is reported only when every
        # one of them is unbatched.
        verdicts: dict = {}
        for feed in facts.feeds:
            places = [("x", feed.x, "x" if "x" in feed.arg_nodes else 0)]
            if feed.method == "fit" and "validation_data" in feed.arg_nodes:
                places.append(("validation_data", feed.kwargs["validation_data"], "validation_data"))
            for role, value, key in places:
                if key not in feed.arg_nodes or (role == "x" and has_y(feed)):
                    continue
                node = feed.arg_nodes[key]
                entry = verdicts.setdefault(id(node), [node, feed.method, role, True])
                entry[3] = entry[3] and unbatched_samples(value, feed.model)
        for node, method, role, unbatched in verdicts.values():
            if unbatched:
                yield self.hit(node, method=method, role="The validation data" if role != "x" else "The data")
