"""array_to_img and save_img: NumPy image arrays to PIL images and files.

Keras 2 API: keras.io/2.x/api/preprocessing/image (array_to_img(x, data_format=None,
scale=True, dtype=None): "Converts a 3D Numpy array to a PIL Image instance"; scale: "Whether to
rescale the image such that minimum and maximum values are 0 and 255 respectively"; dtype:
"Dtype to use", None meaning floatx; raises ValueError "if invalid x or data_format is passed".
save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs): "Saves an image
stored as a Numpy array to a path or file object"; file_format: "If omitted, the format to use is
determined from the filename extension. If a file object was used instead of a filename, this
parameter should always be used"; kwargs: "Additional keyword arguments passed to
PIL.Image.save()").

As tf-keras 2.21 does it (tf_keras/src/utils/image_utils.py): the array is converted to `dtype`
(floatx by default) first, channels_first arrays are moved to channels last, scaling maps
[min, max] to [0, 255] (a constant image stays 0), then the pixels are cast to uint8 (truncated)
for 3 (RGB) and 4 (RGBA) channels and 1 channel (L) unless a value exceeds 255, in which case
the 1-channel image is 32-bit (mode I, int32); an RGBA image saved as "jpeg" is converted to RGB
first. Pixels are read back with NumPy (np.asarray of the PIL image) or the implementation's
load_img / img_to_array.
"""

import io
import warnings

import numpy as np
import pytest

H, W = 4, 5


def api(keras):
    return keras.preprocessing.image


def pixels(img):
    return np.asarray(img)


def ramp(channels, low=10.0, high=200.0):
    """An image whose values run from ``low`` to ``high`` (both reached)."""
    return np.linspace(low, high, H * W * channels, dtype="float32").reshape(H, W, channels)


# -- array_to_img ---------------------------------------------------------------------------
@pytest.mark.behavior("preprocessing.image.array_to_img.modes")
@pytest.mark.parametrize(("channels", "mode"), [(1, "L"), (3, "RGB"), (4, "RGBA")])
def test_array_to_img_mode_by_channel_count(keras, channels, mode):
    x = ramp(channels)
    img = api(keras).array_to_img(x, scale=False)
    assert img.mode == mode, f"array_to_img of {channels} channels: mode {img.mode}"
    # values cast to uint8: truncated, not rounded
    expected = x.astype("uint8")
    np.testing.assert_array_equal(pixels(img), expected[..., 0] if channels == 1 else expected,
                                  err_msg=f"pixels of array_to_img(scale=False), {channels} ch")


@pytest.mark.behavior("preprocessing.image.array_to_img.modes")
def test_array_to_img_grayscale_scaled_is_8_bit(keras):
    # scaled, the maximum is exactly 255: still an 8-bit (L) image
    img = api(keras).array_to_img(ramp(1))
    assert img.mode == "L", f"scaled 1-channel image: mode {img.mode}"
    assert pixels(img).max() == 255 and pixels(img).min() == 0, pixels(img)


@pytest.mark.behavior("preprocessing.image.array_to_img.modes")
def test_array_to_img_grayscale_above_255_is_32_bit(keras):
    x = np.array([[[0.0], [256.0]], [[70000.0], [16777217.0]]])  # float64 values
    img = api(keras).array_to_img(x, scale=False)
    assert img.mode == "I", f"1-channel image with values > 255: mode {img.mode}"
    # converted to floatx (float32) first: 16777217 is not a float32, it becomes 16777216
    np.testing.assert_array_equal(pixels(img), [[0, 256], [70000, 16777216]],
                                  err_msg="array_to_img(x, scale=False) with the default dtype")
    edge = api(keras).array_to_img(np.array([[[0.0], [256.0]]]), scale=False)
    assert edge.mode == "I", f"1-channel image with maximum 256: mode {edge.mode}"
    np.testing.assert_array_equal(pixels(edge), [[0, 256]], err_msg="maximum 256 kept")
    wide = api(keras).array_to_img(x, scale=False, dtype="float64")
    np.testing.assert_array_equal(pixels(wide), [[0, 256], [70000, 16777217]],
                                  err_msg="array_to_img(x, scale=False, dtype='float64')")


@pytest.mark.behavior("preprocessing.image.array_to_img.data_format")
def test_array_to_img_channels_first(keras):
    x = ramp(3)
    first = api(keras).array_to_img(np.moveaxis(x, 2, 0), data_format="channels_first",
                                    scale=False)
    assert tuple(first.size) == (W, H), f"PIL size {first.size}, expected {(W, H)}"
    np.testing.assert_array_equal(pixels(first), x.astype("uint8"),
                                  err_msg="array_to_img(<channels, rows, cols>, "
                                          "data_format='channels_first')")
    gray = api(keras).array_to_img(np.moveaxis(ramp(1), 2, 0), data_format="channels_first",
                                   scale=False)
    np.testing.assert_array_equal(pixels(gray), ramp(1)[..., 0].astype("uint8"),
                                  err_msg="array_to_img of a (1, rows, cols) array")


