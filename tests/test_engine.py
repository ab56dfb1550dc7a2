"""The reference's engine internals: names, nodes, graph order, shape inference, activity
losses, Sequential bookkeeping, configs and the HDF5 layout.

Conformance (what Keras documents) is checked by conformance/suite; these tests pin down how
the reference gets there, where a regression would otherwise show up far from its cause.
"""

from __future__ import annotations

import platform

import h5py
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import reference_impl as keras
from reference_impl import autodiff as ad
from reference_impl.engine import base_layer
from reference_impl.engine.functional import _map_graph

layers = keras.layers


@pytest.fixture(autouse=True)
def _fresh_names():
    keras.backend.clear_session()


# -- names ------------------------------------------------------------------------------
@pytest.mark.parametrize("class_name, expected", [
    ("Dense", "dense"), ("Conv2D", "conv2d"), ("SimpleRNN", "simple_rnn"), ("LSTM", "lstm"),
    ("GlobalMaxPooling1D", "global_max_pooling1d"), ("TimeDistributed", "time_distributed"),
    ("InputLayer", "input_layer"),
])
def test_snake_case_matches_keras_default_names(class_name, expected):
    assert base_layer.snake_case(class_name) == expected


def test_names_count_per_class_and_reset_with_clear_session():
    assert [layers.Dense(1).name for _ in range(3)] == ["dense", "dense_1", "dense_2"]
    assert layers.Dropout(0.1).name == "dropout"
    assert [keras.Input((2,)).name for _ in range(2)] == ["input_1", "input_2"]
    keras.backend.clear_session()
    assert layers.Dense(1).name == "dense"
    assert keras.Input((2,)).name == "input_1"


def test_sequential_names_its_input_after_the_first_layer():
    model = keras.models.Sequential([layers.Dense(2, input_dim=3, name="first")])
    assert model.inputs[0].name == "first_input"


# -- nodes ------------------------------------------------------------------------------
def test_each_symbolic_call_adds_a_node_recording_its_tensors():
    a, b = keras.Input((3,)), keras.Input((3,))
    shared = layers.Dense(2)
    out_a, out_b = shared(a), shared(b)
    assert len(shared._inbound_nodes) == 2
    node = shared._inbound_nodes[1]
    assert node.layer is shared and node.inputs == [b] and node.outputs == [out_b]
    assert out_a._keras_history == (shared, 0, 0)
    assert out_b._keras_history == (shared, 1, 0)
    assert out_b.node is node and node.parent_nodes == [b.node]


def test_eager_calls_add_no_node():
    dense = layers.Dense(2)
    dense(np.ones((4, 3), "float32"))
    assert dense._inbound_nodes == []


def test_list_inputs_are_unpacked_as_a_list_and_single_inputs_as_a_tensor():
    a, b = keras.Input((3,)), keras.Input((3,))
    add = layers.Add()
    add([a, b])
    dense = layers.Dense(1)
    dense(a)
    assert add.get_input_at(0) == [a, b]
    assert dense.get_input_at(0) is a


def test_several_outputs_get_one_tensor_index_each():
    x = keras.Input((5, 3))
    lstm = layers.LSTM(4, return_state=True)
    outputs = lstm(x)
    assert [t._keras_history[2] for t in outputs] == [0, 1, 2]
    assert lstm.get_output_at(0) == outputs


# -- graph order ------------------------------------------------------------------------
def test_layers_are_ordered_by_depth_then_by_walk_order():
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    deep = layers.Dense(4, name="d3")(layers.Dense(4, name="d2")(layers.Dense(4, name="d1")(a)))
    shallow = layers.Dense(4, name="e1")(b)
    model = keras.Model([a, b], layers.concatenate([deep, shallow], name="cat"))
    # a is 4 deep, d1 3, d2 and b 2, d3 and e1 1, cat 0 (tf-keras 2.21 gives the same)
    assert [layer.name for layer in model.layers] == ["a", "d1", "d2", "b", "d3", "e1", "cat"]


def test_an_unused_input_still_belongs_to_the_model():
    a, b = keras.Input((2,), name="used"), keras.Input((2,), name="unused")
    model = keras.Model([a, b], layers.Dense(1, name="d")(a))
    assert [layer.name for layer in model.layers] == ["used", "unused", "d"]  # as tf-keras
    assert model.predict([np.ones((1, 2)), np.ones((1, 2))]).shape == (1, 1)


def _random_dag(data):
    """Inputs, then layers each reading one or two earlier tensors (Dense or Add)."""
    tensors = [keras.Input((3,)) for _ in range(data.draw(st.integers(1, 3), label="inputs"))]
    for _ in range(data.draw(st.integers(1, 6), label="layers")):
        picks = data.draw(st.lists(st.integers(0, len(tensors) - 1), min_size=1, max_size=2,
                                   unique=True), label="reads")
        sources = [tensors[i] for i in picks]
        tensors.append(layers.Dense(3)(sources[0]) if len(sources) == 1
                       else layers.Add()(sources))
    return tensors


