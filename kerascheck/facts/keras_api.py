"""What Keras itself means by a name: the one table of Keras semantics the rules rely on.

Every entry here is backed by a run of real Keras (see ../shared/keras-truth*.md in the project's
notes and the end-to-end fixtures under tests/fixtures/).
"""

from __future__ import annotations

from typing import Optional


# --- losses -----------------------------------------------------------------------------------
LOSS_ALIASES = {
    "categorical_crossentropy": "categorical_crossentropy",
    "categoricalcrossentropy": "categorical_crossentropy",
    "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
    "sparsecategoricalcrossentropy": "sparse_categorical_crossentropy",
    "binary_crossentropy": "binary_crossentropy",
    "binarycrossentropy": "binary_crossentropy",
    "binary_focal_crossentropy": "binary_focal_crossentropy",
    "binaryfocalcrossentropy": "binary_focal_crossentropy",
    "categorical_focal_crossentropy": "categorical_focal_crossentropy",
    "categoricalfocalcrossentropy": "categorical_focal_crossentropy",
    "mse": "mean_squared_error",
    "mean_squared_error": "mean_squared_error",
    "meansquarederror": "mean_squared_error",
    "mae": "mean_absolute_error",
    "mean_absolute_error": "mean_absolute_error",
    "meanabsoluteerror": "mean_absolute_error",
    "huber": "huber",
    "huber_loss": "huber",
    "kld": "kl_divergence",
    "kl_divergence": "kl_divergence",
    "kullback_leibler_divergence": "kl_divergence",
    "kldivergence": "kl_divergence",
    "hinge": "hinge",
    "categorical_hinge": "categorical_hinge",
    "poisson": "poisson",
    "cosine_similarity": "cosine_similarity",
    "log_cosh": "log_cosh",
    "logcosh": "log_cosh",
    "mape": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error",
}
CATEGORICAL_LOSSES = {"categorical_crossentropy", "categorical_focal_crossentropy"}
# Built-in elementwise losses measured (Keras 3.15 and 2.15) on a flat output of k units against
# targets of another width m: binary crossentropy raises for any k != m; the regression losses raise
# for k, m > 1 and broadcast silently when one side has a single column (k outputs all trained toward
# one target, or one output toward the mean of m targets).
ELEMENTWISE_WIDTH_LOSSES = frozenset({"binary_crossentropy", "mean_squared_error", "mean_absolute_error", "huber"})
# Built-in losses measured (Keras 3.15 and 2.15) on an output that keeps positions (rank 3 or 4)
# against per-sample targets (rank 1 or 2): the crossentropies raise; mse/mae raise, or broadcast
# into an (N, ..., N) loss when the axis sizes happen to agree.
PER_SAMPLE_TARGET_LOSSES = frozenset({"categorical_crossentropy", "sparse_categorical_crossentropy",
                                      "binary_crossentropy", "mean_squared_error", "mean_absolute_error"})
# The same five measured on an output whose positions (time steps, pixels) number otherwise than the
# targets' (an autoencoder giving 32 x 32 for 28 x 28 images): all raise on 3.15 and 2.15.
POSITION_COUNT_LOSSES = PER_SAMPLE_TARGET_LOSSES
SPARSE_LOSSES = {"sparse_categorical_crossentropy"}
BINARY_LOSSES = {"binary_crossentropy", "binary_focal_crossentropy"}
CROSSENTROPY_LOSSES = CATEGORICAL_LOSSES | SPARSE_LOSSES | BINARY_LOSSES
# Positional index of `from_logits` in the loss classes' constructors (same in Keras 2.15 and 3):
# `SparseCategoricalCrossentropy(True)` means from_logits=True.
FROM_LOGITS_POSITION = {
    "categorical_crossentropy": 0, "sparse_categorical_crossentropy": 0, "binary_crossentropy": 0,
    "binary_focal_crossentropy": 3, "categorical_focal_crossentropy": 2,
}
# Single-label (softmax) losses on which sigmoid outputs over several classes train exactly like softmax:
# Keras uses the cached pre-sigmoid values (measured on Keras 3.15 and 2.15, KC203). The focal variant is
# left out: it was not measured.
SOFTMAX_LIKE_ON_SIGMOID_LOSSES = frozenset({"categorical_crossentropy", "sparse_categorical_crossentropy"})
# Crossentropies that train far worse on a linear/ReLU output with from_logits=False than with
# from_logits=True (measured on Keras 3.15 and 2.15, tests/fixtures/KC205) -> their loss class.
LOGIT_SENSITIVE_LOSS_CLASSES = {
    "categorical_crossentropy": "CategoricalCrossentropy",
    "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
    "binary_crossentropy": "BinaryCrossentropy",
}
# The one-hot and the class-id form of the categorical crossentropy, as written (strings, loss functions,
# loss classes) -> the other form.
OTHER_TARGET_FORM = {
    "categorical_crossentropy": "sparse_categorical_crossentropy",
    "sparse_categorical_crossentropy": "categorical_crossentropy",
    "CategoricalCrossentropy": "SparseCategoricalCrossentropy",
    "SparseCategoricalCrossentropy": "CategoricalCrossentropy",
}
# Constructor keywords both forms' classes take with the same meaning (Keras 2.15 and 3.15); the first
# positional argument is from_logits in both.
OTHER_FORM_SHARED_KEYWORDS = frozenset({"from_logits", "reduction", "name"})


def loss_name(text: str) -> Optional[str]:
    """Canonical loss name for a string, function or class name (`"mse"`, `CategoricalCrossentropy`)."""
    return LOSS_ALIASES.get(text.lower())


# --- activations --------------------------------------------------------------------------------
ACTIVATIONS = {
    "softmax", "sigmoid", "linear", "relu", "tanh", "elu", "selu", "gelu", "swish", "silu",
    "softplus", "softsign", "exponential", "hard_sigmoid", "leaky_relu", "relu6", "mish",
    "log_softmax",
}
# Functions that are activations when called on a tensor or passed as `activation=`.
ACTIVATION_FUNCS = {
    "tf.nn.softmax": "softmax", "tf.math.softmax": "softmax", "tf.softmax": "softmax",
    "tf.nn.sigmoid": "sigmoid", "tf.math.sigmoid": "sigmoid", "tf.sigmoid": "sigmoid",
    "tf.nn.relu": "relu", "tf.nn.tanh": "tanh", "tf.math.tanh": "tanh", "tf.tanh": "tanh",
    "keras.ops.softmax": "softmax", "keras.ops.sigmoid": "sigmoid", "keras.ops.relu": "relu",
    "keras.ops.tanh": "tanh",
    "keras.backend.softmax": "softmax", "keras.backend.sigmoid": "sigmoid",
}
PROBABILITY_ACTIVATIONS = {"softmax", "sigmoid"}
# Outputs that are not probabilities: a crossentropy needs from_logits=True after these.
LOGIT_ACTIVATIONS = {"linear", "relu", "elu", "selu", "leaky_relu", "gelu", "swish", "silu"}


