"""The abstract values the facts interpreter computes. Anything not known is UNKNOWN."""

from __future__ import annotations

from dataclasses import dataclass, field
from dataclasses import field as _f
from typing import Any, Optional

import libcst as cst

from kerascheck.facts.names import Canonical


class Unknown:
    _inst: "Unknown | None" = None

    def __new__(cls) -> "Unknown":
        if cls._inst is None:
            cls._inst = super().__new__(cls)
        return cls._inst

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()


@dataclass(eq=False)
class Const:
    value: Any  # int, float, str, bool, None


@dataclass(eq=False)
class Seq:
    items: list
    kind: str = "list"  # "list" | "tuple"
    node: Optional[cst.CSTNode] = _f(default=None, repr=False)
    unsure: bool = False  # mutated where we could not follow (loop, branch, extend, x[i] = ...)


@dataclass(eq=False)
class DictV:
    items: list  # [(key value, value)]
    node: Optional[cst.CSTNode] = _f(default=None, repr=False)
    unsure: bool = False  # mutated where we could not follow (update, d[k] = ..., a branch)

    def const_keys(self) -> Optional[list]:
        keys = []
        for k, _ in self.items:
            if not isinstance(k, Const):
                return None
            keys.append(k.value)
        return keys


@dataclass(eq=False)
class QName:
    """A module attribute of a known library: `keras.layers.Dense`, `tf.squeeze`."""

    name: Canonical


@dataclass(eq=False)
class Func:
    """A function defined in the analysed module."""

    node: cst.FunctionDef = _f(repr=False)
    closure: Any = None  # the defining frame's environment
    bound_self: Any = None

    @property
    def name(self) -> str:
        return self.node.name.value


@dataclass(eq=False)
class Partial:
    func: Any
    args: list
    kwargs: dict


@dataclass(eq=False)
class ClassRef:
    node: cst.ClassDef = _f(repr=False)
    is_model: bool
    closure: Any = None
    is_pipeline: bool = False  # a keras.utils.Sequence / PyDataset subclass (facts/pipelines.py)
    is_loss: bool = False  # a keras.losses.Loss subclass: an instance is its `call`, a custom loss

    def method(self, name: str) -> Optional[cst.FunctionDef]:
        """The method `name` the class body itself defines (inherited ones are not followed)."""
        for stmt in self.node.body.body:
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value == name:
                return stmt
        return None


@dataclass(eq=False)
class LibInstance:
    """An object of a library class whose methods the facts layer knows (`LabelEncoder()`)."""

    cls: Canonical
    node: Optional[cst.CSTNode] = _f(default=None, repr=False)


@dataclass(eq=False)
class Instance:
    """`self` inside a class of the module (attributes assigned so far)."""

    cls: ClassRef
    attrs: dict = field(default_factory=dict)


@dataclass(eq=False)
class Layer:
    cls: str  # class name, e.g. "Dense"
    qname: Canonical
    node: cst.Call = _f(repr=False)
    kwargs: dict  # evaluated keyword arguments (values)
    args: list  # evaluated positional arguments
    units: Optional[int] = None
    activation: Optional[str] = None  # canonical name; None = unknown or not applicable
    activation_node: Optional[cst.CSTNode] = _f(default=None, repr=False)
    input_shape: Optional[tuple] = None  # declared `input_shape=` (without batch)
    name: Optional[str] = None
    # the tensors the layer was called on, as far as known (facts/tensors.py: Reshape's size check)
    inputs: list = field(default_factory=list, repr=False)
    arg_nodes: dict = _f(default_factory=dict, repr=False)  # keyword or position -> argument node

    def arg(self, name: str, index: Optional[int] = None) -> Any:
        if name in self.kwargs:
            return self.kwargs[name]
        if index is not None and index < len(self.args):
            return self.args[index]
        return None

    def arg_node(self, name: str, index: Optional[int] = None) -> Optional[cst.CSTNode]:
        return arg_node(self.arg_nodes, name, index)


