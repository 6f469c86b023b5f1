from typing import Iterator

from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.tensors import embedding_weights_mismatch
from kerascheck.rule import Hit, Rule


class EmbeddingWeightsShape(Rule):
    """KC108: `Embedding(input_dim, output_dim, weights=[m])` with m not of shape (input_dim, output_dim)."""

    code = "KC108"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen = set()
        for layer in facts.layers_built:
            found = embedding_weights_mismatch(layer)
            if found is None or id(layer.node) in seen:
                continue
            seen.add(id(layer.node))
            (rows, cols), shape, _ = found
            yield self.hit(layer.node, rows=rows, cols=cols, shape=f"({shape[0]}, {shape[1]})")