def activation_of(value: object) -> Optional[str]:
    """Canonical activation for an `activation=` value: a string, None (linear) or a function name."""
    if value is None:
        return "linear"
    if isinstance(value, str):
        if value.startswith("keras.activations."):
            value = value.rsplit(".", 1)[1]
        elif value in ACTIVATION_FUNCS:
            return ACTIVATION_FUNCS[value]
        v = value.lower()
        return v if v in ACTIVATIONS else None
    return None


# --- layers ---------------------------------------------------------------------------------------
# layer class -> (argument holding the output size, positional index of that argument)
UNIT_LAYERS = {
    "Dense": ("units", 0),
    "Conv1D": ("filters", 0), "Conv2D": ("filters", 0), "Conv3D": ("filters", 0),
    "Conv1DTranspose": ("filters", 0), "Conv2DTranspose": ("filters", 0),
    "Conv3DTranspose": ("filters", 0), "SeparableConv1D": ("filters", 0),
    "SeparableConv2D": ("filters", 0), "Convolution2D": ("filters", 0),
    "Convolution1D": ("filters", 0),
}
# Output rank (with the batch axis) that a layer always produces.
LAYER_OUTPUT_RANK = {
    "Conv1D": 3, "Conv2D": 4, "Conv3D": 5, "Conv1DTranspose": 3, "Conv2DTranspose": 4,
    "Conv3DTranspose": 5, "SeparableConv1D": 3, "SeparableConv2D": 4, "Convolution2D": 4,
    "Convolution1D": 3, "Flatten": 2, "GlobalAveragePooling1D": 2, "GlobalAveragePooling2D": 2,
    "GlobalAveragePooling3D": 2, "GlobalMaxPooling1D": 2, "GlobalMaxPooling2D": 2,
    "GlobalMaxPooling3D": 2, "GlobalAvgPool2D": 2, "GlobalMaxPool2D": 2,
    # pooling, resampling, padding and cropping accept one rank only and keep it
    **{f"{kind}{d}D": d + 2 for d in (1, 2, 3)
       for kind in ("MaxPooling", "AveragePooling", "MaxPool", "AvgPool", "UpSampling", "ZeroPadding", "Cropping")},
}
# Minimum input rank (with batch) a layer accepts: Keras raises below it.
LAYER_INPUT_RANK = {
    "Conv1D": 3, "Conv2D": 4, "Conv3D": 5, "SeparableConv2D": 4, "Conv2DTranspose": 4,
    "MaxPooling2D": 4, "AveragePooling2D": 4, "MaxPooling1D": 3, "MaxPool2D": 4,
    "LSTM": 3, "GRU": 3, "SimpleRNN": 3, "Conv1DTranspose": 3, "MaxPooling3D": 5,
    "Conv3DTranspose": 5, "GlobalAveragePooling2D": 4, "GlobalMaxPooling2D": 4,
    "GlobalAveragePooling1D": 3, "GlobalMaxPooling1D": 3,
}
RECURRENT_LAYERS = {"LSTM", "GRU", "SimpleRNN"}
# First layers that read the size of the input's last axis (Keras 3 Sequential models check nothing
# else: other dimensions are only caught when a later layer happens to depend on them).
LAST_AXIS_LAYERS = set(UNIT_LAYERS) | RECURRENT_LAYERS | {"BatchNormalization"}
# Layers that hold no weights shaped by the input and keep its last axis: the first layer after them
# is the one whose input check meets the data (`Rescaling` then `Conv2D`).
SHAPE_KEEPING_LAYERS = frozenset({
    "Rescaling", "Activation", "Dropout", "GaussianNoise", "GaussianDropout", "AlphaDropout",
    "ActivityRegularization", "RandomFlip", "RandomRotation", "RandomZoom", "RandomContrast",
    "RandomTranslation", "RandomBrightness",
})
RESIZING_LAYERS = ("Resizing", "CenterCrop", "RandomCrop")  # (height, width) as their first arguments
CHANNEL_KEEPING_LAYERS = SHAPE_KEEPING_LAYERS | frozenset(RESIZING_LAYERS)
# Layers whose output has the input's shape and, for our purposes, its activation.
TRANSPARENT_LAYERS = {
    "Dropout", "BatchNormalization", "LayerNormalization", "GaussianNoise", "GaussianDropout",
    "AlphaDropout", "ActivityRegularization", "SpatialDropout1D", "SpatialDropout2D",
    "SpatialDropout3D", "UnitNormalization", "GroupNormalization",
}
ACTIVATION_LAYERS = {"Activation": None, "Softmax": "softmax", "ReLU": "relu", "LeakyReLU": "leaky_relu",
                     "ELU": "elu", "PReLU": "linear"}
# The integer arguments of layer constructors (name, position) and the Keras majors that raise when
# one is a float (measured: 3.15 refuses each; 2.15 casts Dense units and conv filters with int()).
_BOTH, _K3_ONLY = frozenset({"2", "3"}), frozenset({"3"})
COUNT_ARGUMENTS = {
    "Dense": (("units", 0, _K3_ONLY),),
    **{cls: (("filters", 0, _K3_ONLY), ("kernel_size", 1, _BOTH)) for cls in UNIT_LAYERS if cls != "Dense"},
    **{cls: (("units", 0, _BOTH),) for cls in RECURRENT_LAYERS},
    "Embedding": (("input_dim", 0, _BOTH), ("output_dim", 1, _BOTH)),
    "Reshape": (("target_shape", 0, _BOTH),),
    **{f"{kind}{d}D": (("pool_size", 0, _BOTH),) for d in (1, 2, 3)
       for kind in ("MaxPooling", "AveragePooling", "MaxPool", "AvgPool")},
}
# Layers whose default activation is linear (activation=None).
LINEAR_DEFAULT = set(UNIT_LAYERS)
CONCAT_FUNCS = {"tf.concat", "keras.ops.concatenate", "keras.layers.concatenate", "keras.backend.concatenate",
                "tf.keras.backend.concatenate"}
