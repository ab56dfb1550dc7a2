"""Choosing the implementation: names, missing packages, third-party modules."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from conformance import registry
from conftest import REPO


def load_with_blocked_modules(name: str, blocked: list[str]) -> str:
    """registry.load(name) in a fresh interpreter where ``blocked`` modules cannot be
    imported, as on a machine without them; returns the error line."""
    code = textwrap.dedent(f"""
        import sys
        for module in {blocked!r}:
            sys.modules[module] = None  # import raises ModuleNotFoundError
        from conformance import registry
        try:
            registry.load({name!r})
        except registry.ImplementationError as exc:
            print(exc)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPO)
    return result.stdout.strip()


@pytest.mark.parametrize("name, blocked, needs", [
    ("tfkeras-legacy", ["tf_keras", "tensorflow"], "tensorflow and tf-keras"),
    ("tfkeras", ["tensorflow"], "tensorflow"),
    ("keras-jax", ["keras"], "keras and jax"),
    ("keras-torch", ["keras"], "keras and torch"),
])
def test_missing_package_names_the_tox_env(name, blocked, needs):
    message = load_with_blocked_modules(name, blocked)
    assert message.startswith(f"implementation {name!r} needs {needs}, but ")
    assert message.endswith(f"is not installed; run it with `tox -e {name}`")


def test_unknown_name_lists_the_known_names():
    with pytest.raises(registry.ImplementationError) as info:
        registry.load("keras-tpu")
    assert str(info.value) == (
        "unknown implementation 'keras-tpu'; known: reference, tfkeras, tfkeras-legacy, "
        "keras-jax, keras-torch, keras-tensorflow, keras-numpy, module:<dotted.path>")


def test_every_registered_name_has_a_tox_env():
    tox_ini = (REPO / "tox.ini").read_text()
    for name in registry.REGISTRY:
        assert f"[testenv:{name}]" in tox_ini, name


def test_reference_is_keras_2_on_numpy():
    impl = registry.load("reference")
    assert (impl.keras_major, impl.backend, impl.device) == (2, "numpy", "CPU")
    for submodule in ("models", "layers", "optimizers", "losses", "metrics", "activations",
                      "utils", "preprocessing", "backend", "callbacks", "initializers"):
        assert hasattr(impl.keras, submodule), submodule


def test_module_prefix_loads_any_namespace():
    impl = registry.load("module:reference_impl")
    assert impl.name == "module:reference_impl" and impl.keras.__name__ == "reference_impl"


@pytest.mark.parametrize("name", ["tfkeras", "tfkeras-legacy", "keras-tensorflow"])
@pytest.mark.parametrize("preset, expected", [(None, "1"), ("0", "0")])
def test_tensorflow_gets_onednn_unless_the_user_chose(name, preset, expected):
    # Without oneDNN, TF's CPU kernels refuse channels_first conv on AVX2-only hosts.
    code = textwrap.dedent(f"""
        import os, sys
        os.environ.pop("TF_ENABLE_ONEDNN_OPTS", None)
        if {preset!r} is not None:
            os.environ["TF_ENABLE_ONEDNN_OPTS"] = {preset!r}
        sys.modules["tensorflow"] = sys.modules["tf_keras"] = sys.modules["keras"] = None
        from conformance import registry
        try:
            registry.load({name!r})
        except registry.ImplementationError:
            pass
        print(os.environ.get("TF_ENABLE_ONEDNN_OPTS"))
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPO)
    assert result.stdout.strip() == expected, result.stderr
