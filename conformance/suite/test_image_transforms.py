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
from conformance.assertions import assert_allclose, assert_shape

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
    assert got.dtype == x.dtype, f"apply_transform of a {x.dtype} image gave {got.dtype}"
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


@pytest.mark.behavior("preprocessing.image.apply_transform.brightness")
def test_apply_brightness_shift_scales_by_default(keras):
    # apply_brightness_shift(x, brightness, scale=True): "scale: Whether to rescale the image
    # such that minimum and maximum values are 0 and 255 respectively. Default: True."
    case = golden.case("image", "brightness_shift_default")
    got = keras.preprocessing.image.apply_brightness_shift(case.input("x").copy(),
                                                           case["brightness"])
    assert_allclose(np.asarray(got), case.expected, rtol=case.rtol, atol=case.atol,
                    what=f"apply_brightness_shift(x, {case['brightness']})")


@pytest.mark.behavior("preprocessing.image.apply_affine_transform")
@pytest.mark.parametrize("name", AFFINE)
def test_apply_affine_transform_as_keras2(keras, name):
    case = golden.case("image", name)
    x = case.input("x")
    got = np.asarray(keras.preprocessing.image.apply_affine_transform(x.copy(),
                                                                      **case["kwargs"]))
    assert got.dtype == x.dtype, f"apply_affine_transform of a {x.dtype} image gave {got.dtype}"
    assert_allclose(got, case.expected, rtol=case.rtol, atol=case.atol,
                    what=f"apply_affine_transform(x, **{case['kwargs']})")


@pytest.mark.filterwarnings("ignore:Expected input to be images")
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


@pytest.mark.filterwarnings("ignore:Expected input to be images")
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


# -- get_random_transform: documented ranges (no golden of the random stream) -------------------
DRAWS = 40
KEYS = {"theta", "tx", "ty", "shear", "zx", "zy", "flip_horizontal", "flip_vertical",
        "channel_shift_intensity", "brightness"}
SHAPE = (5, 10, 3)  # rows, columns, channels: a width of 10 and a height of 5


def draws(keras, n=DRAWS, shape=SHAPE, **kwargs):
    gen = keras.preprocessing.image.ImageDataGenerator(**kwargs)
    return [gen.get_random_transform(shape, seed=seed) for seed in range(n)]


@pytest.mark.behavior("preprocessing.image.get_random_transform.keys")
def test_get_random_transform_keys_and_neutral_values(keras):
    (params,) = draws(keras, n=1)
    assert set(params) == KEYS, f"get_random_transform keys {sorted(params)}, expected {KEYS}"
    neutral = {k: params[k] for k in ("theta", "tx", "ty", "shear", "zx", "zy")}
    assert neutral == {"theta": 0, "tx": 0, "ty": 0, "shear": 0, "zx": 1, "zy": 1}, (
        f"a default ImageDataGenerator draws {neutral}, expected the identity")
    assert not params["flip_horizontal"] and not params["flip_vertical"], (
        f"flips {params['flip_horizontal']}, {params['flip_vertical']} without *_flip")
    assert params["channel_shift_intensity"] is None and params["brightness"] is None, (
        f"channel_shift_intensity {params['channel_shift_intensity']}, brightness "
        f"{params['brightness']}: None when their ranges are not set")


def spread(values, low, high, what):
    """All values in [low, high], and spread over it: 40 uniform draws reach its outer
    eighths (each missed with probability 0.875 ** 40 = 0.005; the seeds are fixed)."""
    values = np.asarray(values, dtype="float64")
    assert values.min() >= low and values.max() <= high, (
        f"{what}: drawn values in [{values.min()}, {values.max()}], outside [{low}, {high}]")
    quarter = (high - low) / 8
    assert values.min() < low + quarter and values.max() > high - quarter, (
        f"{what}: 40 draws {values.min()}..{values.max()} do not spread over [{low}, {high}]")