SQUEEZE_FUNCS = {"tf.squeeze", "keras.ops.squeeze", "keras.backend.squeeze", "np.squeeze"}
# `keras.backend.squeeze(x)` needs an axis (TypeError without one) and `np.squeeze` is not a graph op:
# only these drop every size-1 axis, the batch axis included.
NO_AXIS_SQUEEZES = {"tf.squeeze", "keras.ops.squeeze"}
# The canonical names of keras.Model: a class deriving from it is a subclassed model.
MODEL_CLASSES = ("keras.Model", "keras.models.Model")

# --- metrics ----------------------------------------------------------------------------------------
IOU_METRICS = {"MeanIoU", "IoU", "OneHotMeanIoU", "OneHotIoU", "BinaryIoU"}

# --- Keras 2 -> 3 API removals ------------------------------------------------------------------------
# Every table below was read from `dir()` and checked by calling the API on Keras 3.15.1 (TF 2.21) and
# Keras 2.15.0 (TF 2.15); the end-to-end fixtures under tests/fixtures/KC5xx re-check them.

# dir(keras.backend) on Keras 3.15: the only names Keras 3's `keras.backend` has.
KERAS3_BACKEND_KEEPS = frozenset({
    "backend", "clear_session", "epsilon", "floatx", "get_uid", "image_data_format", "is_float_dtype",
    "is_int_dtype", "is_keras_tensor", "result_type", "set_epsilon", "set_floatx", "set_image_data_format",
    "standardize_dtype",
})
# dir(keras.backend) on Keras 2.15 minus the above: on Keras 3 each raises
# `AttributeError: module 'keras.backend' has no attribute '<name>'`.
KERAS2_BACKEND_REMOVED = frozenset({
    "abs", "all", "any", "arange", "argmax", "argmin", "batch_dot", "batch_flatten", "batch_get_value",
    "batch_normalization", "batch_set_value", "bias_add", "binary_crossentropy", "binary_focal_crossentropy",
    "cast", "cast_to_floatx", "categorical_crossentropy", "categorical_focal_crossentropy", "clip",
    "concatenate", "constant", "conv1d", "conv2d", "conv2d_transpose", "conv3d", "cos", "count_params",
    "ctc_batch_cost", "ctc_decode", "ctc_label_dense_to_sparse", "cumprod", "cumsum", "depthwise_conv2d",
    "dot", "dropout", "dtype", "elu", "equal", "eval", "exp", "expand_dims", "eye", "flatten", "foldl",
    "foldr", "function", "gather", "get_value", "gradients", "greater", "greater_equal", "hard_sigmoid",
    "in_test_phase", "in_top_k", "in_train_phase", "int_shape", "is_sparse", "l2_normalize",
    "learning_phase", "learning_phase_scope", "less", "less_equal", "local_conv1d", "local_conv2d", "log",
    "manual_variable_initialization", "map_fn", "max", "maximum", "mean", "min", "minimum",
    "moving_average_update", "name_scope", "ndim", "normalize_batch_in_training", "not_equal", "one_hot",
    "ones", "ones_like", "permute_dimensions", "placeholder", "pool2d", "pool3d", "pow", "print_tensor",
    "prod", "random_bernoulli", "random_binomial", "random_normal", "random_normal_variable",
    "random_uniform", "random_uniform_variable", "relu", "repeat", "repeat_elements", "reset_uids",
    "reshape", "resize_images", "resize_volumes", "reverse", "rnn", "round", "separable_conv2d",
    "set_learning_phase", "set_value", "shape", "sigmoid", "sign", "sin", "softmax", "softplus", "softsign",
    "sparse_categorical_crossentropy", "spatial_2d_padding", "spatial_3d_padding", "sqrt", "square",
    "squeeze", "stack", "std", "stop_gradient", "sum", "switch", "tanh", "temporal_padding", "tile",
    "to_dense", "transpose", "truncated_normal", "update", "update_add", "update_sub", "var", "variable",
    "zeros", "zeros_like",
})
# TF1 session helpers: not in keras.backend since Keras 2.13, and not in Keras 3 either.
BACKEND_SESSION_FUNCS = frozenset({"set_session", "get_session"})
# `tf.keras.backend` under Keras 3 (TF >= 2.16) is a legacy shim (`keras._tf_keras.keras.backend`) that
# still has the math functions (tf.keras.backend.sum works) but lacks these Keras 2.15 names:
TF_KERAS_BACKEND_MISSING = frozenset({
    "function", "in_test_phase", "in_train_phase", "learning_phase", "learning_phase_scope",
    "local_conv1d", "local_conv2d", "manual_variable_initialization", "normalize_batch_in_training",
    "placeholder", "print_tensor", "random_binomial", "reset_uids", "set_learning_phase",
})
# The module each backend spelling names in the AttributeError Keras 3 raises.
BACKEND_MODULES = {
    "keras.backend": "keras.backend",
    "tf.keras.backend": "tensorflow.keras.backend",
    "tf.compat.v1.keras.backend": "keras._tf_keras.keras.backend",
    "tf.compat.v2.keras.backend": "keras._tf_keras.keras.backend",
}


def backend_missing_on_keras3(module: str, fn: str) -> bool:
    """Does `<module>.<fn>` raise AttributeError on Keras 3? `module` is a canonical backend spelling
    (`keras.backend` for Keras 3's own module, `tf.keras.backend` for TensorFlow's shim)."""
    if module == "keras.backend":
        return fn in KERAS2_BACKEND_REMOVED or fn in BACKEND_SESSION_FUNCS
    if module in BACKEND_MODULES:
        return fn in TF_KERAS_BACKEND_MISSING or fn in BACKEND_SESSION_FUNCS
    return False


