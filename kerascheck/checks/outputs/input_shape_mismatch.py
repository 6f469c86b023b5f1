from typing import Iterator, Optional

import libcst as cst

from kerascheck.checks.outputs._text import versions_text
from kerascheck.facts import keras_api as K
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.tensors import sequential_input
from kerascheck.facts.values import Array, Const, DictV, Layer, Model, Pipeline, Seq, Tensor
from kerascheck.rule import Hit, Rule


_K2 = "Keras 2 raises `ValueError: Input 0 of layer ... is incompatible with the layer`"


def _shape(dims: tuple) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"


def _first_layer(model: Model) -> Optional[Layer]:
    for layer in model.layers:
        if isinstance(layer, Tensor) or (isinstance(layer, Layer) and layer.cls == "InputLayer"):
            continue
        if isinstance(layer, Layer) and layer.cls in K.CHANNEL_KEEPING_LAYERS and layer.input_shape is None:
            continue  # the next layer's input check is the one that meets the data
        return layer if isinstance(layer, Layer) else None
    return None


class InputShapeMismatch(Rule):
    """KC104: the data given to fit/evaluate does not fit the model's declared input shape."""

    code = "KC104"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for model in facts.models:
            if model.uncertain or model.kind not in ("sequential", "functional"):
                continue
            if model.kind == "functional":
                inp = model.inputs
                first = None
            else:
                inp = sequential_input(model)
                first = _first_layer(model)
            declared = inp.shape[1:] if isinstance(inp, Tensor) and inp.is_input and inp.shape else None
            # `predict` too: a single sample without its batch axis (`model.predict(x_test[0])`)
            predicts = [feed for feed in facts.feeds if feed.method == "predict" and feed.model is model]
            for fit in list(model.fits) + predicts:
                if model.kind == "functional" and isinstance(inp, Seq):
                    yield from self._multi_input(inp.items, fit, facts, model)
                    continue
                x, loader = fit.x, None
                if isinstance(x, Pipeline) and x.features is not None:
                    x, loader = x.features, x  # the image batches a directory loader yields
                if not isinstance(x, Array) or x.shape is None or len(x.shape) < 1:
                    continue
                if declared is not None:
                    found = self._declared(model, declared, x.shape, first, facts)
                elif model.kind == "sequential" and isinstance(first, Layer) and first.cls in K.LAYER_INPUT_RANK:
                    found = self._min_rank(first, x.shape)
                else:
                    found = None
                if found is None:
                    continue
                expected, consequence = found
                fix = ("Make the data and the declared input agree (reshape x, or change `Input(shape=...)` / "
                       "`input_shape=`)") if declared is not None else \
                    "Add the missing axis (e.g. `x[..., None]` for a single channel or feature)"
                got = _shape(x.shape)
                if fit.method == "predict" and declared is not None and tuple(declared) == tuple(x.shape):
                    fix = ("`predict` takes a batch, and this is one sample: keep the batch axis, "
                           "`model.predict(x[i:i + 1])` or `model.predict(np.expand_dims(x[i], 0))`")
                elif declared is not None and tuple(declared) == tuple(x.shape):
                    fix = ("The declared shape is the whole array's, sample axis included: declare one sample's "
                           "shape, `input_shape=X.shape[1:]` (or `keras.Input(shape=X.shape[1:])`)")
                if loader is not None:
                    got += " (the image batches its loader yields)"
                    fix = ("Load the images in the declared shape (`image_size=`/`target_size=` and `color_mode=`), "
                           "or declare the shape the loader yields")
                yield self.hit(fit.arg_node("x", 0) or fit.node, method=fit.method, got=got, expected=expected,
                               consequence=consequence, fix=fix)

    def _multi_input(self, inputs: list, fit, facts: ModuleFacts, model: Model) -> Iterator[Hit]:
        """A functional model with several `keras.Input`s fed a list (by position) or a dict (by the
        inputs' names) of arrays: each array against its input."""
        if not all(isinstance(t, Tensor) and t.is_input for t in inputs):
            return
        x, node = fit.x, fit.arg_node("x", 0) or fit.node
        pairs = []
        if isinstance(x, Seq) and len(x.items) == len(inputs):
            elements = node.elements if isinstance(node, (cst.List, cst.Tuple)) else None
            for i, (t, a) in enumerate(zip(inputs, x.items)):
                where = elements[i].value if elements and len(elements) == len(inputs) else node
                pairs.append((i, t, a, where))
        elif isinstance(x, DictV):
            names = [t.name for t in inputs]
            for key, a in x.items:
                if isinstance(key, Const) and key.value in names and names.count(key.value) == 1:
                    i = names.index(key.value)
                    pairs.append((i, inputs[i], a, node))
        for i, t, a, where in pairs:
            if t.shape is None or not isinstance(a, Array) or a.shape is None or len(a.shape) < 1:
                continue
            found = self._declared(model, t.shape[1:], a.shape, None, facts, i)
            if found is None:
                continue
            expected, consequence = found
            label = f"input {i}" + (f" (`{t.name}`)" if t.name else "")
            yield self.hit(where, method=fit.method, got=f"{_shape(a.shape)} for {label}", expected=expected,
                           consequence=consequence,
                           fix="Make each array and its `keras.Input(shape=...)` agree")

    def _declared(self, model: Model, spec: tuple, shape: tuple, first: Optional[Layer],
                  facts: ModuleFacts, index: int = 0) -> Optional[tuple]:
        data = shape[1:]
        expected = f"shape {_shape((None,) + tuple(spec))}"
        full = _shape((None,) + tuple(spec))
        if len(data) != len(spec):
            if len(data) == len(spec) - 1 and spec[-1] == 1:
                return None  # both Keras versions add the missing trailing axis of size 1
            if len(data) == len(spec) + 1 and data[-1] == 1:
                return None  # both Keras versions drop a trailing axis of size 1
            return expected, versions_text({
                "3": f"Keras 3 raises `ValueError: Invalid input shape ... Expected shape {full}, but input has "
                     f"incompatible shape ...`",
                "2": _K2,
            }, facts.keras_versions)
        differ = [i for i, (a, b) in enumerate(zip(spec, data)) if a is not None and b is not None and a != b]
        if not differ:
            return None
        k3 = None
        if model.kind == "functional":
            k3 = f"Keras 3 raises `ValueError: Input {index} ... is incompatible with the layer: expected shape={full}, " \
                 f"found shape=...`"
        elif len(spec) - 1 in differ and first is not None and first.cls in K.LAST_AXIS_LAYERS:
            if first.cls in K.RECURRENT_LAYERS:
                k3 = (f"Keras 3 raises `ValueError: Exception encountered when calling {first.cls}Cell.call()` "
                      f"(its kernel expects {spec[-1]} features, not {data[-1]})")
            else:
                k3 = (f"Keras 3 raises `ValueError: Input 0 ... is incompatible with "
                      f"the layer: expected axis -1 of input shape to have value {spec[-1]}`")
        consequence = versions_text({"3": k3, "2": _K2}, facts.keras_versions)
        return (expected, consequence) if consequence else None

    def _min_rank(self, first: Layer, shape: tuple) -> Optional[tuple]:
        need = K.LAYER_INPUT_RANK[first.cls]
        if len(shape) >= need:
            return None
        word = "ndim" if first.cls in K.RECURRENT_LAYERS else "min_ndim"
        expected = f"inputs of rank {need} for its first layer `{first.cls}` (batch axis included)"
        return expected, (f"Keras raises `ValueError: Input 0 of layer ... is incompatible with the layer: expected "
                          f"{word}={need}, found ndim={len(shape)}`")
