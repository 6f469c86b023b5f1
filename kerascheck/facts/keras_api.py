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
SPARSE_LOSSES = {"sparse_categorical_crossentropy"}
BINARY_LOSSES = {"binary_crossentropy", "binary_focal_crossentropy"}
CROSSENTROPY_LOSSES = CATEGORICAL_LOSSES | SPARSE_LOSSES | BINARY_LOSSES


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
# Layers whose output has the input's shape and, for our purposes, its activation.
TRANSPARENT_LAYERS = {
    "Dropout", "BatchNormalization", "LayerNormalization", "GaussianNoise", "GaussianDropout",
    "AlphaDropout", "ActivityRegularization", "SpatialDropout1D", "SpatialDropout2D",
    "SpatialDropout3D", "UnitNormalization", "GroupNormalization",
}
ACTIVATION_LAYERS = {"Activation": None, "Softmax": "softmax", "ReLU": "relu", "LeakyReLU": "leaky_relu",
                     "ELU": "elu", "PReLU": "linear"}
# Layers whose default activation is linear (activation=None).
LINEAR_DEFAULT = set(UNIT_LAYERS)
CONCAT_FUNCS = {"tf.concat", "keras.ops.concatenate", "keras.layers.concatenate", "keras.backend.concatenate",
                "tf.keras.backend.concatenate"}
SQUEEZE_FUNCS = {"tf.squeeze", "keras.ops.squeeze", "keras.backend.squeeze", "np.squeeze"}

# --- metrics ----------------------------------------------------------------------------------------
IOU_METRICS = {"MeanIoU", "IoU", "OneHotMeanIoU", "OneHotIoU", "BinaryIoU"}

# --- Keras 3 API removals (verified on Keras 3.15; see keras-truth a3 and i5) -------------------------
# `keras.backend` in Keras 3 keeps only a handful of configuration helpers.
KERAS3_BACKEND_KEEPS = {
    "epsilon", "set_epsilon", "floatx", "set_floatx", "image_data_format", "set_image_data_format",
    "clear_session", "backend", "is_keras_tensor", "get_uid", "is_float_dtype", "is_int_dtype",
    "standardize_dtype", "result_type", "set_dtype_policy", "random_normal", "random_uniform",
    "is_tensor", "name_scope", "device", "KerasTensor", "Variable", "set_image_dim_ordering",
}
# keras.backend function -> its keras.ops replacement, where the signature matches.
BACKEND_TO_OPS = {
    "sum": "sum", "mean": "mean", "max": "max", "min": "min", "abs": "abs", "sqrt": "sqrt",
    "square": "square", "exp": "exp", "log": "log", "pow": "power", "round": "round",
    "sign": "sign", "clip": "clip", "argmax": "argmax", "argmin": "argmin", "cast": "cast",
    "one_hot": "one_hot", "flatten": "ravel", "reshape": "reshape", "concatenate": "concatenate",
    "stack": "stack", "dot": "dot", "transpose": "transpose", "expand_dims": "expand_dims",
    "squeeze": "squeeze", "sigmoid": "sigmoid", "softmax": "softmax", "relu": "relu",
    "tanh": "tanh", "maximum": "maximum", "minimum": "minimum", "equal": "equal",
    "greater": "greater", "less": "less", "zeros_like": "zeros_like", "ones_like": "ones_like",
    "std": "std", "var": "var", "prod": "prod", "cumsum": "cumsum", "binary_crossentropy": None,
    "categorical_crossentropy": None, "int_shape": None, "shape": "shape", "get_value": None,
    "set_value": None, "variable": None, "constant": None, "batch_dot": None, "gather": "take",
    "permute_dimensions": "transpose", "repeat_elements": "repeat", "tile": "tile",
    "l2_normalize": None, "all": "all", "any": "any", "switch": "where", "floor": "floor",
    "ceil": "ceil", "dtype": None, "ndim": "ndim", "eval": None, "function": None,
    "placeholder": None, "count_params": None, "batch_flatten": None, "sparse_categorical_crossentropy": None,
}