# keras.backend function -> the keras.ops call with the same meaning. Checked by running both on the
# same inputs (Keras 2.15 keras.backend vs Keras 3.15 keras.ops); where a default differs, the
# replacement spells the Keras 2 default out (argmax, cumsum, concatenate, expand_dims, gather).
BACKEND_TO_OPS = {
    "abs": "keras.ops.abs", "all": "keras.ops.all", "any": "keras.ops.any", "arange": "keras.ops.arange",
    "argmax": "keras.ops.argmax(x, axis=-1)", "argmin": "keras.ops.argmin(x, axis=-1)",
    "binary_crossentropy": "keras.ops.binary_crossentropy", "cast": "keras.ops.cast",
    "categorical_crossentropy": "keras.ops.categorical_crossentropy", "clip": "keras.ops.clip",
    "concatenate": "keras.ops.concatenate(tensors, axis=-1)", "constant": "keras.ops.convert_to_tensor",
    "cos": "keras.ops.cos", "cumprod": "keras.ops.cumprod(x, axis=0)", "cumsum": "keras.ops.cumsum(x, axis=0)",
    "dot": "keras.ops.dot", "elu": "keras.ops.elu", "equal": "keras.ops.equal", "exp": "keras.ops.exp",
    "expand_dims": "keras.ops.expand_dims(x, axis=-1)", "eye": "keras.ops.eye", "flatten": "keras.ops.ravel",
    "gather": "keras.ops.take(x, indices, axis=0)", "greater": "keras.ops.greater",
    "greater_equal": "keras.ops.greater_equal", "int_shape": "keras.ops.shape", "less": "keras.ops.less",
    "less_equal": "keras.ops.less_equal", "log": "keras.ops.log", "map_fn": "keras.ops.map",
    "max": "keras.ops.max", "maximum": "keras.ops.maximum", "mean": "keras.ops.mean", "min": "keras.ops.min",
    "minimum": "keras.ops.minimum", "ndim": "keras.ops.ndim", "not_equal": "keras.ops.not_equal",
    "one_hot": "keras.ops.one_hot", "ones": "keras.ops.ones", "ones_like": "keras.ops.ones_like",
    "permute_dimensions": "keras.ops.transpose", "pow": "keras.ops.power", "prod": "keras.ops.prod",
    "relu": "keras.ops.relu", "repeat_elements": "keras.ops.repeat", "reshape": "keras.ops.reshape",
    "reverse": "keras.ops.flip", "round": "keras.ops.round", "shape": "keras.ops.shape",
    "sigmoid": "keras.ops.sigmoid", "sign": "keras.ops.sign", "sin": "keras.ops.sin",
    "softmax": "keras.ops.softmax", "softplus": "keras.ops.softplus", "softsign": "keras.ops.softsign",
    "sparse_categorical_crossentropy": "keras.ops.sparse_categorical_crossentropy", "sqrt": "keras.ops.sqrt",
    "square": "keras.ops.square", "squeeze": "keras.ops.squeeze", "stack": "keras.ops.stack",
    "std": "keras.ops.std", "stop_gradient": "keras.ops.stop_gradient", "sum": "keras.ops.sum",
    "switch": "keras.ops.where", "tanh": "keras.ops.tanh", "tile": "keras.ops.tile",
    "transpose": "keras.ops.transpose", "var": "keras.ops.var", "zeros": "keras.ops.zeros",
    "zeros_like": "keras.ops.zeros_like",
}
# Removed backend names without a same-meaning keras.ops function: what to write instead.
# The BACKEND_TO_OPS entries the fix rewrites, with the parameter names of the Keras 2.15 backend
# function and of the Keras 3.15 keras.ops function (inspect.signature on both). A positional
# argument means the same in both; a keyword only when the name sits at the same place in both.
# Left out although in the table: int_shape/shape (a tuple of ints or tensors instead of None /
# a tensor), zeros/ones/eye (Keras 2 returns a variable), constant/arange (other default dtypes),
# switch (Keras 2 also takes callables and broadcasts the condition).
BACKEND_TO_OPS_PARAMS = {
    "abs": (("x",), ("x",)),
    "all": (("x", "axis", "keepdims"), ("x", "axis", "keepdims")),
    "any": (("x", "axis", "keepdims"), ("x", "axis", "keepdims")),
    "argmax": (("x", "axis"), ("x", "axis", "keepdims")),
    "argmin": (("x", "axis"), ("x", "axis", "keepdims")),
    "binary_crossentropy": (("target", "output", "from_logits"), ("target", "output", "from_logits")),
    "cast": (("x", "dtype"), ("x", "dtype")),
    "categorical_crossentropy": (("target", "output", "from_logits", "axis"),
                                 ("target", "output", "from_logits", "axis")),
    "clip": (("x", "min_value", "max_value"), ("x", "x_min", "x_max")),
    "concatenate": (("tensors", "axis"), ("xs", "axis")),
    "cos": (("x",), ("x",)),
    "cumprod": (("x", "axis"), ("x", "axis", "dtype")),
    "cumsum": (("x", "axis"), ("x", "axis", "dtype")),
    "dot": (("x", "y"), ("x1", "x2")),
    "elu": (("x", "alpha"), ("x", "alpha")),
    "equal": (("x", "y"), ("x1", "x2")),
    "exp": (("x",), ("x",)),
    "expand_dims": (("x", "axis"), ("x", "axis")),
    "flatten": (("x",), ("x",)),
    "gather": (("reference", "indices"), ("x", "indices", "axis")),
    "greater": (("x", "y"), ("x1", "x2")),
    "greater_equal": (("x", "y"), ("x1", "x2")),
    "less": (("x", "y"), ("x1", "x2")),
    "less_equal": (("x", "y"), ("x1", "x2")),
    "log": (("x",), ("x",)),
    "map_fn": (("fn", "elems", "name", "dtype"), ("f", "xs")),
    "max": (("x", "axis", "keepdims"), ("x", "axis", "keepdims", "initial")),
    "maximum": (("x", "y"), ("x1", "x2")),
    "mean": (("x", "axis", "keepdims"), ("x", "axis", "keepdims")),
    "min": (("x", "axis", "keepdims"), ("x", "axis", "keepdims", "initial")),
    "minimum": (("x", "y"), ("x1", "x2")),
    "ndim": (("x",), ("x",)),
    "not_equal": (("x", "y"), ("x1", "x2")),
    "one_hot": (("indices", "num_classes"), ("x", "num_classes", "axis", "dtype", "sparse")),
    "ones_like": (("x", "dtype", "name"), ("x", "dtype")),
    "permute_dimensions": (("x", "pattern"), ("x", "axes")),
    "pow": (("x", "a"), ("x1", "x2")),
    "prod": (("x", "axis", "keepdims"), ("x", "axis", "keepdims", "dtype")),
    "relu": (("x", "alpha", "max_value", "threshold"), ("x",)),
    "repeat_elements": (("x", "rep", "axis"), ("x", "repeats", "axis")),
    "reshape": (("x", "shape"), ("x", "newshape")),
    "reverse": (("x", "axes"), ("x", "axis")),
    "round": (("x",), ("x", "decimals")),
    "sigmoid": (("x",), ("x",)),
    "sign": (("x",), ("x",)),
    "sin": (("x",), ("x",)),
    "softmax": (("x", "axis"), ("x", "axis")),
    "softplus": (("x",), ("x",)),
    "softsign": (("x",), ("x",)),
    "sparse_categorical_crossentropy": (("target", "output", "from_logits", "axis", "ignore_class"),
                                        ("target", "output", "from_logits", "axis")),
    "sqrt": (("x",), ("x",)),
    "square": (("x",), ("x",)),
    "squeeze": (("x", "axis"), ("x", "axis")),
    "stack": (("x", "axis"), ("x", "axis")),
    "std": (("x", "axis", "keepdims"), ("x", "axis", "keepdims")),
    "stop_gradient": (("variables",), ("variable",)),
    "sum": (("x", "axis", "keepdims"), ("x", "axis", "keepdims")),
    "tanh": (("x",), ("x",)),
    "tile": (("x", "n"), ("x", "repeats")),
    "transpose": (("x",), ("x", "axes")),
    "var": (("x", "axis", "keepdims"), ("x", "axis", "keepdims")),
    "zeros_like": (("x", "dtype", "name"), ("x", "dtype")),
}
# Where keras.ops has another default: the Keras 2 default, spelled out when the call leaves it out
# (BACKEND_TO_OPS writes these as `keras.ops.argmax(x, axis=-1)`).
BACKEND_TO_OPS_DEFAULTS = {
    "argmax": ("axis", 1, "-1"), "argmin": ("axis", 1, "-1"), "concatenate": ("axis", 1, "-1"),
    "cumprod": ("axis", 1, "0"), "cumsum": ("axis", 1, "0"), "expand_dims": ("axis", 1, "-1"),
    "gather": ("axis", 2, "0"),
}
BACKEND_OTHER_FIX = {
    "get_value": "use `keras.ops.convert_to_numpy(x)` (or `x.numpy()`)",
    "batch_get_value": "use `[keras.ops.convert_to_numpy(v) for v in variables]`",
    "eval": "use `keras.ops.convert_to_numpy(x)`",
    "set_value": "use `variable.assign(value)`",
    "batch_set_value": "call `variable.assign(value)` for each pair",
    "update": "use `variable.assign(value)`",
    "update_add": "use `variable.assign_add(value)`",
    "update_sub": "use `variable.assign_sub(value)`",
    "variable": "use `keras.Variable(value)`",
    "dtype": "use `x.dtype`",
    "cast_to_floatx": "use `keras.ops.cast(x, keras.config.floatx())`",
    "batch_flatten": "use `keras.ops.reshape(x, (keras.ops.shape(x)[0], -1))`",
    "batch_dot": "use `keras.ops.einsum` or `keras.ops.matmul`",
    "l2_normalize": "use `keras.ops.normalize(x, axis=...)` (pass the axis: keras.ops defaults to -1, "
                    "keras.backend.l2_normalize to all axes)",
    "in_top_k": "use `keras.ops.in_top_k(targets, predictions, k)` (the first two arguments are swapped)",
    "hard_sigmoid": "use `keras.ops.hard_sigmoid` (note: Keras 3 computes x/6 + 0.5, Keras 2 0.2*x + 0.5)",
    "repeat": "use `keras.layers.RepeatVector(n)`",
    "random_normal": "use `keras.random.normal`",
    "random_uniform": "use `keras.random.uniform`",
    "truncated_normal": "use `keras.random.truncated_normal`",
    "dropout": "use `keras.random.dropout`",
    "name_scope": "use `keras.name_scope`",
    "learning_phase": "Keras 3 has no global learning phase: pass `training=True/False` when calling the "
                      "model or layer",
    "set_learning_phase": "Keras 3 has no global learning phase: remove the call and pass "
                          "`training=False` when calling the model (predict() already does)",
    "learning_phase_scope": "Keras 3 has no global learning phase: pass `training=` when calling the model",
    "function": "Keras 3 has no backend functions: call the model (or `keras.Model(inputs, layer.output)`) "
                "directly",
    "placeholder": "Keras 3 has no placeholders: use `keras.Input(shape=...)`",
    "gradients": "use `tf.GradientTape` (TensorFlow backend)",
    "count_params": "use `layer.count_params()` or `model.count_params()`",
    "in_train_phase": "Keras 3 has no learning phase: branch on the `training` argument of `call()`",
    "in_test_phase": "Keras 3 has no learning phase: branch on the `training` argument of `call()`",
    "set_session": "TF2 has no sessions: remove the call (for GPU memory growth use "
                   "`tf.config.experimental.set_memory_growth`)",
    "get_session": "TF2 has no sessions: remove the call",
}


