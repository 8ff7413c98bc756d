"""Pure ML: image loading, face detection, alignment, the embedding network, metrics, training.

Importing this package does not import TensorFlow; models load lazily when first used.
"""
