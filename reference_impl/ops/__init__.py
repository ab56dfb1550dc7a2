"""Differentiable ops that are too specific for ``reference_impl.autodiff`` (convolutions,
pooling, gathers, recurrences), each defined with ``autodiff.op`` next to its gradient."""

from reference_impl.ops.conv import (  # noqa: F401
    avg_pool,
    avg_pool1d,
    avg_pool2d,
    conv,
    conv1d,
    conv2d,
    conv_output_length,
    max_pool,
    max_pool1d,
    max_pool2d,
)
from reference_impl.ops.gather import gather  # noqa: F401
from reference_impl.ops.recurrent import lstm, scan  # noqa: F401