def backend_fix(fn: str, in_tf_shim: bool) -> str:
    """What to write instead of a removed `keras.backend.<fn>`."""
    if fn in BACKEND_TO_OPS:
        return f"use `{BACKEND_TO_OPS[fn]}` instead"
    if fn in BACKEND_OTHER_FIX:
        return BACKEND_OTHER_FIX[fn]
    if in_tf_shim:
        return ("rewrite it with `keras.ops`, or keep TensorFlow's legacy shim "
                "`from tensorflow.keras import backend as K`, which still has it")
    return "rewrite it with `keras.ops`"


# Optimizer classes present in both Keras 2.15 and 3.15. On Keras 3 each raises
# `ValueError: Argument(s) not recognized: {'lr': ...}` for `lr=` and warns "Argument `decay` is no
# longer supported and will be ignored." for `decay=`; on Keras 2.15 `lr=` works and `decay=` raises
# `ValueError: decay is deprecated in the new Keras optimizer ...`.
OPTIMIZER_CLASSES = frozenset({
    "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lion", "Nadam", "RMSprop", "SGD",
})

# Keywords of each legacy optimizer (Keras 2.15) that the Keras 3.15 class of the same name takes with the
# same meaning (inspect.signature on both); `lr` and `decay` are left for KC504 / KC505 to report next.
LEGACY_OPTIMIZER_COMMON_KEYWORDS = {"clipnorm", "clipvalue", "global_clipnorm", "name", "lr", "decay"}
LEGACY_OPTIMIZER_KEYWORDS = {
    "Adadelta": {"learning_rate", "rho", "epsilon"},
    "Adagrad": {"learning_rate", "initial_accumulator_value", "epsilon"},
    "Adam": {"learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad"},
    "Adamax": {"learning_rate", "beta_1", "beta_2", "epsilon"},
    "Ftrl": {"learning_rate", "learning_rate_power", "initial_accumulator_value", "l1_regularization_strength",
             "l2_regularization_strength", "l2_shrinkage_regularization_strength", "beta"},
    "Nadam": {"learning_rate", "beta_1", "beta_2", "epsilon"},
    "RMSprop": {"learning_rate", "rho", "momentum", "epsilon", "centered"},
    "SGD": {"learning_rate", "momentum", "nesterov"},
}
# Layer keywords Keras 2.15 accepts and Keras 3.15 refuses at construction ("ValueError: Unrecognized
# keyword arguments passed to Dense: {'weights': ...}"; measured): the layers that still take each,
# what to write instead, and the values whose removal changes nothing (a safe fix; None: any value).
REMOVED_LAYER_KEYWORDS = {
    "batch_input_shape": (frozenset({"InputLayer"}),
                          "declare the batch shape on the input, `keras.Input(batch_shape=(...))`, as the model's "
                          "first element", ()),
    "batch_size": (frozenset({"InputLayer"}), "pass it to the input: `keras.Input(shape=..., batch_size=n)`", ()),
    "weights": (frozenset({"Embedding", "Bidirectional"}),
                "build the model, then set them with `layer.set_weights([...])`", ()),
    "fused": (frozenset(), "remove it: Keras 3 picks the implementation itself", None),
    "time_major": (frozenset(), "remove it and feed (batch, time, features) data (transpose time-major data "
                                "first)", (False,)),
    "dynamic": (frozenset(), "remove it (to run a layer eagerly, compile the model with `run_eagerly=True`)",
                (False,)),
}
# Model methods Keras 3 removed (AttributeError: 'Sequential' object has no attribute '<name>');
# Keras 2.15 still has them (with a deprecation warning) -> what to call instead.
MODEL_METHODS_REMOVED_IN_3 = {
    "fit_generator": "fit", "evaluate_generator": "evaluate", "predict_generator": "predict",
}
# Keras 2.15's `<method>_generator(generator, ...)` is `<method>(generator, ...)` with the same keywords
# (it calls it); the keywords of the Keras 3.15 method (inspect.signature), besides `x`.
GENERATOR_METHOD_KEYWORDS = {
    "fit": {"y", "batch_size", "epochs", "verbose", "callbacks", "validation_split", "validation_data", "shuffle",
            "class_weight", "sample_weight", "initial_epoch", "steps_per_epoch", "validation_steps",
            "validation_batch_size", "validation_freq"},
    "evaluate": {"y", "batch_size", "verbose", "sample_weight", "steps", "callbacks", "return_dict"},
    "predict": {"batch_size", "verbose", "steps", "callbacks"},
}
# Model methods gone from both Keras 2.15 and 3 (removed in TF 2.6) -> what to write instead.
MODEL_METHODS_REMOVED = {
    "predict_classes": "`np.argmax(model.predict(x), axis=-1)` for a softmax output, or "
                       "`(model.predict(x) > 0.5).astype(\"int32\")` for a sigmoid output",
    "predict_proba": "`model.predict(x)`, which already returns the probabilities",
}
# fit/evaluate/predict keywords Keras 3 removed (TypeError: ... got an unexpected keyword argument);
# in Keras 3 they belong to `keras.utils.PyDataset(workers=..., use_multiprocessing=..., max_queue_size=...)`.
FIT_QUEUE_ARGS = ("workers", "use_multiprocessing", "max_queue_size")
FIT_QUEUE_METHODS = frozenset({"fit", "evaluate", "predict"})