@given(st.data())
def test_nodes_run_after_the_nodes_they_read(data):
    tensors = _random_dag(data)
    inputs = [t for t in tensors if not t.node.inputs]
    nodes, ordered_layers = _map_graph(inputs, [tensors[-1]])
    position = {id(node): i for i, node in enumerate(nodes)}
    for node in nodes:
        for parent in node.inputs:
            assert position[id(parent.node)] < position[id(node)]
    assert len(ordered_layers) == len(set(ordered_layers))
    assert {node.layer for node in nodes} <= set(ordered_layers)


@given(st.data())
def test_model_output_equals_calling_the_layers_eagerly(data):
    tensors = _random_dag(data)
    inputs = [t for t in tensors if not t.node.inputs]
    model = keras.Model(inputs, tensors[-1])
    arrays = [np.random.default_rng(i).normal(size=(2, 3)).astype("float32")
              for i in range(len(inputs))]
    values = {id(t): a for t, a in zip(inputs, arrays, strict=True)}
    for t in tensors[len(inputs):]:
        node = t.node
        args = node.unpack_inputs([values[id(x)] for x in node.inputs])
        values[id(t)] = node.layer(args).data
    np.testing.assert_allclose(model.predict(arrays), values[id(tensors[-1])], rtol=1e-6)


def test_disconnected_graph_is_refused():
    a, b = keras.Input((2,)), keras.Input((2,))
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Model(a, layers.Dense(1)(b))


# -- shapes -----------------------------------------------------------------------------
class _Repeat(layers.Layer):
    """No compute_output_shape: the base class finds it with a trial call."""

    def call(self, inputs):
        return keras.backend.concatenate([inputs, inputs], axis=1)


def test_default_output_shape_comes_from_a_trial_call_keeping_unknown_dims_unknown():
    assert _Repeat()(keras.Input((None, 3))).shape == (None, None, 3)
    assert _Repeat()(keras.Input((4, 3))).shape == (None, 8, 3)
    assert _Repeat()(keras.Input(batch_shape=(5, 4, 3))).shape == (5, 8, 3)


def test_trial_calls_record_no_activity_loss():
    class Penalized(_Repeat):
        pass

    layer = Penalized(activity_regularizer="l2")
    layer(keras.Input((2,)))
    assert layer.losses == []


# -- activity losses --------------------------------------------------------------------
def test_a_shared_layer_keeps_the_activity_losses_of_all_its_calls_in_one_pass():
    l1 = keras.regularizers.l1(1.0)
    shared = layers.Dense(1, kernel_initializer="ones", activity_regularizer=l1)
    a, b = keras.Input((2,)), keras.Input((2,))
    model = keras.Model([a, b], layers.add([shared(a), shared(b)]))
    ones = np.ones((1, 2), "float32")
    model.predict([ones, 2 * ones])
    assert sorted(float(loss.data) for loss in model.losses) == [2.0, 4.0]
    model.predict([ones, ones])  # a new pass replaces them
    assert sorted(float(loss.data) for loss in model.losses) == [2.0, 2.0]


# -- weights ----------------------------------------------------------------------------
def test_weight_names_follow_keras_2():
    dense = layers.Dense(2, name="d")
    dense.build((None, 3))
    assert [w.name for w in dense.weights] == ["d/kernel:0", "d/bias:0"]


def test_model_weights_go_layer_by_layer_even_when_one_is_frozen():
    model = keras.models.Sequential([layers.Dense(2, input_dim=2, name="a"),
                                     layers.Dense(2, name="b")])
    model.layers[0].trainable = False
    assert [w.name for w in model.weights] == ["a/kernel:0", "a/bias:0", "b/kernel:0",
                                               "b/bias:0"]
    assert [w.name for w in model.trainable_weights] == ["b/kernel:0", "b/bias:0"]