@pytest.mark.behavior("preprocessing.image.get_random_transform.ranges")
def test_get_random_transform_draws_within_the_documented_ranges(keras):
    params = draws(keras, rotation_range=30, shear_range=20, zoom_range=0.25,
                   channel_shift_range=15.0, brightness_range=(0.5, 1.5))
    spread([p["theta"] for p in params], -30, 30, "theta, rotation_range=30 (degrees)")
    spread([p["shear"] for p in params], -20, 20, "shear, shear_range=20 (degrees)")
    spread([p["zx"] for p in params], 0.75, 1.25, "zx, zoom_range=0.25 -> [0.75, 1.25]")
    spread([p["zy"] for p in params], 0.75, 1.25, "zy, zoom_range=0.25 -> [0.75, 1.25]")
    assert any(p["zx"] != p["zy"] for p in params), "zx and zy are drawn independently"
    spread([p["channel_shift_intensity"] for p in params], -15, 15,
           "channel_shift_intensity, channel_shift_range=15")
    spread([p["brightness"] for p in params], 0.5, 1.5, "brightness, brightness_range=(0.5, 1.5)")
    params = draws(keras, zoom_range=[0.5, 0.8])
    spread([p["zx"] for p in params], 0.5, 0.8, "zx, zoom_range=[0.5, 0.8]")
    spread([p["zy"] for p in params], 0.5, 0.8, "zy, zoom_range=[0.5, 0.8]")
    params = draws(keras, zoom_range=[1, 1.5])  # one end at 1 is still a range
    spread([p["zx"] for p in params], 1, 1.5, "zx, zoom_range=[1, 1.5]")
    params = draws(keras, zoom_range=[0.5, 1])
    spread([p["zy"] for p in params], 0.5, 1, "zy, zoom_range=[0.5, 1]")


def shifts(params):
    """The shift of each draw, whichever of tx / ty carries it (only one range is set)."""
    return [p["tx"] or p["ty"] for p in params]


@pytest.mark.behavior("preprocessing.image.get_random_transform.shift_values")
@pytest.mark.parametrize("argument", ["width_shift_range", "height_shift_range"])
def test_shift_ranges_fraction_pixels_int_and_list(keras, argument):
    size = SHAPE[1] if argument == "width_shift_range" else SHAPE[0]
    # a float < 1: a fraction of the width (height): uniform in [-f * size, f * size]
    spread(shifts(draws(keras, **{argument: 0.4})), -0.4 * size, 0.4 * size,
           f"{argument}=0.4 on a {SHAPE} image")
    # a float >= 1: pixels
    values = shifts(draws(keras, **{argument: 2.5}))
    spread(values, -2.5, 2.5, f"{argument}=2.5 (pixels)")
    assert any(v != round(v) for v in values), f"{argument}=2.5 drew only integers {values}"
    # an int n: integers in (-n, n); "width_shift_range=2 possible values are integers
    # [-1, 0, +1]"
    values = shifts(draws(keras, **{argument: 2}))
    assert set(np.asarray(values).tolist()) == {-1, 0, 1}, (
        f"{argument}=2 drew {sorted(set(values))}, expected the integers -1, 0 and 1")
    # a 1-D array-like: its elements
    values = shifts(draws(keras, **{argument: [-3.0, 0.0, 2.0]}))
    assert set(np.asarray(values).tolist()) <= {-3.0, -2.0, 0.0, 2.0, 3.0} and len(
        set(values)) >= 2, f"{argument}=[-3, 0, 2] drew {sorted(set(values))}"


@pytest.mark.behavior("preprocessing.image.get_random_transform.shift_axes")
def test_width_shift_is_the_x_shift_and_height_shift_the_y_shift(keras):
    # apply_transform documents 'tx' as the shift in the x direction (width) and 'ty' in the y
    # direction (height); width_shift_range is a fraction of the total width
    for p in draws(keras, width_shift_range=0.4):
        assert p["ty"] == 0 and abs(p["tx"]) <= 0.4 * SHAPE[1], (
            f"width_shift_range=0.4 drew tx={p['tx']}, ty={p['ty']}: expected the shift in tx "
            f"(x direction), within 0.4 * width = {0.4 * SHAPE[1]}")
    assert any(p["tx"] for p in draws(keras, width_shift_range=0.4)), "tx never moved"
    for p in draws(keras, height_shift_range=0.4):
        assert p["tx"] == 0 and abs(p["ty"]) <= 0.4 * SHAPE[0], (
            f"height_shift_range=0.4 drew tx={p['tx']}, ty={p['ty']}: expected the shift in "
            f"ty (y direction), within 0.4 * height = {0.4 * SHAPE[0]}")


