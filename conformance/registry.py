"""Which Keras implementation a run checks, and how to load it.

An implementation is a *namespace*: a module with ``models``, ``layers``, ``optimizers``, ...
as ``keras`` and ``tf.keras`` have. The suite only ever touches it through that namespace, so
an alternate Keras plugs in with ``KERAS_IMPL=module:my_keras``.
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
from dataclasses import dataclass, field
from types import ModuleType

from conformance import adapters


class ImplementationError(Exception):
    """The implementation cannot be loaded; the message is one line for the user."""


@dataclass
class Implementation:
    name: str
    keras: ModuleType  # the namespace the tests use as ``keras``
    version: str
    backend: str
    device: str
    keras_major: int
    adapter: adapters.TensorAdapter | None = None
    packages: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        return (
            f"{self.name} (Keras {self.version}, backend {self.backend}, device {self.device})"
        )

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "version": self.version,
            "backend": self.backend,
            "device": self.device,
            "keras_major": self.keras_major,
            "adapter": self.adapter.name if self.adapter else None,
        }


# name -> (loader, tox env that installs it, what it needs)
def _load_reference() -> ModuleType:
    return importlib.import_module("reference_impl")


def _load_tf_keras(legacy: bool) -> ModuleType:
    if sys.modules.get("tensorflow") is not None and _legacy_flag() != legacy:
        raise ImplementationError(
            "TensorFlow was already imported with another TF_USE_LEGACY_KERAS setting; "
            "run tfkeras and tfkeras-legacy in separate processes"
        )
    os.environ["TF_USE_LEGACY_KERAS"] = "1" if legacy else "0"
    _tensorflow_defaults()
    if legacy:
        importlib.import_module("tf_keras")  # fails early and clearly when tf-keras is missing
    tf = importlib.import_module("tensorflow")
    return tf.keras


def _tensorflow_defaults() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # TensorFlow turns oneDNN on by itself only on CPUs with AVX-512 or AMX. Without it (seen on
    # an AVX2-only AMD EPYC) its CPU kernels refuse channels_first conv and pooling ("only
    # supports NHWC"), so the oracle's answers would depend on the host the suite runs on.
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")


def _legacy_flag() -> bool:
    return os.environ.get("TF_USE_LEGACY_KERAS", "0").lower() in ("1", "true")


def _load_keras3(backend: str) -> ModuleType:
    current = os.environ.get("KERAS_BACKEND")
    if sys.modules.get("keras") is not None and current not in (None, backend):
        raise ImplementationError(
            f"keras was already imported with KERAS_BACKEND={current}; cannot switch to {backend}"
        )
    os.environ["KERAS_BACKEND"] = backend
    if backend == "tensorflow":
        _tensorflow_defaults()
    keras = importlib.import_module("keras")
    if keras.backend.backend() != backend:
        raise ImplementationError(
            f"keras loaded backend {keras.backend.backend()!r}, expected {backend!r}"
        )
    return keras


@dataclass(frozen=True)
class Entry:
    loader: object  # () -> the Keras namespace
    tox_env: str
    needs: str  # what it needs installed, for the error message
    adapter: object  # (namespace) -> TensorAdapter


def _keras3_adapter(keras):
    return adapters.Keras3Adapter(keras)


REGISTRY: dict[str, Entry] = {
    "reference": Entry(_load_reference, "reference", "this project's reference_impl",
                       lambda keras: adapters.ReferenceAdapter()),
    "tfkeras": Entry(lambda: _load_tf_keras(legacy=False), "tfkeras", "tensorflow",
                     _keras3_adapter),
    "tfkeras-legacy": Entry(lambda: _load_tf_keras(legacy=True), "tfkeras-legacy",
                            "tensorflow and tf-keras", lambda keras: adapters.TensorFlowAdapter()),
    "keras-jax": Entry(lambda: _load_keras3("jax"), "keras-jax", "keras and jax",
                       _keras3_adapter),
    "keras-torch": Entry(lambda: _load_keras3("torch"), "keras-torch", "keras and torch",
                         _keras3_adapter),
    "keras-tensorflow": Entry(lambda: _load_keras3("tensorflow"), "keras-tensorflow",
                              "keras and tensorflow", _keras3_adapter),
    "keras-numpy": Entry(lambda: _load_keras3("numpy"), "keras-numpy", "keras and scipy",
                         _keras3_adapter),
}

REQUIRED_SUBMODULES = ("models", "layers")


def known_names() -> str:
    return ", ".join([*REGISTRY, "module:<dotted.path>"])


def load(name: str) -> Implementation:
    """Load the implementation called ``name`` or raise ImplementationError (one line)."""
    if name.startswith("module:"):
        namespace = _load_module(name.removeprefix("module:"))
        adapter = adapters.for_namespace(namespace)
    elif name in REGISTRY:
        entry = REGISTRY[name]
        try:
            namespace = entry.loader()
        except ModuleNotFoundError as exc:
            raise ImplementationError(
                f"implementation {name!r} needs {entry.needs}, but {exc.name!r} is not "
                f"installed; run it with `tox -e {entry.tox_env}`"
            ) from None
        adapter = entry.adapter(namespace)
    else:
        raise ImplementationError(f"unknown implementation {name!r}; known: {known_names()}")
    return _describe(name, namespace, adapter)


def _load_module(path: str) -> ModuleType:
    if not path:
        raise ImplementationError("module: needs a dotted module path, e.g. module:my_keras")
    try:
        namespace = importlib.import_module(path)
    except ImportError as exc:
        raise ImplementationError(f"cannot import module {path!r}: {exc}") from None
    missing = [sub for sub in REQUIRED_SUBMODULES if not hasattr(namespace, sub)]
    if missing:
        raise ImplementationError(
            f"module {path!r} is not a Keras namespace: it has no {', '.join(missing)} "
            f"(a Keras namespace exposes models, layers, optimizers, losses, ...)"
        )
    return namespace


# the distribution whose version is the implementation's when its namespace has no __version__
DISTRIBUTION = {"tfkeras-legacy": "tf-keras", "tfkeras": "keras"}


def _describe(name: str, keras: ModuleType, adapter=None) -> Implementation:
    version = str(getattr(keras, "__version__", None) or _dist_version(DISTRIBUTION.get(name)))
    backend = _backend_name(keras)
    # an implementation that is not Keras itself may say which Keras API it implements
    api_version = str(getattr(keras, "__keras_api_version__", version))
    major = int(api_version.split(".")[0]) if api_version[:1].isdigit() else 0
    return Implementation(
        name=name,
        keras=keras,
        version=version,
        backend=backend,
        device=_device(backend),
        keras_major=major,
        adapter=adapter,
        packages=_package_versions(),
    )


def _dist_version(dist: str | None) -> str:
    from importlib import metadata

    try:
        return metadata.version(dist) if dist else "unknown"
    except metadata.PackageNotFoundError:
        return "unknown"


def _backend_name(keras: ModuleType) -> str:
    backend = getattr(keras, "backend", None)
    fn = getattr(backend, "backend", None)
    try:
        return str(fn()) if callable(fn) else "unknown"
    except Exception:  # an implementation's bug must not hide the run
        return "unknown"


def _device(backend: str) -> str:
    try:
        if backend == "tensorflow":
            tf = sys.modules["tensorflow"]
            gpus = tf.config.list_physical_devices("GPU")
            return f"GPU x{len(gpus)}" if gpus else "CPU"
        if backend == "jax":
            import jax

            device = jax.devices()[0]
            return f"{device.platform.upper()} ({device.device_kind})"
        if backend == "torch":
            import torch

            return f"GPU ({torch.cuda.get_device_name(0)})" if torch.cuda.is_available() else "CPU"
    except Exception:
        return "unknown"
    return "CPU"


def _package_versions() -> dict[str, str]:
    from importlib import metadata

    names = ["numpy", "tensorflow", "tf-keras", "keras", "jax", "jaxlib", "torch", "h5py",
             "pytest", "hypothesis", "keras-conformance"]
    versions = {"python": platform.python_version()}
    for dist in names:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return versions