def test_custom_layers_own_the_layers_they_hold():
    class Block(layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = [layers.Dense(3), layers.Dense(1)]

        def call(self, inputs):
            return self.inner[1](self.inner[0](inputs))

    block = Block()
    block(np.ones((2, 4), "float32"))
    assert [w.shape for w in block.weights] == [(4, 3), (3,), (3, 1), (1,)]
    block.trainable = False
    assert block.trainable_weights == [] and not block.inner[0].trainable


# -- Sequential -------------------------------------------------------------------------
def test_pop_reuses_the_graph_instead_of_calling_layers_again():
    first = layers.Dense(3, input_dim=2)
    model = keras.models.Sequential([first, layers.Dense(1)])
    model.pop()
    assert len(first._inbound_nodes) == 1
    assert model.output is first.output
    model.add(layers.Dense(4))
    assert model.output_shape == (None, 4)


def test_a_sequential_built_from_data_serializes_its_input_shape():
    model = keras.models.Sequential([layers.Dense(2)])
    model.predict(np.ones((3, 5)))
    config = model.get_config()
    assert config["layers"][0]["class_name"] == "InputLayer"
    clone = keras.models.Sequential.from_config(config)
    assert clone.input_shape == (None, 5)


# -- subclassed models ------------------------------------------------------------------
def test_a_subclassed_model_learns_its_outputs_from_a_trial_call():
    class TwoHeads(keras.Model):
        def __init__(self):
            super().__init__()
            self.body = layers.Dense(4)
            self.heads = [layers.Dense(1), layers.Dense(2)]

        def call(self, inputs, training=None):
            x = self.body(inputs)
            return [head(x) for head in self.heads]

    model = TwoHeads()
    model.build((None, 3))
    assert model.output_names == ["output_1", "output_2"]
    assert [t.shape for t in model.outputs] == [(None, 1), (None, 2)]
    assert len(model.weights) == 6
    assert [p.shape for p in model.predict(np.ones((5, 3)))] == [(5, 1), (5, 2)]


# -- configs and files ------------------------------------------------------------------
def test_shared_layer_nodes_are_rebuilt_in_their_original_order():
    shared = layers.Dense(4, name="shared")
    x = keras.Input((4,), name="x")
    first = shared(x)
    second = shared(layers.Dense(4, name="mid")(first))
    model = keras.Model(x, layers.add([first, second], name="sum"))
    config = model.get_config()
    inbound = {spec["name"]: spec["inbound_nodes"] for spec in config["layers"]}
    assert [[ref[:3] for ref in node] for node in inbound["shared"]] == [
        [["x", 0, 0]], [["mid", 0, 0]]]
    assert [ref[:3] for ref in inbound["sum"][0]] == [["shared", 0, 0], ["shared", 1, 0]]
    clone = keras.Model.from_config(config)
    clone.set_weights(model.get_weights())
    data = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(clone.predict(data), model.predict(data), rtol=1e-6)


def test_from_config_ignores_arguments_of_other_implementations():
    config = {"name": "d", "units": 2, "ragged": False, "build_config": {}, "dtype": "float32"}
    assert layers.Dense.from_config(config).units == 2


def test_hdf5_weights_use_keras_2_layout(tmp_path):
    a = keras.Input((3,), name="a")
    model = keras.Model(a, layers.Dense(2, name="d")(layers.Dropout(0.5, name="drop")(a)))
    path = tmp_path / "w.h5"
    model.save_weights(path)
    with h5py.File(path, "r") as f:
        assert [_text(n) for n in f.attrs["layer_names"]] == ["a", "drop", "d"]
        assert list(f["drop"].attrs["weight_names"]) == []
        assert [_text(n) for n in f["d"].attrs["weight_names"]] == ["d/kernel:0", "d/bias:0"]
        np.testing.assert_array_equal(f["d"]["d/kernel:0"][()], model.get_weights()[0])


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else value


# -- K.function and inference -----------------------------------------------------------
def test_backend_function_starts_from_an_intermediate_tensor():
    a = keras.Input((2,))
    hidden = layers.Dense(3, kernel_initializer="ones")(a)
    out = layers.Dense(1, kernel_initializer="ones")(hidden)
    f = keras.backend.function([hidden], [out])
    np.testing.assert_allclose(f([np.ones((1, 3), "float32")])[0], [[3.0]])


def test_inference_records_no_graph():
    model = keras.models.Sequential([layers.Dense(3, input_dim=2), layers.Dense(1)])
    with ad.no_grad():
        out = model(np.ones((2, 2), "float32"))
    assert out._parents == () and not out.requires_grad


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_the_reference_keeps_freed_memory_for_the_next_step():
    """reference_impl._memory sets glibc's top pad at import (mlp_784's fit: 68 -> 45 ms here);
    mallopt returns 1 when it took the setting."""
    from reference_impl._memory import keep_freed_memory

    assert keep_freed_memory() is True


@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("order", ["C", "F"])
def test_adam_by_blocks_gives_the_whole_array_update_bit_for_bit(monkeypatch, amsgrad, order):
    from reference_impl.optimizers import base

    def run(block):
        monkeypatch.setattr(base, "BLOCK", block)
        rng = np.random.default_rng(1)
        variable = keras.backend.variable(np.asarray(rng.standard_normal((77, 50)),
                                                     dtype="float32", order=order))
        data, initial = variable.data, variable.data.copy()
        optimizer = keras.optimizers.Adam(learning_rate=0.01, amsgrad=amsgrad)
        for _ in range(3):  # gradients in the variable's memory order too
            grad = rng.standard_normal((77, 50)).astype("float32")
            optimizer.apply_gradients([(grad if order == "C" else grad.T.copy().T, variable)])
        assert variable.data is data, "the update is in place"
        assert np.all(data != initial), "every weight moved"
        return data

    # 3850 elements: three blocks of 1024 and a remainder; an F-ordered array goes whole
    np.testing.assert_array_equal(run(1024), run(1 << 30))