@pytest.mark.behavior("preprocessing.image.get_random_transform.flips")
def test_random_flips_take_both_outcomes(keras):
    params = draws(keras, horizontal_flip=True, vertical_flip=True)
    for key in ("flip_horizontal", "flip_vertical"):
        outcomes = {bool(p[key]) for p in params}
        assert outcomes == {True, False}, f"{key} over 40 seeds took only {outcomes}"
    assert len({(bool(p["flip_horizontal"]), bool(p["flip_vertical"])) for p in params}) == 4, (
        "the two flips are drawn independently")


@pytest.mark.behavior("preprocessing.image.get_random_transform.seed")
def test_get_random_transform_seed_repeats_and_seeds_differ(keras):
    kwargs = {"rotation_range": 40, "width_shift_range": 0.3, "height_shift_range": 0.3,
              "zoom_range": 0.2, "shear_range": 10, "channel_shift_range": 5.0,
              "horizontal_flip": True}
    gen = keras.preprocessing.image.ImageDataGenerator(**kwargs)
    first = gen.get_random_transform(SHAPE, seed=7)
    again = keras.preprocessing.image.ImageDataGenerator(**kwargs).get_random_transform(
        SHAPE, seed=7)
    assert first == again, f"seed=7 twice: {first} vs {again}"
    other = gen.get_random_transform(SHAPE, seed=8)
    assert all(first[k] != other[k] for k in ("theta", "tx", "ty", "shear", "zx", "zy")), (
        f"seeds 7 and 8 drew {first} and {other}")
    x = np.arange(np.prod(SHAPE), dtype="float32").reshape(SHAPE)
    np.testing.assert_array_equal(gen.random_transform(x.copy(), seed=3),
                                  gen.apply_transform(x.copy(), gen.get_random_transform(
                                      SHAPE, seed=3)),
                                  "random_transform(x, seed) is apply_transform of "
                                  "get_random_transform(x.shape, seed)")


# -- ImageDataGenerator arguments ----------------------------------------------------------------
def generator(keras, **kwargs):
    return keras.preprocessing.image.ImageDataGenerator(**kwargs)


@pytest.mark.behavior("preprocessing.image.init.ranges")
@pytest.mark.parametrize(("zoom_range", "expected"), [(0.2, [0.8, 1.2]), (0, [1, 1]),
                                                      ([0.5, 1.5], [0.5, 1.5]),
                                                      ((0.9, 1.3), [0.9, 1.3])], ids=str)
def test_zoom_range_float_or_pair(keras, zoom_range, expected):
    got = generator(keras, zoom_range=zoom_range).zoom_range
    np.testing.assert_allclose(np.asarray(got, dtype="float64"), expected, rtol=1e-12,
                               err_msg=f"ImageDataGenerator(zoom_range={zoom_range}).zoom_range")


@pytest.mark.behavior("preprocessing.image.init.errors")
@pytest.mark.parametrize("kwargs", [{"zoom_range": [0.5, 1.0, 1.5]}, {"zoom_range": "0.2"},
                                    {"zoom_range": [0.5, "1.5"]}, {"brightness_range": 0.5},
                                    {"brightness_range": (0.5,)},
                                    {"brightness_range": (0.5, 1.0, 1.5)}], ids=str)
def test_bad_zoom_or_brightness_range_is_a_value_error(keras, kwargs):
    (argument,) = kwargs
    with pytest.raises(ValueError, match=f"`{argument}"):  # the message names the argument
        generator(keras, **kwargs)


@pytest.mark.behavior("preprocessing.image.init.defaults")
def test_generator_defaults_and_axes(keras):
    gen = generator(keras)
    defaults = {"featurewise_center": False, "samplewise_center": False,
                "featurewise_std_normalization": False, "samplewise_std_normalization": False,
                "zca_whitening": False, "zca_epsilon": 1e-6, "rotation_range": 0,
                "width_shift_range": 0.0, "height_shift_range": 0.0, "brightness_range": None,
                "shear_range": 0.0, "channel_shift_range": 0.0, "fill_mode": "nearest",
                "cval": 0.0, "horizontal_flip": False, "vertical_flip": False, "rescale": None,
                "preprocessing_function": None, "data_format": "channels_last",
                "interpolation_order": 1, "dtype": "float32"}
    got = {name: getattr(gen, name) for name in defaults}
    assert got == defaults, f"ImageDataGenerator() attributes {got}, expected {defaults}"
    assert gen.mean is None and gen.std is None, "no statistics before fit"
    axes = (gen.channel_axis, gen.row_axis, gen.col_axis)
    assert axes == (3, 1, 2), f"channels_last (channel, row, col) axes {axes}"
    gen = generator(keras, data_format="channels_first")
    axes = (gen.channel_axis, gen.row_axis, gen.col_axis)
    assert axes == (1, 2, 3), f"channels_first (channel, row, col) axes {axes}"