@dataclass(eq=False)
class Tensor:
    units: Optional[int] = None  # size of the last axis
    rank: Optional[int] = None  # number of axes, batch included
    activation: Optional[str] = None  # activation applied last (None: unknown)
    activation_node: Optional[cst.CSTNode] = _f(default=None, repr=False)
    layer: Optional[Layer] = None  # the layer that produced it
    node: Optional[cst.CSTNode] = _f(default=None, repr=False)
    squeeze: Optional[cst.Call] = _f(default=None, repr=False)  # rank-dropping op without axis
    squeeze_units: Optional[int] = None  # size of the last axis of the tensor that squeeze got
    concat_of: Optional[list] = None  # heads joined into this one tensor
    concat_node: Optional[cst.CSTNode] = _f(default=None, repr=False)
    is_input: bool = False
    shape: Optional[tuple] = None  # full shape with batch (None entries unknown)
    name: Optional[str] = None
    # A KerasTensor of a functional model under construction: `keras.Input(...)`, or a layer or
    # model called on one (not the tensors a subclassed model's `call` or a training loop sees).
    symbolic: bool = False
    # the layers on its way that compute differently in training mode (facts.training_mode)
    mode_layers: tuple = _f(default=(), repr=False)
    # the layers applied, in order, since the `keras.Input` it comes from, while that is one unbroken
    # chain of layer calls; None when not known (facts.rescaling)
    chain: Optional[tuple] = _f(default=None, repr=False)

    def derive(self, **changes: Any) -> "Tensor":
        data = dict(self.__dict__)
        data.update(changes)
        return Tensor(**data)


@dataclass(eq=False)
class Array:
    """Statically known data (NumPy arrays built from literals or np.random/zeros/...)."""

    shape: Optional[tuple]  # with the sample axis; None entries unknown
    dtype: Optional[str]  # "int" | "float" | "bool" | None
    node: Optional[cst.CSTNode] = _f(default=None, repr=False)
    one_hot: bool = False  # built by to_categorical / one_hot / np.eye indexing
    int_high: Optional[int] = None  # randint's exclusive upper bound (class count)
    continuous: bool = False  # real-valued draws (np.random.rand/randn/normal/uniform) or arithmetic on them
    divided: Optional[float] = None  # the constant its values were divided by (`x / 255.0`: 255), facts.rescaling
    # integers (class ids) divided by this constant (`y / 255`), or one-hot rows of such ids: the values
    # are no longer the class ids they were (facts.pairing.scaled_class_ids)
    ids_divided: Optional[float] = None

    @property
    def rank(self) -> Optional[int]:
        return None if self.shape is None else len(self.shape)


@dataclass(eq=False)
class LossSpec:
    name: Optional[str]  # canonical built-in loss name, None for custom
    node: cst.CSTNode = _f(repr=False)
    from_logits: Optional[bool] = False  # None when not statically known
    func: Optional[Func] = None  # custom loss function
    kwargs: dict = field(default_factory=dict)


@dataclass(eq=False)
class MetricSpec:
    name: Optional[str]  # "accuracy", "MeanIoU", ... None for custom
    node: cst.CSTNode = _f(repr=False)
    kwargs: dict = field(default_factory=dict)
    func: Optional[Func] = None
    args: list = field(default_factory=list)  # evaluated positional arguments (`MeanIoU(3)`)
    # how it was written: "string" ("mae"), "class" (`keras.metrics.AUC(...)`), "function"
    # (`keras.metrics.mae`), "func" (a function of the script); "" when built otherwise
    source: str = ""


@dataclass(eq=False)
class MetricItem:
    """An item of `model.metrics` (e.g. the variable of `for m in model.metrics:`): a Keras Metric."""

    model: Any


@dataclass(eq=False)
class CompileFact:
    node: cst.Call = _f(repr=False)
    loss: Any  # LossSpec | Seq | DictV | UNKNOWN | None (no loss)
    loss_node: Optional[cst.CSTNode] = _f(repr=False)
    metrics: Any  # Seq | DictV | UNKNOWN | None
    keras_flavor: Optional[str] = None


def arg_node(arg_nodes: dict, name: str, index: Optional[int] = None) -> Optional[cst.CSTNode]:
    """The argument written for parameter `name` (by keyword, or at position `index`), from a call's
    `arg_nodes` (the interpreter's: keyword or position -> node, positions only before a `*args`)."""
    if name in arg_nodes:
        return arg_nodes[name]
    return arg_nodes.get(index) if index is not None else None


@dataclass(eq=False)
class FitFact:
    node: cst.Call = _f(repr=False)
    method: str  # fit | evaluate | train_on_batch | test_on_batch
    x: Any
    y: Any
    compile: Optional["CompileFact"] = _f(default=None, repr=False)  # the compile in effect at this call
    args: list = field(default_factory=list)  # evaluated positional arguments (cut at a `*args`)
    kwargs: dict = field(default_factory=dict)  # evaluated keyword arguments
    starred: bool = False  # the call passes `*args` or `**kwargs`: other arguments are unknown
    arg_nodes: dict = _f(default_factory=dict, repr=False)  # keyword or position -> argument node

    def arg_node(self, name: str, index: Optional[int] = None) -> Optional[cst.CSTNode]:
        return arg_node(self.arg_nodes, name, index)


