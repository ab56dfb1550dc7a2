"""keras.preprocessing.image.ImageDataGenerator: flow on arrays, augmentation, standardization,
flow_from_directory.

Spec: 002_99f94cc914f1cc8c.txt §1 (ImageDataGenerator does data augmentation: horizontal and
vertical flips, rotations...) and 003_7ac5a683e85c67f6.txt (常用函数: ImageDataGenerator). The Keras
2 API reference (keras.io/2.x/api/preprocessing/image, the tf-keras 2.x docstrings) gives the
arguments: featurewise_center / featurewise_std_normalization ("over the dataset, feature-wise",
statistics computed by fit), samplewise_center / samplewise_std_normalization, rotation_range
(degrees), width_shift_range / height_shift_range (fraction of the size if < 1, pixels if >= 1,
or random elements of a 1-D array), zoom_range, shear_range, fill_mode ('constant' with cval,
'nearest', 'reflect', 'wrap'), horizontal_flip / vertical_flip ("randomly flip inputs"),
rescale ("we multiply the data by the value provided"), data_format (channels_last by default);
flow(x, y, batch_size=32, shuffle=True, seed=None) loops over (x, y) batches;
flow_from_directory(directory, target_size=(256, 256), color_mode='rgb', classes=None,
class_mode='categorical', batch_size=32, shuffle=True, seed=None) reads one sub-directory per
class, classes in alphanumeric order (class_indices), files sorted alphanumerically when
shuffle=False, class_mode 'categorical' (2-D one-hot), 'binary' (1-D), 'sparse' (1-D integer),
'input' (the images), None (images only).

The random parts are checked through properties (shapes, value ranges, flips, identity at zero
range, repeatability under a seed); the test writes its own PNG files (a minimal encoder below,
so the suite itself needs no imaging library).
"""

import math
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.assertions import assert_allclose, assert_array_equal, assert_shape

H, W, C = 5, 6, 3


def generator(keras, **kwargs):
    return keras.preprocessing.image.ImageDataGenerator(**kwargs)