@pytest.mark.behavior("preprocessing.image.init.implied_normalization")
@pytest.mark.parametrize(("kwargs", "implied", "warnings"), [
    ({"zca_whitening": True}, {"featurewise_center": True}, 1),
    ({"zca_whitening": True, "featurewise_center": True,
      "featurewise_std_normalization": True},
     {"featurewise_center": True, "featurewise_std_normalization": False}, 1),
    ({"featurewise_std_normalization": True}, {"featurewise_center": True}, 1),
    ({"samplewise_std_normalization": True}, {"samplewise_center": True}, 1),
    ({"featurewise_std_normalization": True, "featurewise_center": True,
      "samplewise_std_normalization": True, "samplewise_center": True}, {}, 0),
    ({"zca_whitening": True, "featurewise_std_normalization": True},
     {"featurewise_center": True, "featurewise_std_normalization": False}, 3),
    ({"featurewise_std_normalization": True, "samplewise_std_normalization": True},
     {"featurewise_center": True, "samplewise_center": True}, 2),
], ids=["zca", "zca-std", "featurewise_std", "samplewise_std", "explicit", "zca-std-uncentred",
        "both-std"])
def test_zca_and_std_normalization_imply_centering_with_a_warning(keras, kwargs, implied,
                                                                  warnings):
    import warnings as warnings_module

    with warnings_module.catch_warnings(record=True) as caught:
        warnings_module.simplefilter("always")
        gen = generator(keras, **kwargs)
    got = {name: getattr(gen, name) for name in implied}
    assert got == implied, f"ImageDataGenerator(**{kwargs}) set {got}, expected {implied}"
    overrides = [str(w.message) for w in caught if "overrides" in str(w.message)]
    assert len(overrides) == warnings, (
        f"ImageDataGenerator(**{kwargs}) warned {overrides}, "
        f"expected {warnings} warning(s) naming the overridden setting")
    for name in implied:  # each overridden setting is named, with the argument that did it
        if not kwargs.get(name) == implied[name]:
            assert any(f"`{name}`" in m for m in overrides), (
                f"no warning names `{name}`: {overrides}")
    for name in kwargs:
        if name not in implied and warnings:
            assert any(f"`{name}`" in m for m in overrides), f"no warning names `{name}`"


# -- fit and standardize: relations ---------------------------------------------------------------
def data(n=6, channels=3, seed=2):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 10, size=(n, 4, 5, channels)).astype("float32")


@pytest.mark.behavior("preprocessing.image.fit.augment")
def test_fit_augment_without_augmentation_arguments_gives_the_same_statistics(keras):
    x = data()
    plain = generator(keras, featurewise_center=True, featurewise_std_normalization=True)
    plain.fit(x)
    augmented = generator(keras, featurewise_center=True, featurewise_std_normalization=True)
    augmented.fit(x, augment=True, rounds=3, seed=1)
    # the same data three times: same mean and std (float32 sums over 3x as many values)
    for attribute in ("mean", "std"):
        assert_allclose(np.asarray(getattr(augmented, attribute)),
                        np.asarray(getattr(plain, attribute)), rtol=1e-5, atol=1e-6,
                        what=f"gen.{attribute} after fit(augment=True, rounds=3) without "
                             f"augmentation arguments vs fit(x)")


@pytest.mark.behavior("preprocessing.image.fit.augment")
def test_fit_augment_uses_the_random_transforms(keras):
    x = data()
    gen = generator(keras, featurewise_center=True, channel_shift_range=50.0)
    gen.fit(x, augment=True, rounds=2, seed=4)
    plain = generator(keras, featurewise_center=True)
    plain.fit(x)
    assert not np.allclose(np.asarray(gen.mean), np.asarray(plain.mean), atol=1e-3), (
        "fit(augment=True) with channel_shift_range=50 gave the mean of the unaugmented data")


