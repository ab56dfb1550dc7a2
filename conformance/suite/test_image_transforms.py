"""keras.preprocessing.image: the values of ImageDataGenerator's transforms and statistics.

Sources: the tf-keras 2.x docstrings of ImageDataGenerator (keras.io/2.x/api/preprocessing/
image): apply_transform(x, transform_parameters) with the keys 'theta' (rotation angle in
degrees), 'tx' / 'ty' (shift in the x / y direction), 'shear' (degrees), 'zx' / 'zy' (zoom in
the x / y direction), 'flip_horizontal', 'flip_vertical', 'channel_shift_intensity',
'brightness'; apply_affine_transform(x, theta, tx, ty, shear, zx, zy, row_axis, col_axis,
channel_axis, fill_mode, cval, order) ("tx: Width shift", "ty: Heigh shift"); fit ("computes
the internal data stats related to the data-dependent transformations"; "When `rescale` is set
to a value, rescaling is applied to sample data before computing the internal data stats");
standardize ("Applies the normalization configuration ... to a batch of inputs"). Goldens:
fixtures/image.json (fixtures/record_image.py), recorded from tf-keras 2.21 (SciPy 1.17).
"""

import numpy as np
import pytest

from conformance import golden
from conformance.assertions import assert_allclose

CASES = golden.load("image").cases
TRANSFORMS = [n for n in CASES if n.startswith("transform_") and "brightness" not in n
              and "channel_shift" not in n]
CHANNEL_SHIFTS = [n for n in CASES if n.startswith("transform_channel_shift")]
BRIGHTNESS = [n for n in CASES if n.startswith("transform_brightness")]
AFFINE = [n for n in CASES if n.startswith("affine_")]
STANDARDIZE = [n for n in CASES if n.startswith("standardize_")]


def check_transform(keras, name):
    case = golden.case("image", name)
    gen = keras.preprocessing.image.ImageDataGenerator(**case["generator"])
    x = case.input("x")
    got = np.asarray(gen.apply_transform(x.copy(), dict(case["params"])))
    assert got.shape == x.shape, f"apply_transform kept shape {x.shape}? got {got.shape}"
    assert_allclose(got, case.expected, rtol=case.rtol, atol=case.atol,
                    what=f"ImageDataGenerator(**{case['generator']}).apply_transform(x, "
                         f"{case['params']})")


@pytest.mark.behavior("preprocessing.image.apply_transform.values")
@pytest.mark.parametrize("name", TRANSFORMS)
def test_apply_transform_values_as_keras2(keras, name):
    check_transform(keras, name)


@pytest.mark.behavior("preprocessing.image.apply_transform.channel_shift")
@pytest.mark.parametrize("name", CHANNEL_SHIFTS)
def test_apply_transform_channel_shift_as_keras2(keras, name):
    check_transform(keras, name)


@pytest.mark.behavior("preprocessing.image.apply_transform.brightness")
@pytest.mark.parametrize("name", BRIGHTNESS)
def test_apply_transform_brightness_as_keras2(keras, name):
    check_transform(keras, name)


@pytest.mark.behavior("preprocessing.image.apply_affine_transform")
@pytest.mark.parametrize("name", AFFINE)
def test_apply_affine_transform_as_keras2(keras, name):
    case = golden.case("image", name)
    x = case.input("x")
    got = np.asarray(keras.preprocessing.image.apply_affine_transform(x.copy(),
                                                                      **case["kwargs"]))
    assert_allclose(got, case.expected, rtol=case.rtol, atol=case.atol,
                    what=f"apply_affine_transform(x, **{case['kwargs']})")


@pytest.mark.behavior("preprocessing.image.standardize.values")
@pytest.mark.parametrize("name", STANDARDIZE)
def test_standardize_after_fit_as_keras2(keras, name):
    case = golden.case("image", name)
    gen = keras.preprocessing.image.ImageDataGenerator(**case["generator"])
    gen.fit(case.input("x"))
    z = case.input("z")
    what = f"ImageDataGenerator(**{case['generator']}) fitted, standardize"
    assert_allclose(np.asarray(gen.standardize(z.copy())), case.expected["batch"],
                    rtol=case.rtol, atol=case.atol, what=f"{what}(batch)")
    assert_allclose(np.asarray(gen.standardize(z[0].copy())), case.expected["single"],
                    rtol=case.rtol, atol=case.atol, what=f"{what}(one image)")


@pytest.mark.behavior("preprocessing.image.fit.statistics")
@pytest.mark.parametrize("name", [n for n in STANDARDIZE
                                  if {"mean", "std"} & set(CASES[n].expected)])
def test_fit_sets_mean_and_std_as_keras2(keras, name):
    case = golden.case("image", name)
    gen = keras.preprocessing.image.ImageDataGenerator(**case["generator"])
    gen.fit(case.input("x"))
    for attribute in ("mean", "std"):
        if attribute in case.expected:
            assert_allclose(np.asarray(getattr(gen, attribute)), case.expected[attribute],
                            rtol=case.rtol, atol=case.atol,
                            what=f"gen.{attribute} after fit, {case['generator']}")
        else:
            assert getattr(gen, attribute) is None, (
                f"gen.{attribute} is {getattr(gen, attribute)!r} after fit with "
                f"{case['generator']}, expected None (not computed)")