@pytest.mark.behavior("preprocessing.image.array_to_img.errors")
def test_array_to_img_errors(keras):
    to_img = api(keras).array_to_img
    with pytest.raises(ValueError, match="Expected image array to have rank 3"):
        to_img(np.zeros((H, W), "float32"))
    with pytest.raises(ValueError, match="Unsupported channel number: 2"):
        to_img(np.zeros((H, W, 2), "float32"))
    with pytest.raises(ValueError, match="data_format"):
        to_img(np.zeros((H, W, 3), "float32"), data_format="channels_middle")


@pytest.mark.behavior("preprocessing.image.array_to_img.constant")
def test_array_to_img_scales_a_constant_image_to_zero(keras):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no 0 / 0 on the way
        img = api(keras).array_to_img(np.full((H, W, 3), 7.5, "float32"))
    np.testing.assert_array_equal(pixels(img), np.zeros((H, W, 3), "uint8"),
                                  err_msg="array_to_img of a constant image (scale=True)")


# -- save_img -------------------------------------------------------------------------------
@pytest.mark.behavior("preprocessing.image.save_img.scale")
def test_save_img_scales_by_default(keras, tmp_path):
    image = api(keras)
    x = ramp(3)
    image.save_img(str(tmp_path / "scaled.png"), x)
    image.save_img(str(tmp_path / "raw.png"), x, scale=False)
    scaled = image.img_to_array(image.load_img(str(tmp_path / "scaled.png")))
    raw = image.img_to_array(image.load_img(str(tmp_path / "raw.png")))
    np.testing.assert_array_equal(scaled, pixels(image.array_to_img(x)),
                                  err_msg="save_img(x) vs array_to_img(x) (scaled)")
    assert (scaled.min(), scaled.max()) == (0, 255), (scaled.min(), scaled.max())
    np.testing.assert_array_equal(raw, x.astype("uint8"), err_msg="save_img(x, scale=False)")


@pytest.mark.behavior("preprocessing.image.save_img.data_format")
def test_save_img_channels_first(keras, tmp_path):
    image = api(keras)
    x = ramp(3)
    path = str(tmp_path / "first.png")
    image.save_img(path, np.moveaxis(x, 2, 0), data_format="channels_first", scale=False)
    np.testing.assert_array_equal(image.img_to_array(image.load_img(path)), x.astype("uint8"),
                                  err_msg="save_img(path, <channels first>, data_format=...)")


@pytest.mark.behavior("preprocessing.image.save_img.file_format")
def test_save_img_to_a_file_object_with_file_format(keras):
    from PIL import Image

    x = ramp(3)
    buffer = io.BytesIO()
    api(keras).save_img(buffer, x, file_format="png", scale=False)
    buffer.seek(0)
    with Image.open(buffer) as img:
        assert img.format == "PNG", img.format
        np.testing.assert_array_equal(pixels(img), x.astype("uint8"),
                                      err_msg="save_img(<file object>, file_format='png')")


@pytest.mark.behavior("preprocessing.image.save_img.file_format")
def test_save_img_rgba_as_jpeg_drops_alpha_and_png_keeps_it(keras, tmp_path):
    from PIL import Image

    image = api(keras)
    x = ramp(4)
    jpeg = tmp_path / "rgba.jpeg"
    image.save_img(str(jpeg), x, file_format="jpeg", scale=False)
    with Image.open(jpeg) as img:
        assert (img.format, img.mode) == ("JPEG", "RGB"), (img.format, img.mode)
    png = tmp_path / "rgba.png"
    image.save_img(str(png), x, scale=False)
    with Image.open(png) as img:
        assert (img.format, img.mode) == ("PNG", "RGBA"), (img.format, img.mode)
        np.testing.assert_array_equal(pixels(img), x.astype("uint8"),
                                      err_msg="save_img(path.png, <4 channels>)")


@pytest.mark.behavior("preprocessing.image.save_img.file_format")
def test_save_img_grayscale_as_jpeg_stays_grayscale(keras, tmp_path):
    from PIL import Image

    path = tmp_path / "gray.jpeg"
    api(keras).save_img(str(path), ramp(1), file_format="jpeg")
    with Image.open(path) as img:
        assert (img.format, img.mode) == ("JPEG", "L"), (img.format, img.mode)


@pytest.mark.behavior("preprocessing.image.save_img.kwargs")
def test_save_img_passes_keyword_arguments_to_pil(keras, tmp_path):
    image = api(keras)
    x = np.zeros((64, 64, 3), "float32")
    x[::2] = 255.0  # stripes: compressible
    image.save_img(str(tmp_path / "stored.png"), x, scale=False, compress_level=0)
    image.save_img(str(tmp_path / "packed.png"), x, scale=False, compress_level=9)
    stored, packed = ((tmp_path / name).stat().st_size for name in ("stored.png", "packed.png"))
    assert stored > 64 * 64 * 3 > packed, (stored, packed)