# --- imports that no longer exist ---------------------------------------------------------------------
# Module paths, as written (`keras.` and `tensorflow.keras.`), that raise ModuleNotFoundError /
# ImportError. `missing_on` is "2,3" when Keras 2.15 lacks them too (they went away in Keras 2.13 when the
# code moved to keras.src), "3" when only Keras 3 lacks them. -> (missing_on, what to use instead)
LAYER_SUBMODULES = ("core", "convolutional", "pooling", "recurrent", "normalization", "embeddings", "merge",
                     "advanced_activations", "wrappers")
UTILS_SUBMODULES = ("np_utils", "vis_utils", "generic_utils", "data_utils")
REMOVED_MODULES: dict[str, tuple[str, str]] = {}
for _root, _shown in (("keras", "keras"), ("tensorflow.keras", "tf.keras")):
    for _sub in LAYER_SUBMODULES:
        REMOVED_MODULES[f"{_root}.layers.{_sub}"] = ("2,3", f"import the layers from `{_shown}.layers`")
    for _sub in UTILS_SUBMODULES:
        REMOVED_MODULES[f"{_root}.utils.{_sub}"] = ("2,3", f"import from `{_shown}.utils`")
    REMOVED_MODULES[f"{_root}.engine"] = ("2,3", f"use `{_shown}.layers.Layer`, `{_shown}.Model` and `{_shown}.Input`")
    REMOVED_MODULES[f"{_root}.wrappers.scikit_learn"] = ("2,3", "use `keras.wrappers.SKLearnClassifier` / "
                                                                "`SKLearnRegressor` (Keras 3) or the scikeras package")
    REMOVED_MODULES[f"{_root}.layers.experimental"] = ("3", f"the preprocessing layers live in `{_shown}.layers` "
                                                            f"(e.g. `{_shown}.layers.Rescaling`)")
    REMOVED_MODULES[f"{_root}.experimental"] = ("3", "it was removed in Keras 3")
    REMOVED_MODULES[f"{_root}.dtensor"] = ("3", "use `keras.distribution`")
REMOVED_MODULES["keras.preprocessing.text"] = ("3", "use `keras.layers.TextVectorization`")
REMOVED_MODULES["keras.utils.experimental"] = ("3", "it was removed in Keras 3")
REMOVED_MODULES["keras.callbacks.experimental"] = ("3", "it was removed in Keras 3")
REMOVED_MODULES["keras.optimizers.experimental"] = ("3", "use the optimizers in `keras.optimizers`")
REMOVED_MODULES["keras.models.experimental"] = ("3", "it was removed in Keras 3")

# Names (module -> names) that Keras 2.15 has and Keras 3.15 lacks: dir() on both, diffed.
_IMAGE_GENERATOR_FIX = ("load images with `keras.utils.image_dataset_from_directory` and augment with layers "
                        "such as `keras.layers.RandomFlip` (TensorFlow's `tf.keras.preprocessing.image."
                        "ImageDataGenerator` shim still exists)")