@pytest.mark.behavior("preprocessing.image.fit.statistics")
def test_fit_checks_rank_and_leaves_its_argument(keras):
    gen = generator(keras, featurewise_center=True, rescale=0.5)
    with pytest.raises(ValueError, match="rank 4"):
        gen.fit(data()[0])
    x = data()
    before = x.copy()
    gen.fit(x)
    np.testing.assert_array_equal(x, before, "fit(x) changed x")
    assert_shape(np.shape(gen.mean), (1, 1, 3), "gen.mean after fit (channels_last)")
    assert_allclose(np.asarray(gen.mean).ravel(), (before * 0.5).mean(axis=(0, 1, 2)),
                    rtol=1e-5, atol=1e-6, what="gen.mean: per-channel mean of x * rescale")


@pytest.mark.behavior("preprocessing.image.fit.statistics")
def test_fit_warns_about_an_unusual_channel_count(keras):
    gen = generator(keras, featurewise_center=True)
    with pytest.warns(UserWarning, match="channels"):
        gen.fit(data(channels=2))


@pytest.mark.behavior("preprocessing.image.standardize.in_place")
def test_standardize_changes_its_argument_in_place(keras):
    x = data()
    gen = generator(keras, rescale=0.5, featurewise_center=True)
    gen.fit(x)
    z = data(n=2, seed=5)
    expected = z * np.float32(0.5) - np.asarray(gen.mean)
    out = gen.standardize(z)
    # "x is changed in-place": the argument holds the result
    assert_allclose(np.asarray(out), expected, rtol=1e-6, atol=1e-6,
                    what="standardize(z) with rescale=0.5 and featurewise_center")
    np.testing.assert_array_equal(z, np.asarray(out), "standardize(z) left z != its result")


@pytest.mark.behavior("preprocessing.image.standardize.unfitted")
@pytest.mark.parametrize("flag", ["featurewise_center", "featurewise_std_normalization",
                                  "zca_whitening"])
def test_standardize_before_fit_warns_and_leaves_the_statistic_out(keras, flag):
    gen = generator(keras, **{flag: True})
    z = data(n=1)[0]
    with pytest.warns(UserWarning, match="fit"):
        out = gen.standardize(z.copy())
    np.testing.assert_array_equal(np.asarray(out), z,
                                  f"standardize before fit with {flag}=True")


# -- apply_affine_transform argument checks -------------------------------------------------------
@pytest.mark.behavior("preprocessing.image.apply_affine_transform.errors")
@pytest.mark.parametrize(("shape", "kwargs", "message"), [
    # the whole message where Keras 2's is a fixed text
    ((2, 5, 7), {"row_axis": 1, "col_axis": 1, "channel_axis": 0},
     r"^'row_axis', 'col_axis', and 'channel_axis' must be distinct$"),
    ((2, 5, 7), {"row_axis": 1, "col_axis": 3, "channel_axis": 0}, r"^Invalid axis' indices: "),
    ((5, 2, 7), {"row_axis": 0, "col_axis": 2, "channel_axis": 1},
     r"^Channels are allowed and the first and last dimensions\.$"),
    ((5, 7), {}, r"^Input arrays must be multi-channel 2D images\.$"),
    ((1, 2, 5, 7), {}, r"^Input arrays must be multi-channel 2D images\.$")],
    ids=["same-axes", "axis-3", "channel-middle", "rank-2", "rank-4"])
def test_apply_affine_transform_checks_its_axes_and_rank(keras, shape, kwargs, message):
    x = np.arange(np.prod(shape), dtype="float32").reshape(shape)
    with pytest.raises(ValueError, match=message):
        keras.preprocessing.image.apply_affine_transform(x, theta=10, **kwargs)


