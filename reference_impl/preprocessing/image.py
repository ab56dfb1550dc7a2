"""Image preprocessing (Keras 2, keras.io/2.x/api/preprocessing/image): ``ImageDataGenerator``
with its NumPy-array and directory iterators, and the affine transforms it draws.

Pure NumPy: the transforms resample with bilinear (order 1) or nearest (order 0) interpolation
and the documented fill modes; Pillow is needed only to read image files.
"""

from __future__ import annotations

import math
import os
import warnings

import numpy as np

from reference_impl import backend

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".tif", ".tiff")


# -- transforms ------------------------------------------------------------------------------
def _fill_index(index, size, mode):
    """Integer indices outside [0, size) mapped into it by the fill mode."""
    if mode == "wrap":  # abcdabcd|abcd|abcdabcd, as documented
        return np.mod(index, size)
    if mode == "reflect":  # abcddcba|abcd|dcbaabcd
        period = 2 * size
        index = np.mod(index, period)
        return np.where(index >= size, period - 1 - index, index)
    # 'nearest' (aaaaaaaa|abcd|dddddddd); 'constant' replaces the points outside afterwards
    return np.clip(index, 0, size - 1)


def affine_resample(channel, matrix, offset, fill_mode, cval, order):
    """out[o] = channel(matrix @ o + offset) for every output pixel o of a 2-D array, as
    scipy.ndimage.affine_transform (which Keras 2 calls): order 0 takes the nearest pixel
    (halves round up), order 1 interpolates bilinearly; with 'constant' every sample point
    outside [0, size - 1] on either axis is ``cval``."""
    if fill_mode not in ("constant", "nearest", "reflect", "wrap"):
        raise RuntimeError("boundary mode not supported")  # SciPy's error, as Keras 2 raises it
    rows, cols = channel.shape
    grid = np.indices((rows, cols)).reshape(2, rows * cols)
    src = matrix @ grid + offset[:, None]
    outside = (src[0] < 0) | (src[0] > rows - 1) | (src[1] < 0) | (src[1] > cols - 1)
    if order == 0:
        src = np.floor(src + 0.5)
    base = np.floor(src)
    frac = src - base
    base = base.astype("int64")
    out = np.zeros(src.shape[1])
    for dr in (0, 1):
        for dc in (0, 1):
            weight = (frac[0] if dr else 1 - frac[0]) * (frac[1] if dc else 1 - frac[1])
            r = _fill_index(base[0] + dr, rows, fill_mode)
            c = _fill_index(base[1] + dc, cols, fill_mode)
            out += weight * channel[r, c].astype("float64")
    if fill_mode == "constant":
        out = np.where(outside, cval, out)
    return out.reshape(rows, cols)


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=1, col_axis=2,
                           channel_axis=0, fill_mode="nearest", cval=0.0, order=1):
    """Rotate by ``theta`` degrees, shift by ``tx`` (width) and ``ty`` (height) pixels, shear by
    ``shear`` degrees and zoom by ``zx`` (width) and ``zy`` (height) a 3-D image; same shape.

    As Keras 2: the matrices are written for (x, y) = (column, row) coordinates, composed
    rotation @ shift @ shear @ zoom, and applied about the point (x, y) = ((h - 1) / 2,
    (w - 1) / 2), h and w being the number of rows and columns: the image's centre only when it
    is square (transform_matrix_offset_center(matrix, h, w) in tf-keras)."""
    if len({row_axis, col_axis, channel_axis}) != 3:
        raise ValueError("'row_axis', 'col_axis', and 'channel_axis' must be distinct")
    if {row_axis, col_axis, channel_axis} != {0, 1, 2}:
        raise ValueError(f"Invalid axis' indices: {({row_axis, col_axis, channel_axis})}")
    if x.ndim != 3:
        raise ValueError("Input arrays must be multi-channel 2D images.")
    if channel_axis not in (0, 2):
        raise ValueError("Channels are allowed and the first and last dimensions.")
    matrices = []
    if theta:
        t = np.deg2rad(theta)
        matrices.append(np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0],
                                  [0, 0, 1]]))
    if tx or ty:
        matrices.append(np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]], dtype="float64"))
    if shear:
        s = np.deg2rad(shear)
        matrices.append(np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]]))
    if zx != 1 or zy != 1:
        matrices.append(np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]], dtype="float64"))
    if not matrices:
        return x
    transform = matrices[0]
    for m in matrices[1:]:
        transform = transform @ m
    h, w = x.shape[row_axis], x.shape[col_axis]
    ox, oy = h / 2 - 0.5, w / 2 - 0.5
    to_centre = np.array([[1, 0, ox], [0, 1, oy], [0, 0, 1]])
    from_centre = np.array([[1, 0, -ox], [0, 1, -oy], [0, 0, 1]])
    transform = to_centre @ transform @ from_centre
    if col_axis > row_axis:  # planes are (row, col) = (y, x) arrays: swap the coordinates
        transform = transform[[1, 0, 2]][:, [1, 0, 2]]
    planes = np.moveaxis(x, channel_axis, 0)
    out = np.stack([affine_resample(p, transform[:2, :2], transform[:2, 2], fill_mode, cval,
                                    order) for p in planes])
    return np.moveaxis(out, 0, channel_axis).astype(x.dtype)


