"""``Model(inputs, outputs)``: a graph of layer calls, run in topological order.

A model is a layer too: calling it on new tensors reuses its layers and weights, and it can sit
inside ``Sequential``, another model or ``TimeDistributed``.
"""

from __future__ import annotations

import numpy as np

from reference_impl import autodiff as ad
from reference_impl.engine import saving
from reference_impl.engine.base_layer import LAYER_CLASSES, Layer, to_list
from reference_impl.engine.input_layer import InputLayer
from reference_impl.engine.keras_tensor import KerasTensor
from reference_impl.engine.training import Trainer


class Model(Trainer, Layer):
    def __init__(self, inputs=None, outputs=None, name=None, **kwargs):
        if "input" in kwargs or "output" in kwargs:  # Keras 1 spelling, still accepted
            inputs, outputs = kwargs.pop("input", inputs), kwargs.pop("output", outputs)
        super().__init__(name=name, **kwargs)
        self._layers: list[Layer] = []
        self.inputs, self.outputs = [], []
        self._nested_inputs = self._nested_outputs = None
        self.input_names, self.output_names = [], []
        if inputs is not None:
            self._init_graph(inputs, outputs)

    # -- the graph ----------------------------------------------------------------------
    def _init_graph(self, inputs, outputs) -> None:
        self._nested_inputs, self._nested_outputs = inputs, outputs
        self.inputs, self.outputs = _flatten(inputs), _flatten(outputs)
        for tensor in self.inputs + self.outputs:
            if not isinstance(tensor, KerasTensor):
                raise TypeError(f"Model inputs and outputs must be symbolic tensors from "
                                f"Input and layer calls, got {type(tensor).__name__}")
        self._nodes = _nodes_in_order(self.outputs, self.inputs)
        self._layers = list(dict.fromkeys(node.layer for node in self._nodes))
        self.input_names = [t._keras_history[0].name for t in self.inputs]
        self.output_names = [t._keras_history[0].name for t in self.outputs]
        self.built = True

    @property
    def layers(self) -> list:
        return list(self._layers)

    def _sublayers(self) -> list:
        return self._layers

    def _own_weights(self) -> list:
        return []

    @property
    def input(self):
        if not self.inputs:
            raise AttributeError(f"The model {self.name!r} has not been built: it has no input.")
        return self._nested_inputs if isinstance(self._nested_inputs, KerasTensor) else (
            self.inputs[0] if len(self.inputs) == 1 else list(self.inputs))

    @property
    def output(self):
        if not self.outputs:
            raise AttributeError(f"The model {self.name!r} has not been built: no output.")
        return self.outputs[0] if len(self.outputs) == 1 else list(self.outputs)

    @property
    def input_shape(self):
        shapes = [t.shape for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def get_layer(self, name=None, index=None) -> Layer:
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: "
                         f"{[layer.name for layer in self.layers]}.")

    # -- running ------------------------------------------------------------------------
    def call(self, inputs, training=None):
        values = dict(zip(map(id, self.inputs), self._match_inputs(inputs), strict=True))
        for node in self._nodes:
            if all(id(t) in values for t in node.outputs):
                continue  # an input of this model (an Input, or a tensor given as input)
            args = node.unpack_inputs([values[id(t)] for t in node.inputs])
            kwargs = {"training": training, **node.call_kwargs}
            outputs = to_list(node.layer._call_eager(args, kwargs))
            values.update(zip(map(id, node.outputs), outputs, strict=True))
        outputs = [values[id(t)] for t in self.outputs]
        return outputs[0] if len(outputs) == 1 and not isinstance(
            self._nested_outputs, (list, tuple, dict)) else outputs

    def _match_inputs(self, inputs) -> list:
        """Inputs as a list in the order of ``self.inputs`` (from an array, list or dict)."""
        if isinstance(inputs, dict):
            missing = [n for n in self.input_names if n not in inputs]
            if missing:
                raise ValueError(f"Missing data for input(s) {missing}; the model expects "
                                 f"{self.input_names}, got keys {sorted(inputs)}")
            return [inputs[name] for name in self.input_names]
        inputs = to_list(inputs)
        if len(inputs) != len(self.inputs):
            raise ValueError(f"Model {self.name!r} expects {len(self.inputs)} input(s), but it "
                             f"received {len(inputs)} input arrays.")
        return inputs

    def compute_output_shape(self, input_shape):
        shapes = dict(zip(map(id, self.inputs), _shape_list(input_shape, len(self.inputs)),
                          strict=True))
        for node in self._nodes:
            if all(id(t) in shapes for t in node.outputs):
                continue
            out = node.layer.compute_output_shape(
                node.unpack_inputs([shapes[id(t)] for t in node.inputs]))
            out = out if isinstance(out, list) else [out]
            shapes.update(zip(map(id, node.outputs), out, strict=True))
        result = [tuple(shapes[id(t)]) for t in self.outputs]
        return result[0] if len(result) == 1 else result

    def build(self, input_shape) -> None:
        self.built = True

    # -- inspection ---------------------------------------------------------------------
    def summary(self, line_length=None, positions=None, print_fn=None) -> None:
        print_fn = print_fn or print
        width = line_length or 65
        columns = [int(width * p) for p in (positions or (0.45, 0.85, 1.0))]

        def row(fields):
            line = ""
            for text, end in zip(fields, columns, strict=True):
                line = (line + str(text))[: end - 1].ljust(end)
            print_fn(line.rstrip())

        print_fn(f'Model: "{self.name}"')
        print_fn("_" * width)
        row(["Layer (type)", "Output Shape", "Param #"])
        print_fn("=" * width)
        for i, layer in enumerate(self._summary_layers()):
            if i:
                print_fn("_" * width)
            row([f"{layer.name} ({type(layer).__name__})", _shape_text(layer),
                 layer.count_params() if layer.built else 0])
        print_fn("=" * width)
        trainable = int(sum(w.data.size for w in self.trainable_weights))
        total = self.count_params()
        print_fn(f"Total params: {total:,}")
        print_fn(f"Trainable params: {trainable:,}")
        print_fn(f"Non-trainable params: {total - trainable:,}")
        print_fn("_" * width)

    def _summary_layers(self) -> list:
        return self.layers

    # -- serialization ------------------------------------------------------------------
    def get_config(self) -> dict:
        node_ids = self._model_node_indices()
        layers = []
        for layer in self._layers:
            inbound = [
                [[t._keras_history[0].name, node_ids[id(t.node)], t._keras_history[2],
                  node.call_kwargs] for t in node.inputs]
                for node in self._nodes if node.layer is layer and node.inputs
            ]
            layers.append({"class_name": type(layer).__name__, "name": layer.name,
                           "config": layer.get_config(), "inbound_nodes": inbound})

        def refs(tensors):
            return [[t._keras_history[0].name, node_ids[id(t.node)], t._keras_history[2]]
                    for t in tensors]

        return {"name": self.name, "layers": layers, "input_layers": refs(self.inputs),
                "output_layers": refs(self.outputs)}

    def _model_node_indices(self) -> dict:
        """Each node's index among its layer's nodes that belong to this model."""
        counts, ids = {}, {}
        for node in self._nodes:
            ids[id(node)] = counts.get(id(node.layer), 0)
            counts[id(node.layer)] = ids[id(node)] + 1
        return ids

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        layers = {spec["name"]: deserialize_layer(spec, custom_objects)
                  for spec in config["layers"]}
        outputs_of: dict[tuple, list] = {}  # (layer name, node index) -> output tensors
        for name, layer in layers.items():
            if isinstance(layer, InputLayer):
                outputs_of[(name, 0)] = layer._inbound_nodes[0].outputs
        pending = [(spec["name"], i, node) for spec in config["layers"]
                   for i, node in enumerate(spec["inbound_nodes"])]
        while pending:
            progressed, remaining = False, []
            for name, index, node in pending:
                sources = [(ref[0], ref[1]) for ref in node]
                if all(source in outputs_of for source in sources):
                    args = [outputs_of[(ref[0], ref[1])][ref[2]] for ref in node]
                    kwargs = node[0][3] if len(node[0]) > 3 else {}
                    out = layers[name](args[0] if len(args) == 1 else args, **kwargs)
                    outputs_of[(name, index)] = to_list(out)
                    progressed = True
                else:
                    remaining.append((name, index, node))
            if not progressed:
                raise ValueError(f"Cannot rebuild the model graph: unresolved layer inputs "
                                 f"{[name for name, _, _ in remaining]}")
            pending = remaining

        def tensors(refs):
            found = [outputs_of[(r[0], r[1])][r[2]] for r in refs]
            return found[0] if len(found) == 1 else found

        return cls(inputs=tensors(config["input_layers"]),
                   outputs=tensors(config["output_layers"]), name=config.get("name"))

    def to_json(self, **kwargs) -> str:
        return saving.model_to_json(self, **kwargs)

    def to_yaml(self, **kwargs) -> str:
        return saving.model_to_yaml(self, **kwargs)

    def save_weights(self, filepath, overwrite=True, save_format=None) -> None:
        saving.save_weights(self, filepath)

    def load_weights(self, filepath, by_name=False, skip_mismatch=False) -> None:
        saving.load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch)

    def save(self, filepath, overwrite=True, include_optimizer=True, save_format=None) -> None:
        saving.save_model(self, filepath, include_optimizer=include_optimizer)


