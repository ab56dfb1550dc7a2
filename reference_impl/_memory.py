"""Keep freed memory in the process for the next step's arrays (glibc only).

A training step allocates the same large temporaries every time (one gradient of a 784 x 500
Dense kernel is 1.5 MB). glibc hands blocks that size back to the system when they are freed,
so the next step gets fresh pages and pays a page fault for each 4 KB of them: on the MLP
benchmark that cost more than the arithmetic. Keeping a pad of free memory at the top of the
heap (what XLA's and PyTorch's caching allocators do for their own tensors) lets the next step
reuse the same pages. Elsewhere than glibc this does nothing.
"""

import ctypes
import ctypes.util

M_TOP_PAD = -2  # glibc's mallopt parameter: bytes kept beyond the heap's top when it shrinks
TOP_PAD_BYTES = 256 << 20


def keep_freed_memory() -> bool:
    """Set glibc's top pad; False where the C library is not glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        return bool(libc.mallopt(M_TOP_PAD, TOP_PAD_BYTES))
    except (OSError, AttributeError, TypeError):
        return False