# -- iterators ------------------------------------------------------------------------------------
@pytest.mark.behavior("preprocessing.image.iterator.getitem")
@pytest.mark.parametrize(("n", "batch_size"), [(7, 3), (6, 2), (4, 8)])
def test_iterator_getitem_is_the_ith_batch(keras, n, batch_size):
    x = data(n)
    iterator = generator(keras).flow(x, np.arange(n), batch_size=batch_size, shuffle=False)
    assert (iterator.n, iterator.batch_size, len(iterator)) == (n, batch_size,
                                                                -(-n // batch_size)), (
        f"n, batch_size, len = {iterator.n}, {iterator.batch_size}, {len(iterator)}")
    for i in reversed(range(len(iterator))):
        bx, by = iterator[i]
        np.testing.assert_array_equal(np.asarray(by), np.arange(n)[i * batch_size:
                                                                   (i + 1) * batch_size],
                                      f"labels of iterator[{i}]")
        np.testing.assert_array_equal(bx, x[i * batch_size:(i + 1) * batch_size],
                                      f"images of iterator[{i}]")
    with pytest.raises(ValueError, match="length"):
        iterator[len(iterator)]


@pytest.mark.behavior("preprocessing.image.iterator.epochs")
def test_iterator_batch_index_reset_and_epochs(keras):
    x = data(7)
    iterator = generator(keras).flow(x, np.arange(7), batch_size=3, shuffle=False)
    assert iterator.batch_index == 0 and iterator.total_batches_seen == 0, (
        f"batch_index {iterator.batch_index}, total_batches_seen "
        f"{iterator.total_batches_seen} before the first batch")
    labels = [np.asarray(next(iterator)[1]).tolist() for _ in range(2)]
    assert labels == [[0, 1, 2], [3, 4, 5]], f"first two batches' labels {labels}"
    assert iterator.batch_index == 2 and iterator.total_batches_seen == 2, (
        f"batch_index {iterator.batch_index}, total_batches_seen "
        f"{iterator.total_batches_seen} after two batches")
    np.testing.assert_array_equal(np.asarray(iterator.index_array), np.arange(7),
                                  "index_array with shuffle=False")
    iterator.reset()
    assert iterator.batch_index == 0, f"batch_index {iterator.batch_index} after reset()"
    assert np.asarray(next(iterator)[1]).tolist() == [0, 1, 2], "reset(): back to batch 0"
    assert [np.asarray(next(iterator)[1]).tolist() for _ in range(3)] == [[3, 4, 5], [6],
                                                                          [0, 1, 2]], (
        "the last, shorter batch, then the next epoch")


@pytest.mark.behavior("preprocessing.image.iterator.epochs")
def test_on_epoch_end_reshuffles(keras):
    iterator = generator(keras).flow(data(20), np.arange(20), batch_size=20, shuffle=True,
                                     seed=3)
    orders = []
    for _ in range(4):
        _, by = next(iterator)
        order = np.asarray(by).tolist()
        assert sorted(order) == list(range(20)), f"an epoch of labels {order}"
        orders.append(order)
        iterator.on_epoch_end()
        assert sorted(np.asarray(iterator.index_array).tolist()) == list(range(20)), (
            "index_array after on_epoch_end is a permutation of the samples")
    same = [i for i in range(3) if orders[i] == orders[i + 1]]
    assert not same, f"shuffle=True: epochs {same} and the next one have the same order"


@pytest.mark.behavior("preprocessing.image.iterator.errors")
@pytest.mark.parametrize(("x", "kwargs", "message"), [
    (np.zeros((4, 5, 3), "float32"), {}, "rank 4"),
    (np.zeros((4, 5, 6, 3), "float32"), {"y": np.arange(3)},
     r"`y`.*same length.*y\.shape = \(3,\)"),
    (np.zeros((4, 5, 6, 3), "float32"), {"y": np.arange(4), "sample_weight": np.ones(5)},
     r"`sample_weight` should have the same length.*sample_weight\.shape = \(5,\)"),
    (np.zeros((4, 5, 6, 3), "float32"), {"subset": "test"}, "Invalid subset name"),
    (np.zeros((4, 5, 6, 3), "float32"), {"y": np.array([0, 0, 1, 1]), "subset": "training"},
     r"^Training and validation subsets have different number of classes after the split\. "
     r"If your numpy arrays are sorted by the label, you might want to shuffle them\.$"),
], ids=["rank-3", "y-length", "sample_weight-length", "subset-name", "class-split"])
def test_flow_argument_errors(keras, x, kwargs, message):
    gen = generator(keras, validation_split=0.5)
    with pytest.raises(ValueError, match=message):
        gen.flow(x, **kwargs)


@pytest.mark.behavior("preprocessing.image.iterator.errors")
def test_flow_warns_about_an_unusual_channel_count(keras):
    gen, gen_first = generator(keras), generator(keras, data_format="channels_first")
    with pytest.warns(UserWarning, match="channels"):
        gen.flow(data(channels=5))
    with pytest.warns(UserWarning, match="channels"):
        # channels_first reads the channels on axis 1 (5 here)
        gen_first.flow(np.zeros((2, 5, 6, 3), "float32"))


@pytest.mark.behavior("preprocessing.image.iterator.channels_first")
def test_flow_channels_first(keras):
    x = np.moveaxis(data(4), 3, 1).copy()
    gen = generator(keras, data_format="channels_first", horizontal_flip=True)
    gen_last = generator(keras, horizontal_flip=True)
    first = next(gen.flow(x, batch_size=4, shuffle=False, seed=0))
    assert_shape(first.shape, x.shape, "flow on channels_first data")
    flipped = [np.array_equal(b, a[:, :, ::-1]) for b, a in zip(first, x, strict=True)]
    same = [np.array_equal(b, a) for b, a in zip(first, x, strict=True)]
    assert all(f or s for f, s in zip(flipped, same, strict=True)), (
        "horizontal_flip on channels_first data flips the last (column) axis")
    assert_shape(next(gen_last.flow(data(4), batch_size=4)).shape, (4, 4, 5, 3),
                 "flow on channels_last data")


@pytest.mark.behavior("preprocessing.image.save_to_dir")
def test_flow_save_to_dir_writes_each_generated_image(keras, tmp_path):
    x = data(5)
    iterator = generator(keras).flow(x, batch_size=3, shuffle=False, save_to_dir=str(tmp_path),
                                     save_prefix="aug", save_format="bmp")
    batch = next(iterator)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 3, f"save_to_dir after one batch of 3: {names}"
    indices = sorted(int(name.split("_")[1]) for name in names)
    assert indices == [0, 1, 2] and all(
        n.startswith("aug_") and n.endswith(".bmp") for n in names), (
        f"files {names}: expected aug_<index>_<number>.bmp for the samples 0, 1, 2")
    api = keras.preprocessing.image
    for name in names:
        index = int(name.split("_")[1])
        number = int(name.split("_")[2].split(".")[0])
        assert 0 <= number < 10**4, f"{name}: the random part is an integer below 10**4"
        saved = api.img_to_array(api.load_img(str(tmp_path / name)))
        image = batch[index].astype("float64")
        scaled = (image - image.min()) / (image.max() - image.min()) * 255
        assert_allclose(saved, scaled, rtol=0, atol=1.0,
                        what=f"{name}: the generated image scaled to [0, 255]")


@pytest.mark.behavior("preprocessing.image.flow.sample_weight")
def test_flow_without_y_yields_only_x_even_with_sample_weight(keras):
    # flow: "If `sample_weight` is not None, the yielded tuples are of the form (x, y,
    # sample_weight). If `y` is None, only the NumPy array `x` is returned."
    x = data(4)
    batch = next(generator(keras).flow(x, sample_weight=np.arange(4.0), batch_size=4,
                                       shuffle=False))
    assert isinstance(batch, np.ndarray), f"flow(x, sample_weight=w) yielded {type(batch)}"
    np.testing.assert_array_equal(batch, x, "flow(x, sample_weight=w) images")


@pytest.mark.behavior("preprocessing.image.save_to_dir")
def test_flow_defaults_and_default_file_names(keras, tmp_path):
    iterator = generator(keras).flow(data(3), save_to_dir=str(tmp_path))
    assert (iterator.batch_size, iterator.shuffle, iterator.seed) == (32, True, None), (
        f"flow(x) batch_size, shuffle, seed = {iterator.batch_size}, {iterator.shuffle}, "
        f"{iterator.seed}: expected the documented 32, True, None")
    next(iterator)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 3 and all(n.startswith("_") and n.endswith(".png") for n in names), (
        f"save_to_dir with the default save_prefix '' and save_format 'png': {names}")


@pytest.mark.behavior("preprocessing.image.fit.augment")
def test_fit_augment_rounds_and_seed(keras):
    x = data(4)
    calls = []

    def marked(image, *args, **kwargs):  # the k-th transformed image is all k
        calls.append(len(calls) + 1)
        return np.full_like(image, len(calls))

    gen = generator(keras, featurewise_center=True)
    gen.random_transform = marked
    gen.fit(x)
    assert calls == [], f"fit(x) (augment=False by default) transformed {len(calls)} images"
    gen.fit(x, augment=True)
    assert len(calls) == 4, f"fit(x, augment=True): {len(calls)} transformed images, expected 4"
    assert_allclose(np.asarray(gen.mean).ravel(), np.full(3, 2.5), rtol=1e-6, atol=0,
                    what="mean of the 4 augmented images (rounds=1 by default)")
    calls.clear()
    gen.fit(x, augment=True, rounds=3)
    assert len(calls) == 12, f"fit(augment=True, rounds=3): {len(calls)} images, expected 12"
    assert_allclose(np.asarray(gen.mean).ravel(), np.full(3, 6.5), rtol=1e-6, atol=0,
                    what="mean over the 12 augmented images (rounds=3)")
    # a fixed seed repeats the random augmentation
    means = []
    for _ in range(2):
        gen = generator(keras, featurewise_center=True, channel_shift_range=50.0,
                        rotation_range=90)
        gen.fit(x, augment=True, rounds=2, seed=6)
        means.append(np.asarray(gen.mean))
        assert means[-1].dtype == np.float32, f"gen.mean dtype {means[-1].dtype}"
    np.testing.assert_array_equal(means[0], means[1], "gen.mean of two fit(augment=True, seed=6)")


@pytest.mark.behavior("preprocessing.image.fit.statistics")
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_fit_converts_to_the_generator_dtype_and_is_quiet_for_image_channels(keras, channels):
    import warnings

    x = (data(channels=channels) * 20).astype("uint8")
    gen = generator(keras, featurewise_center=True, rescale=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 1, 3 or 4 channels: no warning
        gen.fit(x)
    assert np.asarray(gen.mean).dtype == np.float32, f"gen.mean dtype {np.asarray(gen.mean).dtype}"
    assert_allclose(np.asarray(gen.mean).ravel(), (x * 0.5).mean(axis=(0, 1, 2)), rtol=1e-5,
                    atol=1e-5, what="mean of uint8 images times rescale, as float32")


@pytest.mark.behavior("preprocessing.image.fill_mode.unknown")
def test_an_unknown_fill_mode_fails_when_transforming(keras):
    gen = generator(keras, fill_mode="bogus")
    with pytest.raises(RuntimeError, match=r"^boundary mode not supported$"):
        gen.apply_transform(data(1)[0], {"theta": 10.0})


@pytest.mark.behavior("preprocessing.image.iterator.errors")
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_flow_is_quiet_for_image_channels_and_converts_to_the_dtype(keras, channels):
    import warnings

    x = (data(channels=channels) * 20).astype("uint8")
    gen = generator(keras, dtype="float64")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 1, 3 or 4 channels: no warning
        iterator = gen.flow(x, batch_size=6, shuffle=False)
    assert iterator.x.dtype == np.float64, f"flow(uint8 x).x dtype {iterator.x.dtype}"
    np.testing.assert_array_equal(next(iterator), x.astype("float64"), "flow of uint8 images")


@pytest.mark.behavior("preprocessing.image.standardize.unfitted")
def test_standardize_without_featurewise_flags_does_not_warn(keras):
    import warnings

    gen = generator(keras, rescale=0.5, samplewise_center=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing to fit: no "Fit it first" warning
        out = gen.standardize(data(n=1)[0])
    assert abs(float(np.mean(out))) < 1e-4, f"mean {np.mean(out)} after samplewise_center"


@pytest.mark.behavior("preprocessing.image.save_to_dir")
def test_flow_save_to_dir_channels_first(keras, tmp_path):
    x = np.moveaxis(data(2), 3, 1).copy()  # (2, 3, 4, 5)
    gen = generator(keras, data_format="channels_first")
    batch = next(gen.flow(x, batch_size=2, shuffle=False, save_to_dir=str(tmp_path),
                          save_format="bmp"))
    api = keras.preprocessing.image
    for path in tmp_path.iterdir():
        index = int(path.name.split("_")[1])
        saved = api.img_to_array(api.load_img(str(path)), data_format="channels_first")
        image = batch[index].astype("float64")
        scaled = (image - image.min()) / (image.max() - image.min()) * 255
        assert_allclose(saved, scaled, rtol=0, atol=1.0,
                        what=f"{path.name}: a channels_first image saved as rows x columns")