REMOVED_NAMES_IN_3: dict[str, dict[str, str]] = {
    "keras.layers": {
        "AbstractRNNCell": "", "DenseFeatures": "use `keras.utils.FeatureSpace`", "LocallyConnected1D": "",
        "LocallyConnected2D": "", "RandomHeight": "use `keras.layers.Resizing` or `RandomZoom`",
        "RandomWidth": "use `keras.layers.Resizing` or `RandomZoom`",
        "ThresholdedReLU": "use `keras.layers.ReLU(threshold=theta)`",
    },
    "keras.utils": {n: "" for n in ("GeneratorEnqueuer", "OrderedEnqueuer", "SequenceEnqueuer", "SidecarEvaluator",
                                    "StepsPerExecutionTuner", "TimedThread", "to_ordinal",
                                    "warmstart_embedding_matrix")},
    "keras.preprocessing": {"text": "use `keras.layers.TextVectorization`"},
    "keras.preprocessing.image": {n: _IMAGE_GENERATOR_FIX for n in (
        "DirectoryIterator", "ImageDataGenerator", "Iterator", "NumpyArrayIterator")},
    "keras.preprocessing.sequence": {
        "TimeseriesGenerator": "use `keras.utils.timeseries_dataset_from_array`",
        "make_sampling_table": "", "skipgrams": "",
    },
    "keras.callbacks": {"BaseLogger": "", "SidecarEvaluatorModelExport": ""},
    "keras.models": {"model_from_config": "use `keras.models.model_from_json` or `keras.saving`",
                     "model_from_yaml": "use `keras.models.model_from_json`"},
    "keras.constraints": {"RadialConstraint": "", "radial_constraint": ""},
    "tensorflow.keras.layers": {"AbstractRNNCell": "", "DenseFeatures": "use `keras.utils.FeatureSpace`",
                                "LocallyConnected1D": "", "LocallyConnected2D": ""},
    "tensorflow.keras.callbacks": {"BaseLogger": "", "SidecarEvaluatorModelExport": ""},
    "tensorflow.keras.models": {"model_from_config": "use `tf.keras.models.model_from_json`",
                                "model_from_yaml": "use `tf.keras.models.model_from_json`"},
    "tensorflow.keras.constraints": {"RadialConstraint": "", "radial_constraint": ""},
}
REMOVED_NAMES_IN_3["tensorflow.keras.utils"] = dict(REMOVED_NAMES_IN_3["keras.utils"])
for _n in ("apply_affine_transform", "apply_brightness_shift", "apply_channel_shift", "random_brightness",
           "random_channel_shift", "random_rotation", "random_shear", "random_shift", "random_zoom"):
    REMOVED_NAMES_IN_3["keras.preprocessing.image"][_n] = ("use the augmentation layers (`keras.layers.RandomRotation`, "
                                                           "`keras.layers.RandomZoom`, ...)")
# Keras 3's keras.losses / keras.metrics dropped the short aliases; TensorFlow's tf.keras shim dropped the
# long function names instead (`tf.keras.losses.mean_squared_error` raises, `tf.keras.losses.mse` works).
_SHORT = {"mse": "mean_squared_error", "mae": "mean_absolute_error", "mape": "mean_absolute_percentage_error",
          "msle": "mean_squared_logarithmic_error", "kld": "kl_divergence", "logcosh": "log_cosh",
          "kullback_leibler_divergence": "kl_divergence"}
for _mod in ("losses", "metrics"):
    _names = {k: f"use `keras.{_mod}.{v}` (or the string \"{k}\" in compile)" for k, v in _SHORT.items()}
    _names.update({k.upper(): _names[k] for k in ("mse", "mae", "mape", "msle", "kld")})
    REMOVED_NAMES_IN_3[f"keras.{_mod}"] = _names
    REMOVED_NAMES_IN_3[f"tensorflow.keras.{_mod}"] = {
        v: f"use `tf.keras.{_mod}.{k}` or the string \"{k}\"" if k != "logcosh" else
        f"use `tf.keras.{_mod}.{k}`" for k, v in _SHORT.items() if k != "kullback_leibler_divergence"}
REMOVED_NAMES_IN_3["keras.losses"]["Reduction"] = "pass `reduction=\"none\"` (a string) to the loss"
REMOVED_NAMES_IN_3["keras.metrics"]["MeanRelativeError"] = ""
REMOVED_NAMES_IN_3["keras.metrics"]["MeanTensor"] = ""
REMOVED_NAMES_IN_3["tensorflow.keras.metrics"]["MeanRelativeError"] = ""
REMOVED_NAMES_IN_3["tensorflow.keras.metrics"]["MeanTensor"] = ""
# Names gone from Keras 2.15 already (and from Keras 3).
REMOVED_NAMES_IN_2_AND_3: dict[str, dict[str, str]] = {
    root + ".layers": {"CuDNNLSTM": "use `keras.layers.LSTM` (it uses cuDNN on a GPU by itself)",
                       "CuDNNGRU": "use `keras.layers.GRU` (it uses cuDNN on a GPU by itself)",
                       "Merge": "use `keras.layers.Concatenate`, `Add`, `Multiply`, ..."}
    for root in ("keras", "tensorflow.keras")
}
REMOVED_NAMES_IN_2_AND_3["keras.utils"] = {"multi_gpu_model": "use `tf.distribute.MirroredStrategy`"}


