"""Embedding (keras.io/2/api/layers/core_layers/embedding): turns positive integer indices
into dense vectors, ``embeddings[inputs]``, for inputs of shape (batch, input_length).
``mask_zero=True``: index 0 is padding, and the output carries the mask ``inputs != 0``.

The gradient of the lookup is a scatter-add into the rows that were used (ops.gather).
"""

from __future__ import annotations

import numpy as np

from reference_impl import autodiff as ad
from reference_impl import constraints, initializers, regularizers
from reference_impl.engine.base_layer import Layer
from reference_impl.layers._utils import serialize
from reference_impl.ops.gather import gather


class Embedding(Layer):
    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 input_length=None, **kwargs):
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            # Keras 2 gives an Embedding an input shape, so a Sequential model starting with
            # one is built at once: (input_length,) or one unknown axis
            kwargs["input_shape"] = (None,) if input_length is None else tuple(
                np.atleast_1d(input_length))
        super().__init__(**kwargs)
        if int(input_dim) <= 0 or int(output_dim) <= 0:
            raise ValueError(f"Both input_dim and output_dim should be positive, found "
                             f"input_dim {input_dim} and output_dim {output_dim}")
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero  # index 0 is padding: compute_mask gives inputs != 0
        self.input_length = input_length

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            "embeddings", (self.input_dim, self.output_dim), self.embeddings_initializer,
            self.embeddings_regularizer, constraint=self.embeddings_constraint)
        self.built = True

    def call(self, inputs):
        indices = np.asarray(ad._data(inputs)).astype(np.int64)
        if indices.size and (indices.min() < 0 or indices.max() >= self.input_dim):
            bad = indices[(indices < 0) | (indices >= self.input_dim)].flat[0]
            raise ValueError(f"indices[...] = {bad} is not in [0, {self.input_dim}) "
                             f"(Embedding {self.name!r})")
        return gather(self.embeddings, indices)

    @property
    def _makes_masks(self) -> bool:
        return bool(self.mask_zero)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return np.asarray(ad._data(inputs)) != 0

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.input_length is None:
            return (*input_shape, self.output_dim)
        lengths = tuple(np.atleast_1d(self.input_length))
        if len(lengths) != len(input_shape) - 1:
            raise ValueError(f'"input_length" is {self.input_length}, but received input has '
                             f"shape {input_shape}")
        for given, seen in zip(lengths, input_shape[1:], strict=True):
            if given is not None and seen is not None and given != seen:
                raise ValueError(f'"input_length" is {self.input_length}, but received input '
                                 f"has shape {input_shape}")
        steps = tuple(seen if given is None else int(given)
                      for given, seen in zip(lengths, input_shape[1:], strict=True))
        return (input_shape[0], *steps, self.output_dim)

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": serialize(self.embeddings_initializer, initializers),
            "embeddings_regularizer": serialize(self.embeddings_regularizer, regularizers),
            "activity_regularizer": serialize(self.activity_regularizer, regularizers),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "input_length": self.input_length,
        }
