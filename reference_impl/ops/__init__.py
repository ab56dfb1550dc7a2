"""Differentiable ops that are too specific for ``reference_impl.autodiff`` (convolutions,
pooling, gathers, recurrences), each defined with ``autodiff.op`` next to its gradient."""

from reference_impl.ops.conv import (  # noqa: F401
    avg_pool,
    conv,
    conv_output_length,
    max_pool,
)
from reference_impl.ops.gather import gather  # noqa: F401
from reference_impl.ops.recurrent import lstm, scan  # noqa: F401
