"""The names `from <keras module> import *` binds, in both Keras 3.15 and Keras 2.15 (generated
by tools/star_exports.py; do not edit by hand)."""

from __future__ import annotations

_NAMES = {
    'keras': (
        "Input Model Sequential activations applications backend callbacks constraints datasets "
        "export initializers layers losses metrics mixed_precision models optimizers "
        "preprocessing regularizers saving src utils"
    ),
    'keras.layers': (
        "Activation ActivityRegularization Add AdditiveAttention AlphaDropout Attention Average "
        "AveragePooling1D AveragePooling2D AveragePooling3D AvgPool1D AvgPool2D AvgPool3D "
        "BatchNormalization Bidirectional CategoryEncoding CenterCrop Concatenate Conv1D "
        "Conv1DTranspose Conv2D Conv2DTranspose Conv3D Conv3DTranspose ConvLSTM1D ConvLSTM2D "
        "ConvLSTM3D Convolution1D Convolution1DTranspose Convolution2D Convolution2DTranspose "
        "Convolution3D Convolution3DTranspose Cropping1D Cropping2D Cropping3D Dense "
        "DepthwiseConv1D DepthwiseConv2D Discretization Dot Dropout ELU EinsumDense Embedding "
        "Flatten GRU GRUCell GaussianDropout GaussianNoise GlobalAveragePooling1D "
        "GlobalAveragePooling2D GlobalAveragePooling3D GlobalAvgPool1D GlobalAvgPool2D "
        "GlobalAvgPool3D GlobalMaxPool1D GlobalMaxPool2D GlobalMaxPool3D GlobalMaxPooling1D "
        "GlobalMaxPooling2D GlobalMaxPooling3D GroupNormalization HashedCrossing Hashing Identity "
        "Input InputLayer InputSpec IntegerLookup LSTM LSTMCell Lambda Layer LayerNormalization "
        "LeakyReLU Masking MaxPool1D MaxPool2D MaxPool3D MaxPooling1D MaxPooling2D MaxPooling3D "
        "Maximum Minimum MultiHeadAttention Multiply Normalization PReLU Permute RNN "
        "RandomBrightness RandomContrast RandomCrop RandomFlip RandomRotation RandomTranslation "
        "RandomZoom ReLU RepeatVector Rescaling Reshape Resizing SeparableConv1D SeparableConv2D "
        "SeparableConvolution1D SeparableConvolution2D SimpleRNN SimpleRNNCell Softmax "
        "SpatialDropout1D SpatialDropout2D SpatialDropout3D SpectralNormalization StackedRNNCells "
        "StringLookup Subtract TextVectorization TimeDistributed UnitNormalization UpSampling1D "
        "UpSampling2D UpSampling3D Wrapper ZeroPadding1D ZeroPadding2D ZeroPadding3D add average "
        "concatenate deserialize dot maximum minimum multiply serialize subtract"
    ),
    'keras.models': (
        "Model Sequential clone_model load_model model_from_json save_model"
    ),
    'keras.losses': (
        "BinaryCrossentropy BinaryFocalCrossentropy CategoricalCrossentropy "
        "CategoricalFocalCrossentropy CategoricalHinge CosineSimilarity Hinge Huber KLDivergence "
        "LogCosh Loss MeanAbsoluteError MeanAbsolutePercentageError MeanSquaredError "
        "MeanSquaredLogarithmicError Poisson SparseCategoricalCrossentropy SquaredHinge "
        "binary_crossentropy binary_focal_crossentropy categorical_crossentropy "
        "categorical_focal_crossentropy categorical_hinge cosine_similarity deserialize get hinge "
        "huber kl_divergence log_cosh mean_absolute_error mean_absolute_percentage_error "
        "mean_squared_error mean_squared_logarithmic_error poisson serialize "
        "sparse_categorical_crossentropy squared_hinge"
    ),
    'keras.metrics': (
        "AUC Accuracy BinaryAccuracy BinaryCrossentropy BinaryIoU CategoricalAccuracy "
        "CategoricalCrossentropy CategoricalHinge CosineSimilarity F1Score FBetaScore "
        "FalseNegatives FalsePositives Hinge IoU KLDivergence LogCoshError Mean MeanAbsoluteError "
        "MeanAbsolutePercentageError MeanIoU MeanMetricWrapper MeanSquaredError "
        "MeanSquaredLogarithmicError Metric OneHotIoU OneHotMeanIoU Poisson Precision "
        "PrecisionAtRecall R2Score Recall RecallAtPrecision RootMeanSquaredError "
        "SensitivityAtSpecificity SparseCategoricalAccuracy SparseCategoricalCrossentropy "
        "SparseTopKCategoricalAccuracy SpecificityAtSensitivity SquaredHinge Sum "
        "TopKCategoricalAccuracy TrueNegatives TruePositives binary_accuracy binary_crossentropy "
        "binary_focal_crossentropy categorical_accuracy categorical_crossentropy "
        "categorical_focal_crossentropy deserialize get hinge kl_divergence log_cosh "
        "mean_absolute_error mean_absolute_percentage_error mean_squared_error "
        "mean_squared_logarithmic_error poisson serialize sparse_categorical_accuracy "
        "sparse_categorical_crossentropy sparse_top_k_categorical_accuracy squared_hinge "
        "top_k_categorical_accuracy"
    ),
    'keras.optimizers': (
        "Adadelta Adafactor Adagrad Adam AdamW Adamax Ftrl Lion Nadam Optimizer RMSprop SGD "
        "deserialize get legacy schedules serialize"
    ),
    'keras.callbacks': (
        "BackupAndRestore CSVLogger Callback CallbackList EarlyStopping History LambdaCallback "
        "LearningRateScheduler ModelCheckpoint ProgbarLogger ReduceLROnPlateau RemoteMonitor "
        "TensorBoard TerminateOnNaN"
    ),
    'keras.activations': (
        "deserialize elu exponential gelu get hard_sigmoid linear mish relu selu serialize "
        "sigmoid softmax softplus softsign swish tanh"
    ),
    'keras.utils': (
        "CustomObjectScope FeatureSpace Progbar Sequence array_to_img "
        "audio_dataset_from_directory custom_object_scope deserialize_keras_object "
        "disable_interactive_logging enable_interactive_logging get_custom_objects get_file "
        "get_registered_name get_registered_object get_source_inputs image_dataset_from_directory "
        "img_to_array is_interactive_logging_enabled legacy load_img model_to_dot normalize "
        "pack_x_y_sample_weight pad_sequences plot_model register_keras_serializable save_img "
        "serialize_keras_object set_random_seed split_dataset text_dataset_from_directory "
        "timeseries_dataset_from_array to_categorical unpack_x_y_sample_weight"
    ),
    'keras.backend': (
        "backend clear_session epsilon floatx get_uid image_data_format is_keras_tensor "
        "set_epsilon set_floatx set_image_data_format"
    ),
    'keras.regularizers': (
        "L1 L1L2 L2 OrthogonalRegularizer Regularizer deserialize get l1 l1_l2 l2 "
        "orthogonal_regularizer serialize"
    ),
    'keras.initializers': (
        "Constant GlorotNormal GlorotUniform HeNormal HeUniform Identity Initializer LecunNormal "
        "LecunUniform Ones Orthogonal RandomNormal RandomUniform TruncatedNormal VarianceScaling "
        "Zeros constant deserialize get glorot_normal glorot_uniform he_normal he_uniform "
        "identity lecun_normal lecun_uniform ones orthogonal random_normal random_uniform "
        "serialize truncated_normal variance_scaling zeros"
    ),
    'keras.constraints': (
        "Constraint MaxNorm MinMaxNorm NonNeg UnitNorm deserialize get max_norm min_max_norm "
        "non_neg serialize unit_norm"
    ),
    'keras.preprocessing': (
        "image image_dataset_from_directory sequence text_dataset_from_directory "
        "timeseries_dataset_from_array"
    ),
    'tensorflow.keras': (
        "Input Model Sequential activations applications backend callbacks constraints datasets "
        "export initializers layers losses metrics mixed_precision models optimizers "
        "preprocessing regularizers utils"
    ),
    'tensorflow.keras.losses': (
        "BinaryCrossentropy BinaryFocalCrossentropy CategoricalCrossentropy "
        "CategoricalFocalCrossentropy CategoricalHinge CosineSimilarity Hinge Huber KLD "
        "KLDivergence LogCosh Loss MAE MAPE MSE MSLE MeanAbsoluteError "
        "MeanAbsolutePercentageError MeanSquaredError MeanSquaredLogarithmicError Poisson "
        "Reduction SparseCategoricalCrossentropy SquaredHinge binary_crossentropy "
        "binary_focal_crossentropy categorical_crossentropy categorical_focal_crossentropy "
        "categorical_hinge cosine_similarity deserialize get hinge huber kld "
        "kullback_leibler_divergence logcosh mae mape mse msle poisson serialize "
        "sparse_categorical_crossentropy squared_hinge"
    ),
    'tensorflow.keras.metrics': (
        "AUC Accuracy BinaryAccuracy BinaryCrossentropy BinaryIoU CategoricalAccuracy "
        "CategoricalCrossentropy CategoricalHinge CosineSimilarity F1Score FBetaScore "
        "FalseNegatives FalsePositives Hinge IoU KLD KLDivergence LogCoshError MAE MAPE MSE MSLE "
        "Mean MeanAbsoluteError MeanAbsolutePercentageError MeanIoU MeanMetricWrapper "
        "MeanSquaredError MeanSquaredLogarithmicError Metric OneHotIoU OneHotMeanIoU Poisson "
        "Precision PrecisionAtRecall R2Score Recall RecallAtPrecision RootMeanSquaredError "
        "SensitivityAtSpecificity SparseCategoricalAccuracy SparseCategoricalCrossentropy "
        "SparseTopKCategoricalAccuracy SpecificityAtSensitivity SquaredHinge Sum "
        "TopKCategoricalAccuracy TrueNegatives TruePositives binary_accuracy binary_crossentropy "
        "binary_focal_crossentropy categorical_accuracy categorical_crossentropy "
        "categorical_focal_crossentropy deserialize get hinge kld kullback_leibler_divergence "
        "logcosh mae mape mse msle poisson serialize sparse_categorical_accuracy "
        "sparse_categorical_crossentropy sparse_top_k_categorical_accuracy squared_hinge "
        "top_k_categorical_accuracy"
    ),
    'tensorflow.keras.backend': (
        "abs all any arange argmax argmin backend batch_dot batch_flatten batch_get_value "
        "batch_normalization batch_set_value bias_add binary_crossentropy "
        "binary_focal_crossentropy cast cast_to_floatx categorical_crossentropy "
        "categorical_focal_crossentropy clear_session clip concatenate constant conv1d conv2d "
        "conv2d_transpose conv3d cos count_params ctc_batch_cost ctc_decode "
        "ctc_label_dense_to_sparse cumprod cumsum depthwise_conv2d dot dropout dtype elu epsilon "
        "equal eval exp expand_dims eye flatten floatx foldl foldr gather get_uid get_value "
        "gradients greater greater_equal hard_sigmoid image_data_format in_top_k int_shape "
        "is_keras_tensor is_sparse l2_normalize less less_equal log map_fn max maximum mean min "
        "minimum moving_average_update name_scope ndim not_equal one_hot ones ones_like "
        "permute_dimensions pool2d pool3d pow prod random_bernoulli random_normal "
        "random_normal_variable random_uniform random_uniform_variable relu repeat "
        "repeat_elements reshape resize_images resize_volumes reverse rnn round separable_conv2d "
        "set_epsilon set_floatx set_image_data_format set_value shape sigmoid sign sin softmax "
        "softplus softsign sparse_categorical_crossentropy spatial_2d_padding spatial_3d_padding "
        "sqrt square squeeze stack std stop_gradient sum switch tanh temporal_padding tile "
        "to_dense transpose truncated_normal update update_add update_sub var variable zeros "
        "zeros_like"
    ),
    'keras.ops': (
        "abs absolute adaptive_average_pool adaptive_max_pool add all allclose amax amin angle "
        "any append arange arccos arccosh arcsin arcsinh arctan arctan2 arctanh argmax argmin "
        "argpartition argsort array array_split associative_scan average average_pool bartlett "
        "batch_normalization binary_crossentropy bincount bitwise_and bitwise_invert "
        "bitwise_left_shift bitwise_not bitwise_or bitwise_right_shift bitwise_xor blackman "
        "broadcast_to cast categorical_crossentropy cbrt cdist ceil celu cholesky "
        "cholesky_inverse clip concatenate cond conj conjugate conv conv_transpose "
        "convert_to_numpy convert_to_tensor copy corrcoef correlate cos cosh count_nonzero cross "
        "ctc_decode ctc_loss cumprod cumsum custom_gradient deg2rad depth_to_space depthwise_conv "
        "det diag diagflat diagonal diff digitize divide divide_no_nan dot dot_product_attention "
        "dsplit dstack dtype eig eigh einsum elu empty empty_like equal erf erfc erfinv exp exp2 "
        "expand_dims expm1 extract_sequences eye fabs fft fft2 flip fliplr flipud floor "
        "floor_divide fmax fmin fmod fold fori_loop full full_like gcd gelu geomspace get_item "
        "glu greater greater_equal hamming hanning hard_shrink hard_sigmoid hard_silu hard_swish "
        "hard_tanh heaviside histogram hsplit hstack hypot i0 identity ifft2 imag image in_top_k "
        "inner inv irfft is_tensor isclose isfinite isin isinf isnan isneginf isposinf isreal "
        "istft jvp kaiser kron layer_normalization lcm ldexp leaky_relu left_shift less "
        "less_equal linalg linspace log log10 log1p log2 log_sigmoid log_softmax logaddexp "
        "logaddexp2 logdet logical_and logical_not logical_or logical_xor logspace logsumexp "
        "lstsq lu_factor map matmul matrix_rank max max_pool maximum mean median meshgrid min "
        "minimum mod moments moveaxis multi_hot multiply nan_to_num nanargmax nanargmin "
        "nancumprod nancumsum nanmax nanmean nanmedian nanmin nanpercentile nanprod nanquantile "
        "nanstd nansum nanvar ndim negative nextafter nn nonzero norm normalize not_equal numpy "
        "one_hot ones ones_like outer pad percentile pinv polar power prod psnr ptp qr quantile "
        "rad2deg ravel real rearrange reciprocal relu relu6 repeat reshape rfft right_shift "
        "rms_normalization roll rot90 round rsqrt saturate_cast scan scatter scatter_update "
        "searchsorted segment_max segment_min segment_prod segment_sum select selu separable_conv "
        "shape sigmoid sign signbit silu sin sinc sinh size slice slice_update slogdet "
        "soft_shrink softmax softplus softsign solve solve_triangular sort space_to_depth "
        "sparse_categorical_crossentropy sparse_plus sparse_sigmoid sparsemax split sqrt square "
        "squareplus squeeze stack std stft stop_gradient subtract sum svd swapaxes swish switch "
        "take take_along_axis tan tanh tanh_shrink tensordot threshold tile top_k trace transpose "
        "trapezoid tri tril triu true_divide trunc unfold unique unravel_index unstack vander var "
        "vdot vectorize vectorized_map view view_as_complex view_as_real vsplit vstack where "
        "while_loop zeros zeros_like"
    ),
}
# modules that export all another one does, and these names besides
_SAME_AS = {
    'tensorflow.keras.layers': ('keras.layers', 'RandomHeight RandomWidth ThresholdedReLU'),
    'tensorflow.keras.models': ('keras.models', ''),
    'tensorflow.keras.optimizers': ('keras.optimizers', ''),
    'tensorflow.keras.callbacks': ('keras.callbacks', ''),
    'tensorflow.keras.activations': ('keras.activations', ''),
    'tensorflow.keras.utils': ('keras.utils', ''),
    'tensorflow.keras.regularizers': ('keras.regularizers', ''),
    'tensorflow.keras.initializers': ('keras.initializers', ''),
    'tensorflow.keras.constraints': ('keras.constraints', ''),
    'tensorflow.keras.preprocessing': ('keras.preprocessing', 'text'),
}


def star_exports(module: str) -> tuple[str, ...]:
    """The names `from module import *` binds on every Keras major, or () when unknown."""
    base, extra = _SAME_AS.get(module, (module, ""))
    return tuple(_NAMES.get(base, "").split() + extra.split())
