"""The pytest plugin: choose the implementation, tie tests to behaviours, apply expectations,
write the report.

Loaded by the repository's ``conftest.py`` and, for an installed package, by the
``pytest11`` entry point, so ``pytest --pyargs conformance --keras-impl=NAME`` works anywhere.
"""

from __future__ import annotations

import os

import pytest

from conformance import hypothesis_profiles  # noqa: F401  (registers the profiles)
from conformance import registry

IMPL_KEY = pytest.StashKey[registry.Implementation]()


def pytest_addoption(parser):
    group = parser.getgroup("keras-conformance")
    group.addoption(
        "--keras-impl",
        default=None,
        help="implementation to check: a registered name or module:dotted.path "
        "(default: $KERAS_IMPL, else 'reference')",
    )
    group.addoption(
        "--report-dir",
        default=None,
        help="where report.json/.md/.html go (default: reports/<impl>)",
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "behavior(*ids): the catalogue behaviour ids this test checks"
    )
    name = config.getoption("--keras-impl") or os.environ.get("KERAS_IMPL") or "reference"
    try:
        impl = registry.load(name)
    except registry.ImplementationError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[IMPL_KEY] = impl


def pytest_report_header(config):
    impl = config.stash.get(IMPL_KEY, None)
    if impl is not None:
        return f"keras implementation: {impl.describe()}"


@pytest.fixture(scope="session")
def impl(pytestconfig) -> registry.Implementation:
    """The implementation under test: name, version, backend, keras_major."""
    return pytestconfig.stash[IMPL_KEY]


@pytest.fixture(scope="session")
def keras(impl):
    """The Keras namespace under test, used as ``keras.layers.Dense`` etc."""
    return impl.keras