@dataclass(eq=False)
class CallbackV:
    """A Keras callback built in the script: `keras.callbacks.EarlyStopping(monitor="val_loss")`."""

    cls: str  # the class name, e.g. "EarlyStopping"
    node: cst.Call = _f(repr=False)
    args: list  # evaluated positional arguments (cut at a `*args`)
    kwargs: dict  # evaluated keyword arguments
    arg_nodes: dict = _f(repr=False)  # keyword or position -> the argument's expression
    starred: bool = False  # the call passes `*args` or `**kwargs`


@dataclass(eq=False)
class Pipeline:
    """An input pipeline the script feeds to a model (facts/pipelines.py). `kind`: "dataset" (a
    tf.data.Dataset), "generator" (a Python generator: a call of a function containing `yield`),
    "sequence" (an instance of a keras.utils.Sequence / PyDataset subclass), "iterator"
    (`ImageDataGenerator().flow*(...)`). `batched` (datasets only): True (`.batch(...)` on the way),
    False (`from_tensor_slices` with no batch since, or `.unbatch()`), None (not known)."""

    kind: str
    node: Optional[cst.CSTNode] = _f(default=None, repr=False)  # the call that made it
    batched: Optional[bool] = None
    sliced: Any = None  # what `from_tensor_slices` sliced (its first argument's value)
    # The targets each element carries, as an Array with the sample axis (a directory loader's
    # `label_mode`, a generator's `class_mode`: facts/loaders.py); None when not known.
    labels: Optional["Array"] = None
    # The inputs each element carries, as an Array with the batch axis (the images a directory loader
    # or `flow_from_directory` yields: `image_size`/`target_size` and `color_mode`); None when not known.
    features: Optional["Array"] = None


@dataclass(eq=False)
class Augmenter:
    """A `keras.preprocessing.image.ImageDataGenerator(...)`: its `flow*` methods make iterators."""

    node: Optional[cst.CSTNode] = _f(default=None, repr=False)


@dataclass(eq=False)
class Feed:
    """A call of `fit`, `evaluate` or `predict` on a model the interpreter knows, with the values of
    its arguments (`kwargs` by name; `args` positional), for rules about what is fed to the model."""

    node: cst.Call = _f(repr=False)
    method: str  # fit | evaluate | predict
    model: Any = _f(repr=False)
    x: Any
    kwargs: dict = field(default_factory=dict)
    arg_nodes: dict = _f(default_factory=dict, repr=False)  # keyword or position -> argument node

    def arg_node(self, name: str, index: Optional[int] = None) -> Optional[cst.CSTNode]:
        return arg_node(self.arg_nodes, name, index)


@dataclass(eq=False)
class Model:
    kind: str  # sequential | functional | subclass
    node: cst.CSTNode = _f(repr=False)
    layers: list = field(default_factory=list)  # Sequential: layers in order
    inputs: Any = UNKNOWN
    outputs: Any = UNKNOWN  # Tensor | Seq | DictV | UNKNOWN (functional/subclass)
    compiles: list = field(default_factory=list)
    fits: list = field(default_factory=list)
    uncertain: bool = False  # layers were added in a branch/loop we could not follow
    cls: Optional[ClassRef] = None

    def output_value(self) -> Any:
        if self.kind != "sequential":
            return self.outputs
        from kerascheck.facts.tensors import sequential_output

        return sequential_output(self)

    def output_list(self) -> Optional[list]:
        """[(name or None, Tensor|UNKNOWN)] for the model's outputs, None if the structure is unknown."""
        out = self.output_value()
        if isinstance(out, Tensor):
            return [(out.name, out)]
        if isinstance(out, Seq):
            return [(getattr(t, "name", None), t) for t in out.items]
        if isinstance(out, DictV):
            keys = out.const_keys()
            if keys is None:
                return None
            return [(k, v) for k, (_, v) in zip(keys, out.items)]
        return None

    def single_output(self) -> Optional[Tensor]:
        out = self.output_value()
        return out if isinstance(out, Tensor) else None

    def last_compile(self) -> Optional[CompileFact]:
        return self.compiles[-1] if self.compiles else None


@dataclass(eq=False)
class ModuleRef:
    """A module of the user's own project (`import nets`): its attributes are the values its top
    level binds, read by kerascheck/facts/project.py without importing it."""

    name: str
    lookup: Any = _f(repr=False)  # attribute name -> value, or None when the module lacks it
    names: dict = _f(default_factory=dict, repr=False)  # the values its top level binds

    def attr(self, name: str) -> Any:
        value = self.lookup(name)
        return UNKNOWN if value is None else value