def deserialize_layer(spec: dict, custom_objects=None) -> Layer:
    classes = {**LAYER_CLASSES, **(custom_objects or {})}
    name = spec["class_name"]
    if name not in classes:
        raise ValueError(f"Unknown layer: {name}. Please ensure this object is passed to the "
                         f"`custom_objects` argument.")
    return classes[name].from_config(dict(spec["config"]))


def backend_function(inputs, outputs):
    """``K.function(inputs, outputs)``: arrays in, arrays out, through the graph between."""
    graph = Model(inputs=list(to_list(inputs)), outputs=list(to_list(outputs)))

    def run(values):
        with ad.no_grad():
            result = graph.call(list(values))
        return [np.asarray(r.data) for r in to_list(result)]

    return run


def _flatten(structure) -> list:
    if isinstance(structure, dict):
        return [structure[key] for key in sorted(structure)]
    return list(to_list(structure))


def _nodes_in_order(outputs, inputs) -> list:
    """The nodes that lead from ``inputs`` to ``outputs``, each after the nodes it reads."""
    order, seen = [], set()
    input_ids = {id(t) for t in inputs}

    def visit(tensor):
        node = tensor.node
        if id(node) in seen:
            return
        seen.add(id(node))
        if id(tensor) not in input_ids:
            if not node.inputs:
                raise ValueError(f"Graph disconnected: cannot obtain value for tensor "
                                 f"{tensor.name}; it is not among the model inputs.")
            for parent in node.inputs:
                visit(parent)
        order.append(node)

    for tensor in outputs:
        visit(tensor)
    return order


def _shape_list(input_shape, count: int) -> list:
    if count == 1 and not (isinstance(input_shape, list) and input_shape
                           and isinstance(input_shape[0], (tuple, list))):
        return [tuple(input_shape)]
    return [tuple(s) for s in input_shape]


def _shape_text(layer) -> str:
    try:
        shape = layer.output_shape
    except AttributeError:
        return "multiple"
    return str(shape)