def apply_channel_shift(x, intensity, channel_axis=0):
    """``x + intensity`` clipped to the minimum and maximum of ``x``."""
    del channel_axis  # every channel gets the same shift and the same (global) bounds
    return np.clip(x + intensity, np.min(x), np.max(x)).astype(x.dtype)


def apply_brightness_shift(x, brightness, scale=True):
    """PIL's ImageEnhance.Brightness(brightness) of ``array_to_img(x)``, as an array: an 8-bit
    image, so values are truncated to integers and clipped to [0, 255]. Values outside [0, 255]
    (or ``scale``) map the image's range to [0, 255] first, and back after unless ``scale``."""
    from PIL import ImageEnhance

    x_min, x_max = np.min(x), np.max(x)
    local_scale = x_min < 0 or x_max > 255
    img = ImageEnhance.Brightness(array_to_img(x, scale=local_scale or scale)).enhance(
        brightness)
    x = img_to_array(img)
    if not scale and local_scale:
        x = x / 255 * (x_max - x_min) + x_min
    return x


def flip_axis(x, axis):
    return np.flip(x, axis)


# -- the generator ---------------------------------------------------------------------------
class ImageDataGenerator:
    """Batches of image data with random augmentation (drawn per image) and standardization
    (rescale, then sample-wise, then feature-wise statistics from ``fit``)."""

    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 zca_whitening=False, zca_epsilon=1e-6, rotation_range=0,
                 width_shift_range=0.0, height_shift_range=0.0, brightness_range=None,
                 shear_range=0.0, zoom_range=0.0, channel_shift_range=0.0, fill_mode="nearest",
                 cval=0.0, horizontal_flip=False, vertical_flip=False, rescale=None,
                 preprocessing_function=None, data_format=None, validation_split=0.0,
                 interpolation_order=1, dtype=None):
        data_format = data_format or backend.image_data_format()
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError('`data_format` should be "channels_last" (channel after row and '
                             'column) or "channels_first" (channel before row and column). '
                             f"Received: {data_format}")
        if validation_split and not 0 < validation_split < 1:
            raise ValueError("`validation_split` must be strictly between 0 and 1. "
                             f" Received: {validation_split}")
        self.featurewise_center, self.samplewise_center = featurewise_center, samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening, self.zca_epsilon = zca_whitening, zca_epsilon
        self.rotation_range, self.shear_range = rotation_range, shear_range
        self.width_shift_range, self.height_shift_range = width_shift_range, height_shift_range
        self.brightness_range, self.channel_shift_range = brightness_range, channel_shift_range
        self.fill_mode, self.cval, self.interpolation_order = fill_mode, cval, interpolation_order
        self.horizontal_flip, self.vertical_flip = horizontal_flip, vertical_flip
        self.rescale, self.preprocessing_function = rescale, preprocessing_function
        self.data_format, self.validation_split = data_format, validation_split
        self.dtype = dtype or backend.floatx()
        self.channel_axis, self.row_axis, self.col_axis = (
            (3, 1, 2) if data_format == "channels_last" else (1, 2, 3))
        if isinstance(zoom_range, float | int):
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif len(zoom_range) == 2 and all(isinstance(z, float | int) for z in zoom_range):
            self.zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError("`zoom_range` should be a float or a tuple or list of two floats. "
                             f"Received: {zoom_range}")
        if brightness_range is not None and (not isinstance(brightness_range, tuple | list)
                                             or len(brightness_range) != 2):
            raise ValueError("`brightness_range should be tuple or list of two floats. "
                             f"Received: {brightness_range}")
        self.mean = self.std = self.zca_whitening_matrix = None
        # as Keras 2 (with a warning there): ZCA and std normalization imply centering, and ZCA
        # replaces the feature-wise std normalization
        overrides = []
        if zca_whitening:
            self.featurewise_center, self.featurewise_std_normalization = True, False
            overrides += ["zca_whitening", "featurewise_center"] * (not featurewise_center)
            overrides += ["zca_whitening", "featurewise_std_normalization"] * bool(
                featurewise_std_normalization)
        if featurewise_std_normalization and not featurewise_center:
            self.featurewise_center = True
            overrides += ["featurewise_std_normalization", "featurewise_center"]
        if samplewise_std_normalization and not samplewise_center:
            self.samplewise_center = True
            overrides += ["samplewise_std_normalization", "samplewise_center"]
        for by, setting in zip(overrides[::2], overrides[1::2], strict=True):
            warnings.warn(f"This ImageDataGenerator specifies `{by}`, which overrides setting "
                          f"of `{setting}`.", stacklevel=2)

    # statistics ------------------------------------------------------------------------------
    def fit(self, x, augment=False, rounds=1, seed=None):
        """Feature-wise mean and std (per channel, over samples, rows and columns) and the ZCA
        whitening matrix of ``x`` times ``rescale`` (or of ``rounds`` random transformations
        of it with ``augment``)."""
        x = np.array(x, dtype=self.dtype)  # a copy: fit leaves its argument alone
        if x.ndim != 4:
            raise ValueError(f"Input to `.fit()` should have rank 4. Got array with shape: "
                             f"{x.shape}")
        if x.shape[self.channel_axis] not in (1, 3, 4):
            warnings.warn(f"Expected input to be images (as Numpy array) following the data "
                          f"format convention \"{self.data_format}\" (channels on axis "
                          f"{self.channel_axis}), i.e. expected either 1, 3 or 4 channels on "
                          f"axis {self.channel_axis}. However, it was passed an array with "
                          f"shape {x.shape} ({x.shape[self.channel_axis]} channels).",
                          stacklevel=2)
        if self.rescale:
            x *= self.rescale
        if augment:
            rng = np.random.RandomState(seed)
            x = np.concatenate([np.stack([self.random_transform(s, rng=rng) for s in x])
                                for _ in range(rounds)]).astype(self.dtype)
        shape = [1, 1, 1]
        shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        axes = (0, self.row_axis, self.col_axis)
        if self.featurewise_center:
            self.mean = np.mean(x, axis=axes).reshape(shape)
            x = x - self.mean
        if self.featurewise_std_normalization:  # never with zca_whitening, which clears it
            self.std = np.std(x, axis=axes).reshape(shape)
        if self.zca_whitening:
            # the singular values s of the data are sqrt(n) times the square roots of the
            # eigenvalues of its second moment; Keras 2 adds zca_epsilon to s itself
            flat = x.reshape(len(x), -1)
            u, s, _ = np.linalg.svd(flat.T, full_matrices=False)
            self.zca_whitening_matrix = (u * (np.sqrt(len(x)) / (s + self.zca_epsilon))) @ u.T

    def standardize(self, x):
        """Preprocessing function, rescale, then sample-wise and feature-wise normalization of
        one image or a batch, in place as in Keras 2 (the statistics come from ``fit``)."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        for flag, statistic in (("featurewise_center", self.mean),
                                ("featurewise_std_normalization", self.std),
                                ("zca_whitening", self.zca_whitening_matrix)):
            if getattr(self, flag) and statistic is None:
                warnings.warn(f"This ImageDataGenerator specifies `{flag}`, but it hasn't been "
                              f"fit on any training data. Fit it first by calling "
                              f"`.fit(numpy_data)`.", stacklevel=2)
        if self.featurewise_center and self.mean is not None:
            x -= self.mean
        if self.featurewise_std_normalization and self.std is not None:
            x /= self.std + 1e-6
        if self.zca_whitening and self.zca_whitening_matrix is not None:
            x = (x.reshape(-1, np.prod(x.shape[-3:])) @ self.zca_whitening_matrix).reshape(
                x.shape)
        return x

    # augmentation ----------------------------------------------------------------------------
    @staticmethod
    def _shift(value, size, rng):
        """A shift drawn as Keras 2 does: an int n gives an integer in (-n, n) and a 1-D
        array-like one of its elements, each with a random sign; a float a number in
        [-value, value). Values all below 1 are fractions of ``size``."""
        try:
            shift = rng.choice(value) * rng.choice([-1, 1])
        except ValueError:  # a float: choice takes only an int or a 1-D array-like
            shift = rng.uniform(-value, value)
        if np.max(value) < 1:
            shift *= size
        return shift

    def get_random_transform(self, img_shape, seed=None, rng=None):
        """The parameters of one random transformation of an image of shape ``img_shape``."""
        rng = rng or (np.random.RandomState(seed) if seed is not None else np.random)
        rows, cols = img_shape[self.row_axis - 1], img_shape[self.col_axis - 1]
        theta = rng.uniform(-self.rotation_range, self.rotation_range) if (
            self.rotation_range) else 0
        # tx and ty shift in the x (width) and y (height) directions (apply_transform's
        # documentation). Keras 2 draws tx from height_shift_range and ty from
        # width_shift_range, so that its width shift moves the image vertically: not followed
        # here (keras-team/tf-keras#310)
        tx = self._shift(self.width_shift_range, cols, rng) if self.width_shift_range else 0
        ty = self._shift(self.height_shift_range, rows, rng) if self.height_shift_range else 0
        shear = rng.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx = zy = 1
        else:
            zx, zy = rng.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        params = {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
                  "flip_horizontal": bool(self.horizontal_flip and rng.rand() < 0.5),
                  "flip_vertical": bool(self.vertical_flip and rng.rand() < 0.5),
                  "channel_shift_intensity": None, "brightness": None}
        if self.channel_shift_range:
            params["channel_shift_intensity"] = rng.uniform(-self.channel_shift_range,
                                                            self.channel_shift_range)
        if self.brightness_range is not None:
            params["brightness"] = rng.uniform(*self.brightness_range)
        return params

    def apply_transform(self, x, transform_parameters):
        """One image transformed by the given parameters (same shape)."""
        p = transform_parameters
        channel, row, col = self.channel_axis - 1, self.row_axis - 1, self.col_axis - 1
        x = apply_affine_transform(x, p.get("theta", 0), p.get("tx", 0), p.get("ty", 0),
                                   p.get("shear", 0), p.get("zx", 1), p.get("zy", 1),
                                   row_axis=row, col_axis=col, channel_axis=channel,
                                   fill_mode=self.fill_mode, cval=self.cval,
                                   order=self.interpolation_order)
        if p.get("channel_shift_intensity") is not None:
            x = apply_channel_shift(x, p["channel_shift_intensity"], channel)
        if p.get("flip_horizontal", False):
            x = flip_axis(x, col)
        if p.get("flip_vertical", False):
            x = flip_axis(x, row)
        if p.get("brightness") is not None:
            x = apply_brightness_shift(x, p["brightness"], scale=False)
        return x

    def random_transform(self, x, seed=None, rng=None):
        return self.apply_transform(x, self.get_random_transform(x.shape, seed, rng))

    # iterators -------------------------------------------------------------------------------
    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None,
             save_to_dir=None, save_prefix="", save_format="png", ignore_class_split=False,
             subset=None):
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle,
                                  sample_weight=sample_weight, seed=seed, subset=subset,
                                  ignore_class_split=ignore_class_split,
                                  save_to_dir=save_to_dir, save_prefix=save_prefix,
                                  save_format=save_format)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb",
                            classes=None, class_mode="categorical", batch_size=32, shuffle=True,
                            seed=None, save_to_dir=None, save_prefix="", save_format="png",
                            follow_links=False, subset=None, interpolation="nearest",
                            keep_aspect_ratio=False):
        return DirectoryIterator(directory, self, target_size=target_size,
                                 color_mode=color_mode, classes=classes, class_mode=class_mode,
                                 batch_size=batch_size, shuffle=shuffle, seed=seed,
                                 follow_links=follow_links, subset=subset,
                                 interpolation=interpolation, save_to_dir=save_to_dir,
                                 save_prefix=save_prefix, save_format=save_format,
                                 keep_aspect_ratio=keep_aspect_ratio)


class Iterator:
    """Batches of indices into ``n`` samples: ``len`` is ceil(n / batch_size), ``it[i]`` the
    i-th batch of the current epoch, ``next(it)`` loops over epochs; shuffled per epoch."""

    def __init__(self, n, batch_size, shuffle, seed):
        self.n, self.batch_size, self.shuffle, self.seed = n, batch_size, shuffle, seed
        self.epoch = 0
        self.batch_index = 0
        self.total_batches_seen = 0
        self.index_array = None

    def _set_index_array(self):
        if self.shuffle:
            rng = np.random.RandomState(None if self.seed is None else self.seed + self.epoch)
            self.index_array = rng.permutation(self.n)
        else:
            self.index_array = np.arange(self.n)

    def __len__(self):
        return math.ceil(self.n / self.batch_size)

    def __getitem__(self, idx):
        if idx >= len(self):
            raise ValueError(f"Asked to retrieve element {idx}, but the Sequence has length "
                             f"{len(self)}")
        if self.index_array is None:
            self._set_index_array()
        indices = self.index_array[self.batch_size * idx:self.batch_size * (idx + 1)]
        return self._batch(indices, self._rng(idx))

    def _rng(self, idx):
        if self.seed is None:
            return np.random.RandomState()
        return np.random.RandomState((self.seed + 7919 * self.epoch + idx) % 2**32)

    def on_epoch_end(self):
        self.epoch += 1
        self._set_index_array()

    def reset(self):
        self.batch_index = 0

    def __iter__(self):
        return self

    def __next__(self):
        if self.index_array is None:
            self._set_index_array()
        idx = self.batch_index
        batch = self[idx]
        self.total_batches_seen += 1
        self.batch_index += 1
        if self.batch_index >= len(self):
            self.batch_index = 0
            self.on_epoch_end()
        return batch

    def _batch(self, indices, rng):
        raise NotImplementedError

    def _save(self, batch, indices, rng):
        """With ``save_to_dir``, each image of the batch (scaled to [0, 255]) as
        ``<save_prefix>_<index>_<random number>.<save_format>``."""
        if not self.save_to_dir:
            return
        data_format = self.image_data_generator.data_format
        for image, index in zip(batch, indices, strict=True):
            name = f"{self.save_prefix}_{index}_{rng.randint(10**4)}.{self.save_format}"
            array_to_img(image, data_format, scale=True).save(
                os.path.join(self.save_to_dir, name))


def _subset(n, generator, subset):
    """The index range of ``subset`` ('validation' first, 'training' the rest) or all."""
    if subset is None:
        return 0, n
    if subset not in ("training", "validation"):
        raise ValueError(f"Invalid subset name: {subset}; expected 'training' or 'validation'")
    split = int(generator.validation_split * n)
    return (0, split) if subset == "validation" else (split, n)


class NumpyArrayIterator(Iterator):
    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False,
                 sample_weight=None, seed=None, subset=None, ignore_class_split=False,
                 save_to_dir=None, save_prefix="", save_format="png"):
        x = np.asarray(x, dtype=image_data_generator.dtype)
        if y is not None and len(x) != len(y):
            raise ValueError("`x` (images tensor) and `y` (labels) should have the same "
                             f"length. Found: x.shape = {x.shape}, y.shape = "
                             f"{np.asarray(y).shape}")
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError("`x` (images tensor) and `sample_weight` should have the same "
                             f"length. Found: x.shape = {x.shape}, sample_weight.shape = "
                             f"{np.asarray(sample_weight).shape}")
        if x.ndim != 4:
            raise ValueError(f"Input data in `NumpyArrayIterator` should have rank 4. You "
                             f"passed an array with shape {x.shape}")
        channel_axis = image_data_generator.channel_axis
        if x.shape[channel_axis] not in (1, 3, 4):
            warnings.warn(f"NumpyArrayIterator is set to use the data format convention "
                          f"\"{image_data_generator.data_format}\" (channels on axis "
                          f"{channel_axis}), i.e. expected either 1, 3, or 4 channels on axis "
                          f"{channel_axis}. However, it was passed an array with shape "
                          f"{x.shape} ({x.shape[channel_axis]} channels).", stacklevel=3)
        self.save_to_dir, self.save_prefix, self.save_format = (save_to_dir, save_prefix,
                                                                save_format)
        start, stop = _subset(len(x), image_data_generator, subset)
        if subset is not None and y is not None and not ignore_class_split:
            split = stop if subset == "validation" else start
            labels = np.asarray(y)
            if not np.array_equal(np.unique(labels[:split]), np.unique(labels[split:])):
                raise ValueError("Training and validation subsets have different number of "
                                 "classes after the split. If your numpy arrays are sorted by "
                                 "the label, you might want to shuffle them.")
        self.x = x[start:stop]
        self.y = None if y is None else np.asarray(y)[start:stop]
        self.sample_weight = (None if sample_weight is None
                              else np.asarray(sample_weight)[start:stop])
        self.image_data_generator = image_data_generator
        super().__init__(len(self.x), batch_size, shuffle, seed)

    def _batch(self, indices, rng):
        gen = self.image_data_generator
        batch = np.stack([gen.standardize(gen.random_transform(self.x[i].copy(), rng=rng))
                          for i in indices]).astype(gen.dtype)
        self._save(batch, indices, rng)
        if self.y is None:  # "If y is None, only the NumPy array x is returned"
            return batch
        out = (batch, self.y[indices])
        return out if self.sample_weight is None else (*out, self.sample_weight[indices])


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """A PIL image, converted to 'grayscale' (L), 'rgb' or 'rgba' and resized to
    (height, width) = ``target_size`` if given; with ``keep_aspect_ratio`` from the largest
    centred box of the target's aspect ratio (integer pixel arithmetic as Keras 2)."""
    from PIL import Image  # only image files need Pillow

    methods = {"nearest": Image.NEAREST, "bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}
    with open(path, "rb") as f:
        img = Image.open(f)
        img.load()
    mode = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}[color_mode]
    if img.mode != mode:
        img = img.convert(mode)
    if target_size is not None and img.size != (target_size[1], target_size[0]):
        box = None
        if keep_aspect_ratio:
            (width, height), (rows, cols) = img.size, target_size
            crop_width = min(width, height * cols // rows)
            crop_height = min(height, width * rows // cols)
            left, top = (width - crop_width) // 2, (height - crop_height) // 2
            box = (left, top, left + crop_width, top + crop_height)
        img = img.resize((target_size[1], target_size[0]), methods[interpolation], box=box)
    return img


def img_to_array(img, data_format=None, dtype=None):
    x = np.asarray(img, dtype=dtype or backend.floatx())
    if x.ndim == 2:
        x = x[:, :, None]
    if (data_format or backend.image_data_format()) == "channels_first":
        x = np.moveaxis(x, 2, 0)
    return x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A PIL image (RGB, RGBA or L by the channel count) of a 3-D array; ``scale`` maps the
    array's minimum and maximum to 0 and 255 first."""
    from PIL import Image

    x = np.asarray(x, dtype=dtype or backend.floatx())
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with "
                         f"shape: {x.shape}")
    data_format = data_format or backend.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"Invalid data_format: {data_format}")
    if data_format == "channels_first":
        x = np.moveaxis(x, 0, 2)
    if scale:
        x = x - np.min(x)
        if np.max(x) != 0:
            x = x / np.max(x)
        x = x * 255
    modes = {4: "RGBA", 3: "RGB"}
    if x.shape[2] in modes:
        return Image.fromarray(x.astype("uint8"), modes[x.shape[2]])
    if x.shape[2] == 1:
        if np.max(x) > 255:
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {x.shape[2]}")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Write a 3-D array as an image file (format from the extension unless given)."""
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format in ("jpg", "jpeg"):
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


