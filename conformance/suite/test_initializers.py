"""Initializers: constant ones exactly, random ones by shape, bounds and moments, and seeds.

Spec sources: 002 §4.1 (heading only) and the Keras 2 initializers page
(keras.io/zh/initializers): Zeros, Ones, Constant(value), RandomNormal(mean=0., stddev=0.05),
RandomUniform(minval=-0.05, maxval=0.05), TruncatedNormal(mean=0., stddev=0.05) ("values more
than two standard deviations from the mean are discarded and redrawn"), Orthogonal(gain=1.), and
the fan-based glorot_*, he_*, lecun_* with their documented limits and standard deviations. An
initializer is a callable: `init(shape)` returns a tensor of that shape.

Moments are checked on N = 20000 samples (a (200, 100) kernel: fan_in 200, fan_out 100) within
5 standard errors, a false alarm rate below 1e-6 per check: the mean within 5 * sigma / sqrt(N)
and the variance within 5 * sigma**2 * sqrt((kurtosis - 1) / N), with the normal's kurtosis 3,
an upper bound for the uniform (1.8) and the 2-sigma truncated normal (2.37). That is 5% of the
variance, far tighter than the gaps between the formulas (he vs lecun: 2x; a truncated normal
without the variance correction: 23%). Seeds make the draws reproducible, so a pass is stable.
"""

import math

import numpy as np
import pytest

from conformance.assertions import assert_allclose, assert_array_equal, assert_shape

SHAPE = (200, 100)
FAN_IN, FAN_OUT = SHAPE
# std of a normal truncated at +-2 sigma, relative to sigma
TRUNCATED_STD = 0.87962566103423978


def sample(initializer, shape=SHAPE):
    values = np.asarray(initializer(shape), dtype="float64")
    assert_shape(values.shape, shape, f"{initializer!r}(shape)")
    return values


def assert_moments(values, mean, std, what):
    __tracebackhide__ = True
    got_mean, got_var = float(np.mean(values)), float(np.var(values))
    mean_tol = 5 * std / math.sqrt(values.size)
    var_tol = 5 * std**2 * math.sqrt(2 / values.size)
    assert abs(got_mean - mean) <= mean_tol, (
        f"mean: got {got_mean:.5g}, expected {mean:.5g} +- {mean_tol:.2g} [{what}]")
    assert abs(got_var - std**2) <= var_tol, (
        f"variance: got {got_var:.5g}, expected {std ** 2:.5g} +- {var_tol:.2g} [{what}]")


def assert_within(values, low, high, what):
    """Within [low, high], give or take the float32 rounding of the bounds (1e-6 relative)."""
    __tracebackhide__ = True
    slack = 1e-6 * max(abs(low), abs(high))
    assert values.min() >= low - slack and values.max() <= high + slack, (
        f"range: got [{values.min():.5g}, {values.max():.5g}], expected within "
        f"[{low:.5g}, {high:.5g}] [{what}]")


# -- constants ----------------------------------------------------------------------------------
@pytest.mark.behavior("initializers.zeros")
def test_zeros(keras):
    got = np.asarray(keras.initializers.Zeros()((3, 4)))
    assert_array_equal(got, np.zeros((3, 4), "float32"), "initializers.Zeros()((3, 4))")


@pytest.mark.behavior("initializers.ones")
def test_ones(keras):
    got = np.asarray(keras.initializers.Ones()((3, 4)))
    assert_array_equal(got, np.ones((3, 4), "float32"), "initializers.Ones()((3, 4))")


@pytest.mark.behavior("initializers.constant")
def test_constant(keras):
    got = np.asarray(keras.initializers.Constant(value=0.25)((2, 5)))
    assert_array_equal(got, np.full((2, 5), 0.25, "float32"),
                       "initializers.Constant(value=0.25)((2, 5))")


@pytest.mark.behavior("initializers.string_names")
def test_string_names_initialize_a_dense_layer(keras):
    layer = keras.layers.Dense(3, input_shape=(2,), kernel_initializer="ones",
                               bias_initializer="zeros")
    keras.models.Sequential([layer])
    kernel, bias = layer.get_weights()
    assert_array_equal(kernel, np.ones((2, 3), "float32"), "Dense(kernel_initializer='ones')")
    assert_array_equal(bias, np.zeros((3,), "float32"), "Dense(bias_initializer='zeros')")


RANDOM_NAMES = ["random_normal", "random_uniform", "truncated_normal", "glorot_uniform",
                "glorot_normal", "he_normal", "he_uniform", "lecun_uniform", "lecun_normal",
                "orthogonal"]


@pytest.mark.behavior("initializers.string_names")
@pytest.mark.parametrize("name", RANDOM_NAMES)
def test_get_resolves_random_initializer_names(keras, name):
    initializer = keras.initializers.get(name)
    values = np.asarray(initializer((6, 4)))
    assert_shape(values.shape, (6, 4), f"initializers.get({name!r})((6, 4))")
    assert np.all(np.isfinite(values)) and np.unique(values).size == values.size, (
        f"initializers.get({name!r})((6, 4)) should give 24 distinct random values, "
        f"got {values}")


