from typing import Iterator

from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.saving import KERAS3_ENDINGS, keras3_rejects
from kerascheck.rule import Hit, Rule

_WHAT = {"model": "`save` writes the model", "weights": "`save_weights` writes the weights",
         "checkpoint-weights": "`ModelCheckpoint(save_weights_only=True)` writes the weights",
         "checkpoint-model": "`ModelCheckpoint` writes the whole model"}
_WHEN = {"model": "when the save runs, after training", "weights": "when the save runs, after training",
         "checkpoint-weights": "as soon as the callback is built, before training",
         "checkpoint-model": "as soon as the callback is built, before training"}


class SavePathExtension(Rule):
    """KC511: a save or checkpoint path whose ending Keras 3 refuses (it picks the format from it)."""

    code = "KC511"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for save in facts.saves:
            if not keras3_rejects(save):
                continue
            endings, error = KERAS3_ENDINGS[save.kind]
            shown = save.path if save.complete else "..." + save.path
            yield self.hit(save.path_node, what=_WHAT[save.kind], path=shown,
                           endings=" or ".join(f"`{e}`" for e in endings), error=error, when=_WHEN[save.kind])