class DirectoryIterator(Iterator):
    """Images read from ``directory/<class>/...``; classes are the sub-directories in
    alphanumeric order unless given."""

    def __init__(self, directory, image_data_generator, target_size=(256, 256),
                 color_mode="rgb", classes=None, class_mode="categorical", batch_size=32,
                 shuffle=True, seed=None, follow_links=False, subset=None,
                 interpolation="nearest", save_to_dir=None, save_prefix="", save_format="png",
                 keep_aspect_ratio=False):
        if color_mode not in ("grayscale", "rgb", "rgba"):
            raise ValueError(f"Invalid color mode: {color_mode}; expected \"rgb\", \"rgba\", "
                             f"or \"grayscale\".")
        if class_mode not in ("categorical", "binary", "sparse", "input", None):
            raise ValueError(f"Invalid class_mode: {class_mode}; expected one of "
                             f"\"categorical\", \"binary\", \"sparse\", \"input\" or None.")
        self.directory, self.image_data_generator = directory, image_data_generator
        self.target_size, self.color_mode = tuple(target_size), color_mode
        self.class_mode, self.interpolation = class_mode, interpolation
        self.keep_aspect_ratio = keep_aspect_ratio
        self.save_to_dir, self.save_prefix, self.save_format = (save_to_dir, save_prefix,
                                                                save_format)
        channels = {"grayscale": 1, "rgb": 3, "rgba": 4}[color_mode]
        if image_data_generator.data_format == "channels_last":
            self.image_shape = (*self.target_size, channels)
        else:
            self.image_shape = (channels, *self.target_size)
        if classes is None:
            classes = sorted(d for d in os.listdir(directory)
                             if os.path.isdir(os.path.join(directory, d)))
        self.class_indices = {name: i for i, name in enumerate(classes)}
        self.num_classes = len(classes)
        filenames, labels = [], []
        for name in classes:
            found = []
            for root, _, files in sorted(os.walk(os.path.join(directory, name),
                                                 followlinks=follow_links)):
                found += [os.path.relpath(os.path.join(root, f), directory) for f in sorted(files)
                          if f.lower().endswith(IMAGE_EXTENSIONS)]
            start, stop = _subset(len(found), image_data_generator, subset)
            filenames += found[start:stop]
            labels += [self.class_indices[name]] * (stop - start)
        self.filenames = filenames
        self.filepaths = [os.path.join(directory, f) for f in filenames]
        self.classes = np.array(labels, dtype="int32")
        self.samples = len(filenames)
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def labels(self):
        return self.classes

    def _batch(self, indices, rng):
        gen = self.image_data_generator
        images = []
        for i in indices:
            img = load_img(self.filepaths[i], color_mode=self.color_mode,
                           target_size=self.target_size, interpolation=self.interpolation,
                           keep_aspect_ratio=self.keep_aspect_ratio)
            x = img_to_array(img, data_format=gen.data_format, dtype=gen.dtype)
            images.append(gen.standardize(gen.random_transform(x, rng=rng)))
        batch = np.stack(images).astype(gen.dtype)
        self._save(batch, indices, rng)
        labels = self.classes[indices]
        if self.class_mode == "input":
            return batch, batch.copy()
        if self.class_mode == "sparse":
            return batch, labels.astype(gen.dtype)
        if self.class_mode == "binary":
            return batch, labels.astype(gen.dtype)
        if self.class_mode == "categorical":
            return batch, np.eye(self.num_classes, dtype=gen.dtype)[labels]
        return batch