# Names public in keras.layers / keras.utils and tf.keras.layers / tf.keras.utils on both Keras 2.15 and
# 3.15 (dir()): an import of one of them from a removed private submodule (`keras.layers.core`,
# `keras.utils.np_utils`) may be rewritten to the public module.
PUBLIC_LAYERS = frozenset({
    "Activation", "ActivityRegularization", "Add", "AdditiveAttention", "AlphaDropout", "Attention", "Average",
    "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
    "BatchNormalization", "Bidirectional", "CategoryEncoding", "CenterCrop", "Concatenate", "Conv1D",
    "Conv1DTranspose", "Conv2D", "Conv2DTranspose", "Conv3D", "Conv3DTranspose", "ConvLSTM1D", "ConvLSTM2D",
    "ConvLSTM3D", "Convolution1D", "Convolution1DTranspose", "Convolution2D", "Convolution2DTranspose",
    "Convolution3D", "Convolution3DTranspose", "Cropping1D", "Cropping2D", "Cropping3D", "Dense",
    "DepthwiseConv1D", "DepthwiseConv2D", "Discretization", "Dot", "Dropout", "ELU", "EinsumDense", "Embedding",
    "Flatten", "GRU", "GRUCell", "GaussianDropout", "GaussianNoise", "GlobalAveragePooling1D",
    "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D",
    "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
    "GlobalMaxPooling3D", "GroupNormalization", "HashedCrossing", "Hashing", "Identity", "Input", "InputLayer",
    "InputSpec", "IntegerLookup", "LSTM", "LSTMCell", "Lambda", "Layer", "LayerNormalization", "LeakyReLU",
    "Masking", "MaxPool1D", "MaxPool2D", "MaxPool3D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "Maximum",
    "Minimum", "MultiHeadAttention", "Multiply", "Normalization", "PReLU", "Permute", "RNN", "RandomBrightness",
    "RandomContrast", "RandomCrop", "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom", "ReLU",
    "RepeatVector", "Rescaling", "Reshape", "Resizing", "SeparableConv1D", "SeparableConv2D",
    "SeparableConvolution1D", "SeparableConvolution2D", "SimpleRNN", "SimpleRNNCell", "Softmax",
    "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "SpectralNormalization", "StackedRNNCells",
    "StringLookup", "Subtract", "TextVectorization", "TimeDistributed", "UnitNormalization", "UpSampling1D",
    "UpSampling2D", "UpSampling3D", "Wrapper", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "add",
    "average", "concatenate", "deserialize", "dot", "maximum", "minimum", "multiply", "serialize", "subtract"
})
PUBLIC_UTILS = frozenset({
    "CustomObjectScope", "FeatureSpace", "Progbar", "Sequence", "array_to_img", "audio_dataset_from_directory",
    "custom_object_scope", "deserialize_keras_object", "disable_interactive_logging",
    "enable_interactive_logging", "get_custom_objects", "get_file", "get_registered_name",
    "get_registered_object", "get_source_inputs", "image_dataset_from_directory", "img_to_array",
    "is_interactive_logging_enabled", "load_img", "model_to_dot", "normalize", "pack_x_y_sample_weight",
    "pad_sequences", "plot_model", "register_keras_serializable", "save_img", "serialize_keras_object",
    "set_random_seed", "split_dataset", "text_dataset_from_directory", "timeseries_dataset_from_array",
    "to_categorical", "unpack_x_y_sample_weight"
})
_PUBLIC = {"layers": PUBLIC_LAYERS, "utils": PUBLIC_UTILS}
_PRIVATE_SUBMODULES = {"layers": LAYER_SUBMODULES, "utils": UTILS_SUBMODULES}


def public_home(missing: str) -> Optional[tuple[str, frozenset]]:
    """(public module, the names it exports on both majors) for a removed private submodule such as
    `keras.layers.core` or `tensorflow.keras.utils.np_utils`; None for anything else."""
    module, _, sub = missing.rpartition(".")
    root, _, kind = module.rpartition(".")
    if root in ("keras", "tensorflow.keras") and sub in _PRIVATE_SUBMODULES.get(kind, ()):
        return module, _PUBLIC[kind]
    return None


def removed_import(path: str) -> Optional[tuple[str, str, str, str]]:
    """For a dotted path as written (`keras.layers.core.Dense`, `keras.preprocessing.image.ImageDataGenerator`),
    the part of it that no longer exists: (missing prefix, kind "module"|"name", missing_on "2,3"|"3", fix).
    None when every part of the path exists on Keras 3.15 and 2.15."""
    parts = path.split(".")
    for i in range(2, len(parts) + 1):
        prefix = ".".join(parts[:i])
        if prefix in REMOVED_MODULES:
            missing_on, fix = REMOVED_MODULES[prefix]
            return prefix, "module", missing_on, fix
        module, name = ".".join(parts[:i - 1]), parts[i - 1]
        if name in REMOVED_NAMES_IN_2_AND_3.get(module, {}):
            return prefix, "name", "2,3", REMOVED_NAMES_IN_2_AND_3[module][name]
        if name in REMOVED_NAMES_IN_3.get(module, {}):
            return prefix, "name", "3", REMOVED_NAMES_IN_3[module][name]
    return None

# TensorFlow functions and the `keras.ops` function that takes a KerasTensor in their place (KC512).
TF_TO_KERAS_OPS = {
    "tf.matmul": "keras.ops.matmul", "tf.linalg.matmul": "keras.ops.matmul",
    "tf.concat": "keras.ops.concatenate", "tf.stack": "keras.ops.stack",
    "tf.reduce_sum": "keras.ops.sum", "tf.math.reduce_sum": "keras.ops.sum",
    "tf.reduce_mean": "keras.ops.mean", "tf.math.reduce_mean": "keras.ops.mean",
    "tf.reduce_max": "keras.ops.max", "tf.math.reduce_max": "keras.ops.max",
    "tf.reduce_min": "keras.ops.min", "tf.math.reduce_min": "keras.ops.min",
    "tf.expand_dims": "keras.ops.expand_dims", "tf.reshape": "keras.ops.reshape",
    "tf.transpose": "keras.ops.transpose", "tf.cast": "keras.ops.cast", "tf.shape": "keras.ops.shape",
    "tf.exp": "keras.ops.exp", "tf.math.exp": "keras.ops.exp", "tf.math.log": "keras.ops.log",
    "tf.sqrt": "keras.ops.sqrt", "tf.math.sqrt": "keras.ops.sqrt", "tf.square": "keras.ops.square",
    "tf.abs": "keras.ops.abs", "tf.math.abs": "keras.ops.abs", "tf.tile": "keras.ops.tile",
    "tf.nn.softmax": "keras.ops.softmax", "tf.math.softmax": "keras.ops.softmax",
    "tf.nn.sigmoid": "keras.ops.sigmoid", "tf.sigmoid": "keras.ops.sigmoid", "tf.math.sigmoid": "keras.ops.sigmoid",
    "tf.nn.relu": "keras.ops.relu", "tf.tanh": "keras.ops.tanh", "tf.math.tanh": "keras.ops.tanh",
    "tf.nn.tanh": "keras.ops.tanh", "tf.add": "keras.ops.add", "tf.multiply": "keras.ops.multiply",
    "tf.math.multiply": "keras.ops.multiply", "tf.subtract": "keras.ops.subtract", "tf.maximum": "keras.ops.maximum",
    "tf.minimum": "keras.ops.minimum", "tf.where": "keras.ops.where", "tf.gather": "keras.ops.take",
    "tf.one_hot": "keras.ops.one_hot", "tf.argmax": "keras.ops.argmax", "tf.math.argmax": "keras.ops.argmax",
    "tf.stop_gradient": "keras.ops.stop_gradient", "tf.einsum": "keras.ops.einsum",
    "tf.linalg.norm": "keras.ops.norm", "tf.norm": "keras.ops.norm", "tf.split": "keras.ops.split",
    "tf.math.l2_normalize": "keras.utils.normalize", "tf.nn.l2_normalize": "keras.utils.normalize",
}
