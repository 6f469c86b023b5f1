from typing import Iterator

import libcst as cst

from kerascheck.facts import keras_api as K
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.names import dotted, module_name
from kerascheck.rule import Hit, Rule

_NO_FIX = "it was removed without a direct replacement"

# The fix rewrites `from keras.layers.core import Dense` to `from keras.layers import Dense` (and
# `keras.utils.np_utils.to_categorical` to `keras.utils.to_categorical`) only for these names: public in
# keras.layers / keras.utils and tf.keras.layers / tf.keras.utils on both Keras 2.15 and 3.15 (dir()).
_LAYERS = frozenset({
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
_UTILS = frozenset({
    "CustomObjectScope", "FeatureSpace", "Progbar", "Sequence", "array_to_img", "audio_dataset_from_directory",
    "custom_object_scope", "deserialize_keras_object", "disable_interactive_logging",
    "enable_interactive_logging", "get_custom_objects", "get_file", "get_registered_name",
    "get_registered_object", "get_source_inputs", "image_dataset_from_directory", "img_to_array",
    "is_interactive_logging_enabled", "load_img", "model_to_dot", "normalize", "pack_x_y_sample_weight",
    "pad_sequences", "plot_model", "register_keras_serializable", "save_img", "serialize_keras_object",
    "set_random_seed", "split_dataset", "text_dataset_from_directory", "timeseries_dataset_from_array",
    "to_categorical", "unpack_x_y_sample_weight"
})
_PUBLIC = {"layers": _LAYERS, "utils": _UTILS}


class RemovedKerasImport(Rule):
    """KC508: an import or attribute path Keras no longer has (`keras.layers.core`, `keras.utils.np_utils`,
    `keras.preprocessing.image.ImageDataGenerator` on Keras 3, ...)."""

    code = "KC508"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        only_k3 = "2" not in facts.keras_versions
        flagged_locals: set[str] = set()
        flagged_paths: set[str] = set()
        done_stmts: set[int] = set()
        for site in facts.import_sites:
            found = K.removed_import(site.path)
            if site.guarded or found is None:
                continue
            missing, kind, missing_on, fix = found
            if missing_on == "3" and not only_k3:
                continue
            flagged_locals.add(site.local)
            flagged_paths.add(missing)
            stmt = site.stmt
            if isinstance(stmt, cst.ImportFrom) and missing != site.path:
                # the module after `from` is missing: one finding for the whole statement
                if id(stmt) in done_stmts:
                    continue
                done_stmts.add(id(stmt))
                node, what = stmt.module, f"from {module_name(stmt.module)} import ..."
                error = f"ModuleNotFoundError: No module named '{missing}'"
            elif isinstance(stmt, cst.ImportFrom):
                node, what = site.alias, f"from {module_name(stmt.module)} import {site.path.rsplit('.', 1)[1]}"
                error = f"ImportError: cannot import name '{site.path.rsplit('.', 1)[1]}' from '{module_name(stmt.module)}'"
            else:
                node, what = site.alias, f"import {site.path}"
                error = f"ModuleNotFoundError: No module named '{missing}'"
            hit = self.hit(node, what=what, error=error, versions=_versions(missing_on), fix=fix or _NO_FIX)
            if node is stmt.module and missing == module_name(stmt.module):
                public = _public_module(missing)
                if public is not None and not stmt.relative and not isinstance(stmt.names, cst.ImportStar) \
                        and all(module_name(a.name) in _PUBLIC[public[1]] for a in stmt.names):
                    # safe: the same objects, from the module that exports them
                    hit = self.fixed(hit, [(node, public[0])], f"Import from `{public[0]}`", "safe")
            yield hit
        for node, path in facts.references:
            found = K.removed_import(path)
            if found is None:
                continue
            missing, kind, missing_on, fix = found
            head = (dotted(node) or "").split(".")[0]
            if (missing_on == "3" and not only_k3) or head in flagged_locals or missing in flagged_paths:
                continue
            module, _, attr = missing.rpartition(".")
            if missing_on == "3" and module.startswith("tensorflow.keras"):
                module = "keras._tf_keras." + module[len("tensorflow."):]  # how Keras 3's tf.keras shim names it
            error = f"AttributeError: module '{module}' has no attribute '{attr}'"
            hit = self.hit(node, what=dotted(node) or path, error=error, versions=_versions(missing_on),
                           fix=fix or _NO_FIX)
            public = _public_module(missing)
            written = dotted(node) or ""
            sub = missing.rsplit(".", 1)[-1]
            name = path[len(missing) + 1:]
            if public is not None and name in _PUBLIC[public[1]] and written.endswith(f".{sub}.{name}"):
                new_path = written[: -len(f"{sub}.{name}")] + name
                hit = self.fixed(hit, [(node, new_path)], f"Use `{new_path}`", "safe")
            yield hit


def _versions(missing_on: str) -> str:
    return "Keras 3" if missing_on == "3" else "Keras 2.13+ and Keras 3"


def _public_module(missing: str):
    """(public module, "layers" | "utils") for a removed private submodule such as `keras.layers.core`
    or `tensorflow.keras.utils.np_utils`; None for anything else."""
    module, _, sub = missing.rpartition(".")
    root, _, kind = module.rpartition(".")
    if root in ("keras", "tensorflow.keras") and (kind, sub) in _SUBMODULES:
        return module, kind
    return None


_SUBMODULES = {("layers", s) for s in K._LAYER_SUBMODULES} | {("utils", s) for s in K._UTILS_SUBMODULES}
