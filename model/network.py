"""The face network: MobileNetV2 backbone, a 128-d L2-normalised embedding and 40 attribute probabilities."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from model.alignment import CROP_SIZE

EMBEDDING_DIM = 128
N_ATTRIBUTES = 40
NETWORK_INPUT = 64  # first training stage (2-3x faster than 96 px on 2 cores); the shipped model was then trained at 96
WIDTH = 0.5
# Share of the aligned crop's side the network sees at inference: the mean of training's crop jitter
# (0.86-1.0). Measured on the validation pairs: 100% 0.886, 93% 0.895 (same cost).
INFERENCE_CROP = 0.93
BN_MOMENTUM = 0.9  # Keras' 0.999 leaves inference statistics meaningless after a short from-scratch run
OUTPUT_STRIDE = 32  # Keras' MobileNetV2; 16 keeps a 6x6 final map at 96 px, as MobileFaceNet does


def _backbone(input_size: int, width: float, output_stride: int):
    """Keras' MobileNetV2 (weights=None); output stride 16 makes its last downsampling block stride 1."""
    import keras

    backbone = keras.applications.MobileNetV2(
        input_shape=(input_size, input_size, 3), alpha=width, include_top=False, weights=None
    )
    if output_stride == 32:
        return backbone
    if output_stride != 16:
        raise ValueError(f"output stride must be 16 or 32, not {output_stride}")
    config = backbone.get_config()
    for layer in config["layers"]:
        if layer["name"] == "block_13_pad":  # 'valid' 3x3 depthwise at stride 1 needs a pixel on every side
            layer["config"]["padding"] = ((1, 1), (1, 1))
        elif layer["name"] == "block_13_depthwise":
            layer["config"]["strides"] = (1, 1)
    return keras.Model.from_config(config)


def build_core(input_size: int = NETWORK_INPUT, width: float = WIDTH, output_stride: int = OUTPUT_STRIDE):
    """The trainable network on input_size x input_size RGB in 0..255: outputs (embedding, attributes)."""
    import keras
    from keras import layers

    inputs = keras.Input((input_size, input_size, 3), name="face")
    x = layers.Rescaling(1 / 127.5, offset=-1.0)(inputs)
    backbone = _backbone(input_size, width, output_stride)
    for layer in backbone.layers:
        if isinstance(layer, layers.BatchNormalization):
            layer.momentum = BN_MOMENTUM
    features = backbone(x)
    # Global depthwise conv (MobileFaceNet's GDC): keeps where features are, unlike average pooling.
    side = features.shape[1]
    g = layers.DepthwiseConv2D(side, padding="valid", use_bias=False, name="gdc")(features)
    g = layers.BatchNormalization(momentum=BN_MOMENTUM, name="gdc_bn")(g)
    g = layers.Flatten()(g)
    g = layers.Dropout(0.2)(g)
    e = layers.Dense(EMBEDDING_DIM, use_bias=False, name="embedding_dense")(g)
    e = layers.BatchNormalization(momentum=BN_MOMENTUM, name="embedding_bn")(e)
    embedding = layers.UnitNormalization(name="embedding")(e)
    pooled = layers.GlobalAveragePooling2D()(features)
    pooled = layers.Dropout(0.2)(pooled)
    attributes = layers.Dense(N_ATTRIBUTES, activation="sigmoid", name="attributes")(pooled)
    return keras.Model(inputs, [embedding, attributes], name="face_core")


def wrap_for_inference(core, base_rates: Sequence[float] | None = None):
    """The shipped model: aligned 112x112 uint8-range crops in, (embedding, attributes) out.

    The attribute head is trained with class-balanced BCE, so its raw score is 0.5 where an attribute
    is as likely as not *after* rare and common classes were weighted equally. With `base_rates` (each
    attribute's share of positives in the training labels) the scores are turned back into probabilities
    by the prior shift logit(p) = logit(score) + logit(base rate): a probability above the base rate is
    a raw score above 0.5. Without them (training's own validation), the raw scores come out.
    """
    import keras
    import numpy as np
    from keras import layers

    inputs = keras.Input((CROP_SIZE, CROP_SIZE, 3), name="aligned_crop")
    size = core.input_shape[1]
    # The network sees the centre of the crop as training's random crops (86-100%) do on average;
    # bilinear without antialiasing, as tf.image.crop_and_resize in training.
    side = round(CROP_SIZE * INFERENCE_CROP)
    x = layers.CenterCrop(side, side)(inputs)
    x = layers.Resizing(size, size, interpolation="bilinear")(x)
    # Test-time flip: the face and its mirror image are embedded together and averaged.
    # training=False is fixed in the graph: a caller who forgets it must not update BatchNorm statistics.
    embedding, attributes = core(x, training=False)
    flipped_embedding, flipped_attributes = core(keras.ops.flip(x, axis=2), training=False)
    embedding = layers.UnitNormalization(name="embedding")(layers.Average()([embedding, flipped_embedding]))
    attributes = layers.Average()([attributes, flipped_attributes])
    if base_rates is not None:
        rates = np.clip(np.asarray(base_rates, np.float32), 1e-3, 1 - 1e-3)
        scores = keras.ops.clip(attributes, 1e-6, 1 - 1e-6)
        logits = keras.ops.log(scores) - keras.ops.log(1 - scores) + np.log(rates / (1 - rates))
        attributes = keras.ops.sigmoid(logits)
    attributes = layers.Identity(name="attributes")(attributes)
    return keras.Model(inputs, {"embedding": embedding, "attributes": attributes}, name="face_model")


def load_inference_model(path: Path):
    """Load the saved inference model (compile=False: no optimizer state is shipped)."""
    import keras

    return keras.saving.load_model(path, compile=False)