# -- random distributions -------------------------------------------------------------------
@pytest.mark.behavior("initializers.random_normal")
@pytest.mark.parametrize("kwargs, mean, std", [({}, 0.0, 0.05),
                                               ({"mean": 1.0, "stddev": 0.5}, 1.0, 0.5)],
                         ids=["defaults", "mean_stddev"])
def test_random_normal(keras, kwargs, mean, std):
    values = sample(keras.initializers.RandomNormal(**kwargs, seed=1))
    assert_moments(values, mean, std, f"RandomNormal({kwargs})")


@pytest.mark.behavior("initializers.random_uniform")
@pytest.mark.parametrize("kwargs, low, high", [({}, -0.05, 0.05),
                                               ({"minval": -0.3, "maxval": 0.7}, -0.3, 0.7)],
                         ids=["defaults", "minval_maxval"])
def test_random_uniform(keras, kwargs, low, high):
    values = sample(keras.initializers.RandomUniform(**kwargs, seed=1))
    assert_within(values, low, high, f"RandomUniform({kwargs})")
    assert_moments(values, (low + high) / 2, (high - low) / math.sqrt(12),
                   f"RandomUniform({kwargs})")


@pytest.mark.behavior("initializers.truncated_normal")
@pytest.mark.parametrize("kwargs, mean, std", [({}, 0.0, 0.05),
                                               ({"mean": 1.0, "stddev": 0.5}, 1.0, 0.5)],
                         ids=["defaults", "mean_stddev"])
def test_truncated_normal(keras, kwargs, mean, std):
    values = sample(keras.initializers.TruncatedNormal(**kwargs, seed=1))
    assert_within(values, mean - 2 * std, mean + 2 * std, f"TruncatedNormal({kwargs})")
    assert_moments(values, mean, TRUNCATED_STD * std, f"TruncatedNormal({kwargs})")


# name: (uniform limit or None, standard deviation) from the documented fan formulas
VARIANCE_SCALING = {
    "glorot_uniform": (math.sqrt(6 / (FAN_IN + FAN_OUT)), None),
    "he_uniform": (math.sqrt(6 / FAN_IN), None),
    "lecun_uniform": (math.sqrt(3 / FAN_IN), None),
    "glorot_normal": (None, math.sqrt(2 / (FAN_IN + FAN_OUT))),
    "he_normal": (None, math.sqrt(2 / FAN_IN)),
    "lecun_normal": (None, math.sqrt(1 / FAN_IN)),
}


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.behavior(f"initializers.{n}"))
             for n in VARIANCE_SCALING]
)
def test_fan_scaled_initializer(keras, name):
    limit, std = VARIANCE_SCALING[name]
    values = sample(getattr(keras.initializers, name)(seed=1))
    if limit is not None:  # uniform on [-limit, limit]
        assert_within(values, -limit, limit, f"{name}: limit {limit:.4g}")
        assert_moments(values, 0.0, limit / math.sqrt(3), name)
    else:
        # A truncated normal whose standard deviation, after truncation at two standard
        # deviations of the underlying normal, is `std` (tf.keras 2.x VarianceScaling docs).
        bound = 2 * std / TRUNCATED_STD
        assert_within(values, -bound, bound, f"{name}: truncated at 2 sigma")
        assert_moments(values, 0.0, std, f"{name}: stddev {std:.4g}")


@pytest.mark.behavior("initializers.orthogonal")
@pytest.mark.parametrize("shape", [(6, 6), (6, 4), (4, 6)])
@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_orthogonal(keras, shape, gain):
    values = sample(keras.initializers.Orthogonal(gain=gain, seed=1), shape)
    # the smaller Gram matrix is gain**2 * I: orthonormal rows or columns, scaled by gain
    gram = values.T @ values if shape[0] >= shape[1] else values @ values.T
    # float32 entries, sums of <= 6 products of size <= gain: 1e-5 absolute
    assert_allclose(gram, gain**2 * np.eye(min(shape)), rtol=0, atol=1e-5,
                    what=f"Gram matrix of Orthogonal(gain={gain})({shape})")


# -- seeds ----------------------------------------------------------------------------------
SEEDED = ["RandomNormal", "RandomUniform", "TruncatedNormal", "Orthogonal", "glorot_uniform",
          "glorot_normal", "he_normal", "he_uniform", "lecun_uniform", "lecun_normal"]


@pytest.mark.behavior("initializers.seed")
@pytest.mark.parametrize("name", SEEDED)
def test_same_seed_same_values(keras, name):
    factory = getattr(keras.initializers, name)
    first = np.asarray(factory(seed=7)((5, 4)))
    again = np.asarray(factory(seed=7)((5, 4)))
    other = np.asarray(factory(seed=8)((5, 4)))
    assert_array_equal(again, first, f"{name}(seed=7) twice")
    assert not np.array_equal(other, first), f"{name}(seed=8) gave the values of seed=7"
