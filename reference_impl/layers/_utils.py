"""Small helpers shared by the layer files: config serialization and data formats."""

from __future__ import annotations

from reference_impl import autodiff as ad
from reference_impl import backend as K


def serialize(obj, module):
    """``module.serialize(obj)`` for an initializer or regularizer; None and names as given."""
    if obj is None or isinstance(obj, str):
        return obj
    return module.serialize(obj)


def normalize_data_format(value) -> str:
    value = K.image_data_format() if value is None else str(value).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first', "
                         f"got {value!r}")
    return value


def to_channels_last(x, data_format):
    """(batch, channels, *spatial) -> (batch, *spatial, channels) for channels_first data."""
    if data_format == "channels_last":
        return x
    return ad.transpose(x, (0, *range(2, x.ndim), 1))


def from_channels_last(x, data_format):
    if data_format == "channels_last":
        return x
    return ad.transpose(x, (0, x.ndim - 1, *range(1, x.ndim - 1)))