def images(n=4, seed=0):
    """n distinct float32 images (H, W, C) with integer values 0..255, none symmetric."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, H, W, C)).astype("float32")


def first_batch(iterator):
    return next(iter(iterator))


# -- flow ----------------------------------------------------------------------------------------
@pytest.mark.behavior("preprocessing.image.flow.batches")
@pytest.mark.parametrize(("n", "batch_size"), [(10, 4), (8, 8), (3, 32)])
def test_flow_batches_cover_the_data_in_order(keras, n, batch_size):
    x = images(n)
    y = np.arange(n)
    iterator = generator(keras).flow(x, y, batch_size=batch_size, shuffle=False)
    assert len(iterator) == math.ceil(n / batch_size), (
        f"len(flow) = {len(iterator)}, expected ceil({n} / {batch_size})")
    seen_x, seen_y = [], []
    for _ in range(len(iterator)):
        bx, by = next(iterator)
        assert bx.shape[1:] == (H, W, C) and len(bx) == len(by) <= batch_size, (
            f"batch shapes {bx.shape}, {np.shape(by)} [batch_size={batch_size}]")
        seen_x.append(bx)
        seen_y.append(by)
    assert_array_equal(np.concatenate(seen_y), y, "labels of one epoch of flow(shuffle=False)")
    assert_array_equal(np.concatenate(seen_x), x,
                       "images of one epoch of flow(shuffle=False) without augmentation")
    # the generator loops: the next batch starts the next epoch
    bx, by = next(iterator)
    assert_array_equal(np.asarray(by), y[:batch_size], "labels of the second epoch's batch")


@pytest.mark.behavior("preprocessing.image.flow.batches")
def test_flow_without_y_yields_images_only(keras):
    x = images(5)
    batch = next(generator(keras).flow(x, batch_size=2, shuffle=False))
    assert isinstance(batch, np.ndarray), f"flow(x) yielded {type(batch)}, expected an array"
    assert_array_equal(batch, x[:2], "first batch of flow(x, batch_size=2, shuffle=False)")


@pytest.mark.behavior("preprocessing.image.flow.shuffle")
def test_flow_shuffle_keeps_pairs_and_repeats_with_seed(keras):
    x = images(12)
    y = np.arange(12)
    first = generator(keras).flow(x, y, batch_size=12, shuffle=True, seed=5)
    second = generator(keras).flow(x, y, batch_size=12, shuffle=True, seed=5)
    bx, by = next(first)
    assert sorted(np.asarray(by).tolist()) == list(range(12)), (
        f"one epoch of labels {by}: every sample exactly once")
    assert_array_equal(bx, x[np.asarray(by)], "images of the shuffled batch vs x[labels]")
    bx2, by2 = next(second)
    assert_array_equal(np.asarray(by2), np.asarray(by), "labels of a second flow with seed=5")


# -- augmentation --------------------------------------------------------------------------------
@pytest.mark.behavior("preprocessing.image.rescale")
@pytest.mark.parametrize("rescale", [1.0 / 255, 2.0, -0.5])
def test_rescale_multiplies(keras, rescale):
    x = images(3)
    batch = next(generator(keras, rescale=rescale).flow(x, batch_size=3, shuffle=False))
    # float32 products of exactly representable integers: half an ulp plus the rounding of
    # the factor itself
    assert_allclose(batch, x * np.float32(rescale), rtol=1e-6, atol=0,
                    what=f"flow with rescale={rescale}")


@pytest.mark.behavior("preprocessing.image.flip")
@pytest.mark.parametrize(("argument", "axis"), [("horizontal_flip", 2), ("vertical_flip", 1)])
def test_flips_return_the_image_or_its_mirror(keras, argument, axis):
    x = images(32)
    batch = next(generator(keras, **{argument: True}).flow(x, batch_size=32, shuffle=False,
                                                         seed=3))
    flipped = np.flip(x, axis=axis)
    same = [np.array_equal(b, a) for b, a in zip(batch, x, strict=True)]
    mirrored = [np.array_equal(b, f) for b, f in zip(batch, flipped, strict=True)]
    bad = [i for i in range(32) if not (same[i] or mirrored[i])]
    assert not bad, f"{argument}=True: images {bad} are neither the input nor its mirror"
    assert any(same) and any(mirrored), (
        f"{argument}=True flipped {sum(mirrored)} of 32 images: a random flip must flip some "
        f"and keep some (probability 2**-31 of failing by chance)")


TRANSFORMS = [
    {"rotation_range": 40},
    {"width_shift_range": 0.3},
    {"height_shift_range": 0.3},
    {"width_shift_range": 2, "height_shift_range": 2},
    {"zoom_range": 0.3},
    {"shear_range": 30},
    {"rotation_range": 20, "width_shift_range": 0.2, "zoom_range": [0.8, 1.1]},
]


@pytest.mark.behavior("preprocessing.image.random_transform.range")
@pytest.mark.parametrize("kwargs", TRANSFORMS, ids=lambda k: "-".join(k))
def test_random_transforms_keep_shape_and_value_range(keras, kwargs):
    x = images(8)
    batch = next(generator(keras, **kwargs).flow(x, batch_size=8, shuffle=False, seed=1))
    assert_shape(batch.shape, x.shape, f"flow with {kwargs}")
    # fill_mode='nearest' and bilinear resampling only mix pixels of the image
    for got, image in zip(batch, x, strict=True):
        assert image.min() - 1e-3 <= got.min() and got.max() <= image.max() + 1e-3, (
            f"{kwargs}: values [{got.min()}, {got.max()}] outside the image's "
            f"[{image.min()}, {image.max()}]")
    assert not np.array_equal(batch, x), f"{kwargs}: no image changed"


@pytest.mark.behavior("preprocessing.image.random_transform.range")
@pytest.mark.parametrize("kwargs", TRANSFORMS, ids=lambda k: "-".join(k))
def test_random_transforms_leave_a_constant_image_constant(keras, kwargs):
    x = np.full((3, H, W, C), 42.0, dtype="float32")
    batch = next(generator(keras, **kwargs).flow(x, batch_size=3, shuffle=False, seed=2))
    assert_allclose(batch, x, rtol=1e-6, atol=1e-4, what=f"constant images through {kwargs}")


@pytest.mark.behavior("preprocessing.image.random_transform.zero_range")
@pytest.mark.parametrize("kwargs", [
    {"rotation_range": 0}, {"width_shift_range": 0.0, "height_shift_range": 0.0},
    {"zoom_range": 0.0}, {"zoom_range": [1.0, 1.0]}, {"shear_range": 0.0},
    {"horizontal_flip": False, "vertical_flip": False}], ids=lambda k: "-".join(k))
def test_zero_ranges_are_the_identity(keras, kwargs):
    x = images(4)
    batch = next(generator(keras, **kwargs).flow(x, batch_size=4, shuffle=False, seed=0))
    assert_array_equal(batch, x, f"flow with {kwargs}")


@pytest.mark.behavior("preprocessing.image.shift.pixels")
@pytest.mark.parametrize(("argument", "axis"), [("width_shift_range", 2),
                                                ("height_shift_range", 1)])
def test_one_pixel_shift_moves_columns_or_rows(keras, argument, axis):
    x = images(6)
    # an array-like range: the shift is one of its elements, here always 1 pixel
    batch = next(generator(keras, **{argument: [1.0]}).flow(x, batch_size=6, shuffle=False))
    size = x.shape[axis]
    take = np.take
    for got, image in zip(batch, x, strict=True):
        # one direction or the other; 'nearest' repeats the edge row/column
        forward = take(image, np.clip(np.arange(size) + 1, 0, size - 1), axis=axis - 1)
        backward = take(image, np.clip(np.arange(size) - 1, 0, size - 1), axis=axis - 1)
        assert np.allclose(got, forward, atol=1e-3) or np.allclose(got, backward, atol=1e-3), (
            f"{argument}=[1.0]: the image is not shifted by one pixel along axis {axis}")


@pytest.mark.behavior("preprocessing.image.fill_mode.constant")
def test_fill_mode_constant_uses_cval(keras):
    x = images(2)
    gen = generator(keras, width_shift_range=[float(W)], fill_mode="constant", cval=7.0)
    batch = next(gen.flow(x, batch_size=2, shuffle=False))
    assert_allclose(batch, np.full_like(x, 7.0), rtol=0, atol=1e-5,
                    what=f"a shift by the whole width ({W} pixels) with fill_mode='constant', "
                         f"cval=7")


@pytest.mark.behavior("preprocessing.image.seed")
@pytest.mark.parametrize("kwargs", [{"rotation_range": 30, "horizontal_flip": True},
                                    {"zoom_range": 0.2, "width_shift_range": 0.2}],
                         ids=lambda k: "-".join(k))
def test_same_seed_same_augmented_batches(keras, kwargs):
    x = images(6)
    first = generator(keras, **kwargs).flow(x, batch_size=3, shuffle=True, seed=11)
    second = generator(keras, **kwargs).flow(x, batch_size=3, shuffle=True, seed=11)
    for step in range(3):
        assert_array_equal(next(second), next(first),
                           f"batch {step} of two flows with seed=11 and {kwargs}")


# -- standardization -----------------------------------------------------------------------------
@pytest.mark.behavior("preprocessing.image.featurewise")
@given(data=st.data())
def test_featurewise_center_and_std_after_fit(keras, data):
    scale = data.draw(st.floats(0.5, 50), label="scale")
    shift = data.draw(st.floats(-100, 100), label="shift")
    x = images(6, seed=data.draw(st.integers(0, 100), label="seed")) * np.float32(scale) + \
        np.float32(shift)
    gen = generator(keras, featurewise_center=True, featurewise_std_normalization=True)
    gen.fit(x)
    batch = next(gen.flow(x, batch_size=6, shuffle=False)).astype("float64")
    mean = batch.mean(axis=(0, 1, 2))
    std = batch.std(axis=(0, 1, 2))
    # float32 data; the documented std division adds an epsilon of 1e-6 to std (>= 30 here)
    assert_allclose(mean, np.zeros(C), rtol=0, atol=1e-4,
                    what="per-channel mean of the flowed data after fit (featurewise_center)")
    assert_allclose(std, np.ones(C), rtol=1e-4, atol=0,
                    what="per-channel std after fit (featurewise_std_normalization)")


@pytest.mark.behavior("preprocessing.image.samplewise")
def test_samplewise_center_and_std(keras):
    x = images(4) * np.float32([1, 2, 3, 4]).reshape(4, 1, 1, 1)
    gen = generator(keras, samplewise_center=True, samplewise_std_normalization=True)
    batch = next(gen.flow(x, batch_size=4, shuffle=False)).astype("float64")
    assert_allclose(batch.mean(axis=(1, 2, 3)), np.zeros(4), rtol=0, atol=1e-5,
                    what="mean of each sample (samplewise_center)")
    assert_allclose(batch.std(axis=(1, 2, 3)), np.ones(4), rtol=1e-4, atol=0,
                    what="std of each sample (samplewise_std_normalization)")


# -- flow_from_directory -------------------------------------------------------------------------
def png_bytes(pixels: np.ndarray) -> bytes:
    """A minimal 8-bit RGB PNG encoder (no filtering), enough for the directory tests."""
    height, width, _ = pixels.shape
    raw = b"".join(b"\x00" + pixels[r].astype("uint8").tobytes() for r in range(height))

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


TREE = {"dogs": ["b.png", "a.png"], "cats": ["c.png", "a.png", "b.png"]}  # 5 images


@pytest.fixture
def image_tree(tmp_path):
    """tmp/{cats,dogs}/*.png with known pixels, plus a non-image file that must be ignored."""
    rng = np.random.default_rng(7)
    pixels = {}
    for folder, names in TREE.items():
        (tmp_path / folder).mkdir()
        for name in names:
            image = rng.integers(0, 256, size=(H, W, 3)).astype("uint8")
            (tmp_path / folder / name).write_bytes(png_bytes(image))
            pixels[f"{folder}/{name}"] = image.astype("float32")
        (tmp_path / folder / "notes.txt").write_text("not an image")
    return tmp_path, pixels


# files in the documented order: classes alphanumerically, files alphanumerically
ORDER = ["cats/a.png", "cats/b.png", "cats/c.png", "dogs/a.png", "dogs/b.png"]
LABELS = [0, 0, 0, 1, 1]


@pytest.mark.behavior("preprocessing.image.flow_from_directory.classes")
def test_flow_from_directory_infers_classes_from_folders(keras, image_tree):
    root, _ = image_tree
    iterator = generator(keras).flow_from_directory(str(root), target_size=(H, W),
                                                    batch_size=2, shuffle=False)
    assert dict(iterator.class_indices) == {"cats": 0, "dogs": 1}, (
        f"class_indices {iterator.class_indices}, expected alphanumeric folder order")
    assert iterator.samples == 5, f"samples {iterator.samples}, expected 5 images (no .txt)"
    filenames = [f.replace("\\", "/") for f in iterator.filenames]
    assert filenames == ORDER, f"filenames {filenames}, expected {ORDER}"
    assert_array_equal(np.asarray(iterator.classes).astype("int64"), np.array(LABELS),
                       "iterator.classes")
    assert len(iterator) == 3, f"len {len(iterator)}, expected ceil(5 / 2)"


@pytest.mark.behavior("preprocessing.image.flow_from_directory.classes")
def test_flow_from_directory_explicit_classes(keras, image_tree):
    root, _ = image_tree
    iterator = generator(keras).flow_from_directory(str(root), target_size=(H, W),
                                                    classes=["dogs"], shuffle=False)
    assert dict(iterator.class_indices) == {"dogs": 0}, f"{iterator.class_indices}"
    assert iterator.samples == 2, f"samples {iterator.samples}, expected the 2 dogs"


@pytest.mark.behavior("preprocessing.image.flow_from_directory.batches")
def test_flow_from_directory_reads_the_pixels(keras, image_tree):
    root, pixels = image_tree
    iterator = generator(keras).flow_from_directory(str(root), target_size=(H, W),
                                                    batch_size=5, shuffle=False,
                                                    class_mode="sparse")
    bx, by = next(iterator)
    assert_shape(bx.shape, (5, H, W, 3), "images of flow_from_directory(target_size=(H, W))")
    assert_array_equal(bx.astype("float32"), np.stack([pixels[f] for f in ORDER]),
                       "pixels read at their own size (no resize)")
    assert_array_equal(np.asarray(by).astype("int64"), np.array(LABELS), "sparse labels")


@pytest.mark.behavior("preprocessing.image.flow_from_directory.batches")
@pytest.mark.parametrize(("target_size", "color_mode", "channels"),
                         [((4, 3), "rgb", 3), ((8, 8), "grayscale", 1), ((H, W), "rgba", 4)])
def test_flow_from_directory_target_size_and_color_mode(keras, image_tree, target_size,
                                                        color_mode, channels):
    root, _ = image_tree
    iterator = generator(keras).flow_from_directory(
        str(root), target_size=target_size, color_mode=color_mode, batch_size=3, shuffle=False)
    bx, by = next(iterator)
    assert_shape(bx.shape, (3, *target_size, channels),
                 f"flow_from_directory(target_size={target_size}, color_mode={color_mode!r})")
    assert bx.min() >= 0 and bx.max() <= 255, f"pixel values [{bx.min()}, {bx.max()}]"


@pytest.mark.behavior("preprocessing.image.flow_from_directory.class_mode")
@pytest.mark.parametrize("class_mode", ["categorical", "binary", "sparse", "input", None])
def test_flow_from_directory_class_modes(keras, image_tree, class_mode):
    root, _ = image_tree
    iterator = generator(keras).flow_from_directory(
        str(root), target_size=(H, W), class_mode=class_mode, batch_size=5, shuffle=False)
    batch = next(iterator)
    if class_mode is None:
        assert isinstance(batch, np.ndarray) and batch.shape == (5, H, W, 3), (
            f"class_mode=None yielded {type(batch)}, expected the image batch alone")
        return
    bx, by = batch
    by = np.asarray(by)
    if class_mode == "categorical":
        assert_array_equal(by.astype("float32"), np.eye(2, dtype="float32")[LABELS],
                           "class_mode='categorical' labels (2-D one-hot)")
    elif class_mode == "input":
        assert_array_equal(by, bx, "class_mode='input' targets (the images)")
    else:
        assert_shape(by.shape, (5,), f"class_mode={class_mode!r} labels (1-D)")
        assert_array_equal(by.astype("int64"), np.array(LABELS),
                           f"class_mode={class_mode!r} labels")


@pytest.mark.behavior("preprocessing.image.flow_from_directory.batches")
def test_flow_from_directory_shuffle_keeps_labels_with_images(keras, image_tree):
    root, pixels = image_tree
    iterator = generator(keras).flow_from_directory(
        str(root), target_size=(H, W), class_mode="sparse", batch_size=5, shuffle=True, seed=3)
    bx, by = next(iterator)
    by = np.asarray(by).astype("int64")
    for image, label in zip(bx, by, strict=True):
        matches = [f for f in ORDER if np.array_equal(pixels[f], image)]
        assert len(matches) == 1, "a shuffled image is not one of the files"
        assert LABELS[ORDER.index(matches[0])] == label, (
            f"{matches[0]} came with label {label}")


# -- apply_transform -----------------------------------------------------------------------------
@pytest.mark.behavior("preprocessing.image.apply_transform")
def test_apply_transform_rotations_and_flips(keras):
    gen = generator(keras)
    square = images(1)[0][:, :H]  # (H, H, C)
    x = images(1)[0]
    # a square image: 180 degrees is both mirrors, 90 degrees one of the two rot90. (Non-square
    # images are left out: the docstring does not say about which point Keras rotates.)
    got = gen.apply_transform(square, {"theta": 180})
    assert_allclose(got, square[::-1, ::-1], rtol=0, atol=1e-3,
                    what="apply_transform(square, theta=180)")
    got = gen.apply_transform(square, {"theta": 90})
    assert (np.allclose(got, np.rot90(square, 1), atol=1e-3)
            or np.allclose(got, np.rot90(square, -1), atol=1e-3)), (
        "apply_transform(square, theta=90) is not a quarter turn of the image")
    got = gen.apply_transform(x, {"flip_horizontal": True})
    assert_array_equal(got, x[:, ::-1], "apply_transform(flip_horizontal=True)")
    got = gen.apply_transform(x, {"flip_vertical": True})
    assert_array_equal(got, x[::-1], "apply_transform(flip_vertical=True)")
    got = gen.apply_transform(x, {"zx": 1, "zy": 1, "theta": 0, "tx": 0, "ty": 0})
    assert_array_equal(got, x, "apply_transform with identity parameters")


# -- validation_split, preprocessing_function, dtype, argument checks ----------------------------
@pytest.mark.behavior("preprocessing.image.validation_split")
def test_validation_split_subsets_partition_the_data(keras):
    x = images(10)
    y = np.array([0, 1] * 5)
    gen = generator(keras, validation_split=0.2)
    validation = gen.flow(x, y, batch_size=10, shuffle=False, subset="validation")
    training = gen.flow(x, y, batch_size=10, shuffle=False, subset="training")
    vx, vy = next(validation)
    tx, ty = next(training)
    assert (len(vx), len(tx)) == (2, 8), (
        f"validation_split=0.2 of 10 images: {len(vx)} for validation, {len(tx)} for training")
    both = np.concatenate([vx, tx])
    order = sorted(range(10), key=lambda i: both[i].tobytes())
    expected = sorted(range(10), key=lambda i: x[i].tobytes())
    assert_array_equal(both[order], x[expected], "validation + training images vs x")
    assert_array_equal(np.concatenate([vy, ty])[order], y[expected], "their labels vs y")


@pytest.mark.behavior("preprocessing.image.validation_split")
def test_validation_split_checks_classes_unless_ignored(keras):
    x = images(10)
    y = np.array([0] * 5 + [1] * 5)  # sorted by label: the 20% validation split holds only 0s
    gen = generator(keras, validation_split=0.2)
    with pytest.raises(ValueError):
        gen.flow(x, y, subset="training")
    batch = next(gen.flow(x, y, batch_size=10, shuffle=False, subset="validation",
                          ignore_class_split=True))
    assert len(batch[0]) == 2, f"validation batch of {len(batch[0])} images, expected 2"


@pytest.mark.behavior("preprocessing.image.argument_checks")
@pytest.mark.parametrize("kwargs", [{"validation_split": 1.5}, {"validation_split": -0.1},
                                    {"validation_split": 1.0},
                                    {"data_format": "channels_middle"}],
                         ids=lambda k: "-".join(f"{a}={v}" for a, v in k.items()))
def test_invalid_arguments_raise_value_error(keras, kwargs):
    (argument,) = kwargs
    with pytest.raises(ValueError, match=f"`{argument}` "):  # the message names the argument
        generator(keras, **kwargs)


@pytest.mark.behavior("preprocessing.image.preprocessing_function")
def test_preprocessing_function_runs_on_each_image(keras):
    x = images(3)
    calls = []

    def plus_one(image):
        calls.append(np.shape(image))
        return image + 1.0

    batch = next(generator(keras, preprocessing_function=plus_one).flow(
        x, batch_size=3, shuffle=False))
    assert calls == [(H, W, C)] * 3, f"preprocessing_function called with shapes {calls}"
    assert_array_equal(batch, x + 1.0, "flow with preprocessing_function=image + 1")


@pytest.mark.behavior("preprocessing.image.dtype")
@pytest.mark.parametrize("dtype", [None, "float64"])
def test_generated_arrays_have_the_dtype(keras, dtype):
    x = images(2)
    kwargs = {} if dtype is None else {"dtype": dtype}
    batch = next(generator(keras, **kwargs).flow(x, batch_size=2, shuffle=False))
    expected = dtype or "float32"  # floatx() by default
    assert batch.dtype == np.dtype(expected), f"batch dtype {batch.dtype}, expected {expected}"


@pytest.mark.behavior("preprocessing.image.validation_split")
def test_flow_from_directory_subsets_partition_the_files(keras, image_tree):
    root, _ = image_tree
    gen = generator(keras, validation_split=0.5)
    kwargs = {"target_size": (H, W), "shuffle": False, "batch_size": 5}
    validation = gen.flow_from_directory(str(root), subset="validation", **kwargs)
    training = gen.flow_from_directory(str(root), subset="training", **kwargs)
    names = sorted(f.replace("\\", "/") for f in [*validation.filenames, *training.filenames])
    assert names == ORDER, f"validation + training files {names}, expected {ORDER}"
    assert validation.samples + training.samples == 5 and validation.samples >= 1, (
        f"{validation.samples} validation and {training.samples} training images")


@pytest.mark.behavior("preprocessing.image.zca_whitening")
def test_zca_whitening_decorrelates_after_fit(keras):
    rng = np.random.default_rng(4)
    mixing = np.array([[2.0, 0.5, 0.0, 0.3], [0.0, 1.0, 0.8, 0.0], [0.4, 0.0, 1.5, 0.2],
                       [0.0, 0.3, 0.0, 0.7]])
    x = (rng.normal(size=(200, 4)) @ mixing + 3.0).reshape(200, 2, 2, 1).astype("float32")
    gen = generator(keras, featurewise_center=True, zca_whitening=True)
    gen.fit(x)
    white = next(gen.flow(x, batch_size=200, shuffle=False)).reshape(200, 4).astype("float64")
    # featurewise_center removes the per-channel mean, and the whitening matrix comes from the
    # second moment of that centred data: the whitened data's second moment is the identity.
    # float32 data of size ~5; the documented zca_epsilon (1e-6) shrinks each unit variance by
    # less than 1e-5 here (the smallest eigenvalue of the moment matrix is > 0.1)
    moment = white.T @ white / 200
    assert_allclose(moment, np.eye(4), rtol=0, atol=1e-3,
                    what="second moment of the ZCA-whitened data (identity)")


@pytest.mark.behavior("preprocessing.image.fill_mode.reflect")
def test_fill_mode_reflect_mirrors_the_edges(keras):
    x = images(2)[:, :H, :H]  # square, so that the shift by the whole size fits either axis
    # 'reflect' is abcddcba|abcd|dcbaabcd: shifting by the full size in both directions leaves
    # only reflected points, i.e. the image mirrored along both axes
    gen = generator(keras, width_shift_range=[float(H)], height_shift_range=[float(H)],
                    fill_mode="reflect")
    batch = next(gen.flow(x, batch_size=2, shuffle=False))
    assert_allclose(batch, x[:, ::-1, ::-1], rtol=0, atol=1e-3,
                    what=f"a shift by the whole size ({H} pixels) with fill_mode='reflect'")


@pytest.mark.behavior("preprocessing.image.fill_mode.wrap")
def test_fill_mode_wrap_repeats_the_image(keras):
    x = images(2)[:, :H, :H]
    # 'wrap' is abcdabcd|abcd|abcdabcd: a shift by the full size in both directions gives the
    # image back
    gen = generator(keras, width_shift_range=[float(H)], height_shift_range=[float(H)],
                    fill_mode="wrap")
    batch = next(gen.flow(x, batch_size=2, shuffle=False))
    assert_allclose(batch, x, rtol=0, atol=1e-3,
                    what=f"a shift by the whole size ({H} pixels) with fill_mode='wrap'")


@pytest.mark.behavior("preprocessing.image.flow.sample_weight")
def test_flow_yields_sample_weights(keras):
    x = images(5)
    y = np.arange(5)
    weights = np.array([0.5, 1.0, 1.5, 2.0, 2.5])
    iterator = generator(keras).flow(x, y, sample_weight=weights, batch_size=3, shuffle=False)
    first = next(iterator)
    assert len(first) == 3, f"flow(x, y, sample_weight=w) yielded {len(first)} arrays, expected 3"
    bx, by, bw = first
    assert_array_equal(np.asarray(by), y[:3], "labels of the first batch")
    assert_allclose(np.asarray(bw), weights[:3], rtol=0, atol=0, what="its sample weights")
    _, by, bw = next(iterator)
    assert_allclose(np.asarray(bw), weights[3:], rtol=0, atol=0,
                    what="sample weights of the second (last) batch")


# -- load_img, img_to_array, array_to_img, save_img ----------------------------------------------
def image_api(keras):
    return keras.preprocessing.image


@pytest.mark.behavior("preprocessing.image.load_img")
def test_load_img_and_img_to_array_read_the_pixels(keras, image_tree):
    root, pixels = image_tree
    api = image_api(keras)
    img = api.load_img(str(root / "cats" / "a.png"))
    assert tuple(img.size) == (W, H), f"PIL size {img.size}, expected (width, height) = {(W, H)}"
    array = api.img_to_array(img)
    assert array.dtype == np.float32, f"img_to_array dtype {array.dtype}, expected float32"
    assert_array_equal(array, pixels["cats/a.png"], "img_to_array(load_img('cats/a.png'))")


@pytest.mark.behavior("preprocessing.image.load_img")
@pytest.mark.parametrize(("kwargs", "shape"), [
    ({"target_size": (3, 4)}, (3, 4, 3)), ({"color_mode": "grayscale"}, (H, W, 1)),
    ({"color_mode": "rgba"}, (H, W, 4)), ({"target_size": (8, 2), "color_mode": "grayscale"},
                                          (8, 2, 1))], ids=str)
def test_load_img_target_size_and_color_mode(keras, image_tree, kwargs, shape):
    root, pixels = image_tree
    api = image_api(keras)
    array = api.img_to_array(api.load_img(str(root / "dogs" / "b.png"), **kwargs))
    assert_shape(array.shape, shape, f"img_to_array(load_img(path, **{kwargs}))")
    if kwargs == {"color_mode": "rgba"}:  # a PNG without alpha: opaque, colours unchanged
        assert_array_equal(array[..., :3], pixels["dogs/b.png"], "rgba colour channels")
        assert_array_equal(array[..., 3], np.full((H, W), 255, "float32"), "alpha channel")


@pytest.mark.behavior("preprocessing.image.img_to_array.data_format")
def test_img_to_array_channels_first_and_dtype(keras, image_tree):
    root, pixels = image_tree
    api = image_api(keras)
    img = api.load_img(str(root / "cats" / "b.png"))
    first = api.img_to_array(img, data_format="channels_first")
    assert_array_equal(first, np.moveaxis(pixels["cats/b.png"], 2, 0),
                       "img_to_array(img, data_format='channels_first')")
    wide = api.img_to_array(img, dtype="float64")
    assert wide.dtype == np.float64, f"img_to_array(dtype='float64') gave {wide.dtype}"


@pytest.mark.behavior("preprocessing.image.array_to_img")
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_array_to_img_round_trip_without_scaling(keras, channels):
    api = image_api(keras)
    x = np.random.default_rng(channels).integers(0, 256, size=(H, W, channels)).astype("float32")
    img = api.array_to_img(x, scale=False)
    assert tuple(img.size) == (W, H), f"PIL size {img.size}, expected {(W, H)}"
    assert_array_equal(api.img_to_array(img), x,
                       f"img_to_array(array_to_img(x, scale=False)), {channels} channels")


@pytest.mark.behavior("preprocessing.image.array_to_img")
def test_array_to_img_scales_min_to_0_and_max_to_255(keras):
    api = image_api(keras)
    x = np.random.default_rng(0).uniform(-3.0, 5.0, size=(H, W, 3)).astype("float32")
    got = api.img_to_array(api.array_to_img(x))  # scale=True by default
    expected = (x - x.min()) / (x.max() - x.min()) * 255
    assert got.min() == 0 and got.max() == 255, f"scaled range [{got.min()}, {got.max()}]"
    # 8-bit pixels: the conversion may round or truncate, so within 1 of the scaled value
    assert_allclose(got, expected, rtol=0, atol=1.0, what="array_to_img(x) scaled to [0, 255]")


@pytest.mark.behavior("preprocessing.image.save_img")
def test_save_img_then_load_img(keras, tmp_path):
    api = image_api(keras)
    x = np.random.default_rng(5).integers(0, 256, size=(H, W, 3)).astype("float32")
    path = tmp_path / "saved.png"
    api.save_img(str(path), x, scale=False)
    assert_array_equal(api.img_to_array(api.load_img(str(path))), x,
                       "load_img of save_img(path.png, x, scale=False)")


# -- flow_from_directory: attributes, links, interpolation, errors (helper HI) -------------------
@pytest.mark.behavior("preprocessing.image.flow_from_directory.attributes")
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_flow_from_directory_attributes(keras, image_tree, capsys, data_format):
    root, pixels = image_tree
    iterator = generator(keras, data_format=data_format).flow_from_directory(
        str(root), target_size=(H, W), batch_size=5, shuffle=False)
    assert "Found 5 images belonging to 2 classes." in capsys.readouterr().out, (
        "flow_from_directory prints how many images and classes it found")
    assert iterator.num_classes == 2, f"num_classes {iterator.num_classes}"
    shape = (H, W, 3) if data_format == "channels_last" else (3, H, W)
    assert tuple(iterator.image_shape) == shape, f"image_shape {iterator.image_shape}"
    expected = [str(root / f) for f in ORDER]
    got = [p.replace("\\", "/") for p in iterator.filepaths]
    assert got == [p.replace("\\", "/") for p in expected], f"filepaths {got}"
    assert_array_equal(np.asarray(iterator.labels).astype("int64"), np.array(LABELS),
                       "iterator.labels (the classes of the files)")
    bx, by = next(iterator)
    images = np.stack([pixels[f] for f in ORDER])
    if data_format == "channels_first":
        images = np.moveaxis(images, 3, 1)
    assert_array_equal(bx, images, f"images read with data_format={data_format!r}")
    assert bx.dtype == np.float32 and np.asarray(by).dtype == np.float32, (
        f"batch dtypes {bx.dtype}, {np.asarray(by).dtype}: the generator's dtype (floatx)")


@pytest.mark.behavior("preprocessing.image.flow_from_directory.follow_links")
def test_flow_from_directory_follow_links(keras, image_tree, tmp_path_factory):
    root, _ = image_tree
    outside = tmp_path_factory.mktemp("outside")
    rng = np.random.default_rng(9)
    for name in ("x.png", "y.png"):
        (outside / name).write_bytes(png_bytes(rng.integers(0, 256, (H, W, 3))))
    try:
        (root / "cats" / "more").symlink_to(outside, target_is_directory=True)
    except OSError:
        pytest.skip("no symbolic links on this file system")
    kwargs = {"target_size": (H, W), "shuffle": False}
    plain = generator(keras).flow_from_directory(str(root), **kwargs)
    assert plain.samples == 5, f"follow_links=False: {plain.samples} images, expected 5"
    linked = generator(keras).flow_from_directory(str(root), follow_links=True, **kwargs)
    names = [f.replace("\\", "/") for f in linked.filenames]
    assert names == [*ORDER[:3], "cats/more/x.png", "cats/more/y.png", *ORDER[3:]], (
        f"follow_links=True: filenames {names}")
    assert_array_equal(np.asarray(linked.classes).astype("int64"),
                       np.array([0, 0, 0, 0, 0, 1, 1]), "classes with the linked images")


@pytest.mark.behavior("preprocessing.image.flow_from_directory.interpolation")
@pytest.mark.parametrize("interpolation", ["nearest", "bilinear", "bicubic"])
def test_flow_from_directory_resizes_with_the_interpolation(keras, image_tree, interpolation):
    root, _ = image_tree
    api = keras.preprocessing.image
    batch, _ = next(generator(keras).flow_from_directory(
        str(root), target_size=(3, 4), batch_size=5, shuffle=False,
        interpolation=interpolation))
    expected = np.stack([api.img_to_array(api.load_img(str(root / f), target_size=(3, 4),
                                                       interpolation=interpolation))
                         for f in ORDER])
    assert_array_equal(batch, expected, f"flow_from_directory(target_size=(3, 4), "
                                        f"interpolation={interpolation!r}) vs load_img")
    if interpolation != "nearest":
        nearest = np.stack([api.img_to_array(api.load_img(str(root / f), target_size=(3, 4)))
                            for f in ORDER])
        assert not np.array_equal(batch, nearest), f"{interpolation} gave the nearest pixels"


@pytest.mark.behavior("preprocessing.image.flow_from_directory.errors")
@pytest.mark.parametrize(("kwargs", "message"), [
    ({"class_mode": "multi"}, "Invalid class_mode"), ({"color_mode": "cmyk"}, "Invalid color mode"),
    ({"subset": "test"}, "Invalid subset name")], ids=str)
def test_flow_from_directory_argument_errors(keras, image_tree, kwargs, message):
    root, _ = image_tree
    gen = generator(keras, validation_split=0.5)
    with pytest.raises(ValueError, match=message):
        gen.flow_from_directory(str(root), target_size=(H, W), **kwargs)


@pytest.mark.behavior("preprocessing.image.validation_split")
def test_flow_from_directory_validation_is_the_first_files_of_each_class(keras, image_tree):
    root, _ = image_tree
    gen = generator(keras, validation_split=0.5)
    kwargs = {"target_size": (H, W), "shuffle": False}
    validation = gen.flow_from_directory(str(root), subset="validation", **kwargs)
    training = gen.flow_from_directory(str(root), subset="training", **kwargs)
    # per class: the first int(0.5 * n) files (alphanumerically) for validation
    got = ([f.replace("\\", "/") for f in validation.filenames],
           [f.replace("\\", "/") for f in training.filenames])
    assert got == (["cats/a.png", "dogs/a.png"], ["cats/b.png", "cats/c.png", "dogs/b.png"]), (
        f"validation, training files {got}")
    assert_array_equal(np.asarray(training.classes).astype("int64"), np.array([0, 0, 1]),
                       "training classes")


@pytest.mark.behavior("preprocessing.image.save_to_dir")
def test_flow_from_directory_save_to_dir(keras, image_tree, tmp_path_factory):
    root, _ = image_tree
    out = tmp_path_factory.mktemp("saved")
    iterator = generator(keras).flow_from_directory(
        str(root), target_size=(H, W), batch_size=2, shuffle=False, save_to_dir=str(out),
        save_prefix="d", save_format="jpeg")
    next(iterator)
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 2 and all(n.startswith("d_") and n.endswith(".jpeg") for n in names), (
        f"save_to_dir after one batch of 2: {names}")
    assert sorted(int(n.split("_")[1]) for n in names) == [0, 1], f"indices in {names}"


@pytest.mark.behavior("preprocessing.image.seed")
def test_flow_from_directory_same_seed_same_augmented_batches(keras, image_tree):
    root, _ = image_tree
    kwargs = {"target_size": (H, W), "batch_size": 5, "shuffle": True, "seed": 4}
    gen = {"horizontal_flip": True, "vertical_flip": True, "rotation_range": 30}
    first = generator(keras, **gen).flow_from_directory(str(root), **kwargs)
    second = generator(keras, **gen).flow_from_directory(str(root), **kwargs)
    for step in range(2):
        (ax, ay), (bx, by) = next(first), next(second)
        assert_array_equal(bx, ax, f"images of batch {step} of two flows with seed=4")
        assert_array_equal(by, ay, f"labels of batch {step} of two flows with seed=4")


@pytest.mark.behavior("preprocessing.image.flow_from_directory.classes")
def test_flow_from_directory_extensions_ignore_case(keras, image_tree):
    root, _ = image_tree
    rng = np.random.default_rng(10)
    (root / "dogs" / "Z.PNG").write_bytes(png_bytes(rng.integers(0, 256, (H, W, 3))))
    (root / "dogs" / "z.gif").write_bytes(b"GIF89a")  # not a listed format
    iterator = generator(keras).flow_from_directory(str(root), target_size=(H, W),
                                                    shuffle=False)
    names = [f.replace("\\", "/") for f in iterator.filenames]
    # sorted file names: "Z.PNG" before "a.png"
    assert names == [*ORDER[:3], "dogs/Z.PNG", *ORDER[3:]], f"filenames {names}"


@pytest.mark.behavior("preprocessing.image.dtype")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("class_mode", ["categorical", "binary", "sparse"])
def test_flow_from_directory_batches_have_the_generator_dtype(keras, image_tree, class_mode,
                                                              dtype):
    root, pixels = image_tree
    gen = generator(keras, **({"dtype": dtype} if dtype == "float64" else {}))
    bx, by = next(gen.flow_from_directory(str(root), target_size=(H, W), batch_size=5,
                                          shuffle=False, class_mode=class_mode))
    assert (bx.dtype, np.asarray(by).dtype) == (np.dtype(dtype), np.dtype(dtype)), (
        f"ImageDataGenerator(dtype={dtype!r}).flow_from_directory(class_mode={class_mode!r}) "
        f"gave {bx.dtype} images and {np.asarray(by).dtype} labels")


@pytest.mark.behavior("preprocessing.image.flow_from_directory.attributes")
def test_flow_from_directory_defaults(keras, image_tree, tmp_path_factory):
    root, _ = image_tree
    out = tmp_path_factory.mktemp("defaults")
    iterator = generator(keras).flow_from_directory(str(root), save_to_dir=str(out))
    assert (iterator.batch_size, iterator.shuffle, tuple(iterator.target_size)) == (
        32, True, (256, 256)), (
        f"batch_size, shuffle, target_size = {iterator.batch_size}, {iterator.shuffle}, "
        f"{iterator.target_size}: expected the documented 32, True, (256, 256)")
    bx, _ = next(iterator)
    assert_shape(bx.shape, (5, 256, 256, 3), "a default batch of the 5 images")
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 5 and all(n.startswith("_") and n.endswith(".png") for n in names), (
        f"save_to_dir with the default save_prefix '' and save_format 'png': {names}")


@pytest.mark.behavior("preprocessing.image.iterator.defaults")
def test_directory_iterator_class_defaults(keras, image_tree, tmp_path_factory):
    root, pixels = image_tree
    out = tmp_path_factory.mktemp("iterator_defaults")
    outside = tmp_path_factory.mktemp("linked")
    (outside / "x.png").write_bytes(png_bytes(np.zeros((H, W, 3))))
    try:
        (root / "cats" / "more").symlink_to(outside, target_is_directory=True)
    except OSError:
        pytest.skip("no symbolic links on this file system")
    api = keras.preprocessing.image
    iterator = api.DirectoryIterator(str(root), generator(keras), save_to_dir=str(out), seed=1)
    got = (tuple(iterator.target_size), iterator.color_mode, iterator.class_mode,
           iterator.batch_size, iterator.shuffle, iterator.interpolation, iterator.samples)
    assert got == ((256, 256), "rgb", "categorical", 32, True, "nearest", 5), (
        f"DirectoryIterator(directory, generator) target_size, color_mode, class_mode, "
        f"batch_size, shuffle, interpolation, samples (no links followed) = {got}")
    bx, by = next(iterator)
    assert_shape(bx.shape, (5, 256, 256, 3), "default batch (256x256 RGB)")
    api = keras.preprocessing.image
    first = api.img_to_array(api.load_img(str(root / ORDER[0]), target_size=(256, 256)))
    if not any(np.array_equal(b, first) for b in bx):  # keep_aspect_ratio=False: whole image
        pytest.fail("no image of the default batch is the whole first file resized")
    assert_shape(np.shape(by), (5, 2), "default labels (categorical)")
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 5 and all(n.startswith("_") and n.endswith(".png") for n in names), (
        f"default save_prefix '' and save_format 'png': {names}")


@pytest.mark.behavior("preprocessing.image.iterator.defaults")
def test_numpy_array_iterator_class_defaults(keras, tmp_path):
    x = np.random.default_rng(1).uniform(0, 255, (40, H, W, C)).astype("float32")
    iterator = keras.preprocessing.image.NumpyArrayIterator(x, np.arange(40), generator(keras))
    assert (iterator.batch_size, bool(iterator.shuffle), iterator.seed) == (32, False, None), (
        f"NumpyArrayIterator(x, y, generator) batch_size, shuffle, seed = "
        f"{iterator.batch_size}, {iterator.shuffle}, {iterator.seed}: expected 32, False, None")
    bx, by = next(iterator)
    assert_array_equal(np.asarray(by), np.arange(32), "first default batch: the first 32, in order")
    assert_array_equal(bx, x[:32], "its images")
    # ignore_class_split=False: a split that loses a class is an error
    sorted_y = np.array([0] * 20 + [1] * 20)
    split_gen = generator(keras, validation_split=0.25)
    with pytest.raises(ValueError, match="different number of classes"):
        keras.preprocessing.image.NumpyArrayIterator(x, sorted_y, split_gen, subset="validation")
    # save_prefix '' and save_format 'png'
    out = tmp_path / "saved"
    out.mkdir()
    saving = keras.preprocessing.image.NumpyArrayIterator(x[:2], None, generator(keras),
                                                          save_to_dir=str(out))
    next(saving)
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 2 and all(n.startswith("_") and n.endswith(".png") for n in names), (
        f"NumpyArrayIterator default save_prefix and save_format: {names}")


@pytest.mark.behavior("preprocessing.image.keep_aspect_ratio")
@pytest.mark.parametrize(("target_size", "crop"), [
    ((H, H), (slice(None), slice(0, 5))),  # 5x6 -> the centred 5x5 box: columns 0..4
    ((4, 8), (slice(1, 4), slice(None))),  # 5x6 -> 6 * 4 // 8 = 3 rows, from row (5-3)//2 = 1
    ((3, 4), (slice(0, 4), slice(None))),  # 6 * 3 // 4 = 4 rows (not 4.5), from row 1 // 2 = 0
    ((5, 2), (slice(None), slice(2, 4))),  # 5 * 2 // 5 = 2 columns, from column 4 // 2 = 2
])
def test_keep_aspect_ratio_resizes_the_centred_box(keras, image_tree, tmp_path_factory,
                                                   target_size, crop):
    root, pixels = image_tree
    api = keras.preprocessing.image
    path = str(root / "cats" / "a.png")
    cropped = tmp_path_factory.mktemp("crop") / "c.png"
    cropped.write_bytes(png_bytes(pixels["cats/a.png"][crop]))
    expected = api.img_to_array(api.load_img(str(cropped), target_size=target_size))
    got = api.img_to_array(api.load_img(path, target_size=target_size, keep_aspect_ratio=True))
    assert_array_equal(got, expected, f"load_img(target_size={target_size}, "
                                      f"keep_aspect_ratio=True) vs the centred crop resized")
    batch, _ = next(generator(keras).flow_from_directory(
        str(root), target_size=target_size, keep_aspect_ratio=True, batch_size=1,
        shuffle=False))
    assert_array_equal(batch[0], expected, "flow_from_directory(keep_aspect_ratio=True)")
    plain = api.img_to_array(api.load_img(path, target_size=target_size))
    assert not np.array_equal(plain, expected), "without keep_aspect_ratio: the whole image"


@pytest.mark.behavior("preprocessing.image.flow_from_directory.attributes")
@pytest.mark.parametrize(("color_mode", "channels"), [("grayscale", 1), ("rgb", 3), ("rgba", 4)])
def test_flow_from_directory_image_shape_classes_dtype_and_stray_files(keras, image_tree,
                                                                      color_mode, channels):
    root, _ = image_tree
    (root / "README.txt").write_text("a file beside the class folders is not a class")
    iterator = generator(keras).flow_from_directory(str(root), target_size=(H, W),
                                                    color_mode=color_mode)
    assert tuple(iterator.image_shape) == (H, W, channels), (
        f"image_shape {iterator.image_shape} for color_mode={color_mode!r}")
    assert dict(iterator.class_indices) == {"cats": 0, "dogs": 1}, f"{iterator.class_indices}"
    assert np.asarray(iterator.classes).dtype == np.int32, (
        f"classes dtype {np.asarray(iterator.classes).dtype}, expected int32")
