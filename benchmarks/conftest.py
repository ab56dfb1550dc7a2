"""Fixtures of the benchmarks: pytest-benchmark's fixture labelled with the implementation and
its device, and one built model per workload and session."""

from __future__ import annotations

import pytest

try:
    import pytest_benchmark  # noqa: F401
except ImportError:  # a clear usage error instead of "fixture 'benchmark' not found"
    pytest_benchmark = None


def pytest_configure(config):
    if pytest_benchmark is None:
        raise pytest.UsageError(
            "the benchmarks need pytest-benchmark: pip install 'keras-conformance[bench]', "
            "or run them through tox -e bench-<implementation>")


@pytest.fixture
def benchmark(benchmark, impl):
    """pytest-benchmark's fixture, labelled with the implementation and its device so that
    `python -m conformance bench` never puts runs of different devices in one ratio."""
    benchmark.extra_info.update(impl=impl.name, version=impl.version, backend=impl.backend,
                                device=impl.device, device_name=_device_name(impl))
    return benchmark


@pytest.fixture(scope="session")
def built(keras):
    """``built(name)``: the workload's compiled model and data, built once per session."""
    from workloads import WORKLOADS

    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = WORKLOADS[name](keras)
        return cache[name]

    return get


def _device_name(impl) -> str | None:
    """The accelerator's model name where the registry says only "GPU x1" (TensorFlow)."""
    if not impl.device.startswith("GPU") or impl.backend != "tensorflow":
        return None
    try:
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        details = tf.config.experimental.get_device_details(gpus[0])
        return f"GPU ({details.get('device_name', 'unknown')}) x{len(gpus)}"
    except Exception:  # a label, not a measurement: never fail the run for it
        return None
