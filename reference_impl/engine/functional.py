"""``Model(inputs, outputs)``: a graph of layer calls, run in topological order.

A model is a layer too: calling it on new tensors reuses its layers and weights, and it can sit
inside ``Sequential``, another model or ``TimeDistributed``. ``Model`` subclasses that write
their own ``call`` (and create their layers in ``__init__``) work as well.
"""

from __future__ import annotations

import numpy as np

from reference_impl import autodiff as ad
from reference_impl.engine import base_layer, saving
from reference_impl.engine.base_layer import LAYER_CLASSES, Layer, to_list
from reference_impl.engine.input_layer import Input, InputLayer
from reference_impl.engine.keras_tensor import KerasTensor
from reference_impl.engine.training import Trainer


class Model(Trainer, Layer):
    def __init__(self, inputs=None, outputs=None, name=None, **kwargs):
        if "input" in kwargs or "output" in kwargs:  # Keras 1 spelling, still accepted
            inputs, outputs = kwargs.pop("input", inputs), kwargs.pop("output", outputs)
        super().__init__(name=name, **kwargs)
        self._layers: list[Layer] = []
        self._nodes: list = []
        self._steps: list = []
        self._graph = False  # built from inputs and outputs (else: a subclass with its call)
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
        self._nodes, self._layers = _map_graph(self.inputs, self.outputs)
        given = {id(t) for t in self.inputs}
        self._steps = [  # what call runs: each node not already given as an input
            (node.layer, [id(t) for t in node.inputs], [id(t) for t in node.outputs],
             node.input_structure == "single", node.call_kwargs)
            for node in self._nodes if not all(id(t) in given for t in node.outputs)]
        self.input_names = [t._keras_history[0].name for t in self.inputs]
        self.output_names = _unique([t._keras_history[0].name for t in self.outputs])
        self._graph = self.built = True

    @property
    def _is_graph_network(self) -> bool:
        return self._graph

    @property
    def layers(self) -> list:
        return list(self._sublayers())

    def _sublayers(self) -> list:
        if self._is_graph_network:
            return self._layers
        return super()._sublayers()  # a subclassed model: the layers held in attributes

    @property
    def weights(self) -> list:
        """Layer by layer, in ``layers`` order (each layer: trainable, then not)."""
        return [w for layer in self._sublayers() for w in layer.weights] + self._weights

    @property
    def input(self):
        if not self.inputs:
            raise AttributeError(f"The model {self.name!r} has not been built: it has no input.")
        if isinstance(self._nested_inputs, (list, tuple)) and len(self.inputs) == 1:
            return self.inputs[0]
        return self._nested_inputs

    @property
    def output(self):
        if not self.outputs:
            raise AttributeError(f"The model {self.name!r} has not been built: it has no "
                                 f"output.")
        if isinstance(self._nested_outputs, (list, tuple)) and len(self.outputs) == 1:
            return self.outputs[0]
        return self._nested_outputs

    @property
    def input_shape(self):
        if not self.inputs:
            raise AttributeError(f"The model {self.name!r} has not been built: it has no "
                                 f"defined input shape.")
        shapes = [t.shape for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        if not self.outputs:
            raise AttributeError(f"The model {self.name!r} has not been built: it has no "
                                 f"defined output shape.")
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def get_layer(self, name=None, index=None) -> Layer:
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(layers)} layers.")
            return layers[index]
        if name is None:
            raise ValueError("Provide either a layer name or layer index at `get_layer`.")
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: "
                         f"{[layer.name for layer in layers]}.")

    # -- running ------------------------------------------------------------------------
    def call(self, inputs, training=None):
        """Runs the nodes in order; a list of outputs when the model was built with a list
        (or dict) of outputs, the single output otherwise."""
        with base_layer.forward_pass():  # the Trainer calls ``call`` directly
            outputs = self._run_graph(self._match_inputs(inputs), training)
        return outputs[0] if len(outputs) == 1 and not isinstance(
            self._nested_outputs, (list, tuple, dict)) else outputs

    def _run_graph(self, inputs: list, training) -> list:
        values = dict(zip(map(id, self.inputs), inputs, strict=True))
        for layer, input_ids, output_ids, single, call_kwargs in self._steps:
            args = values[input_ids[0]] if single else [values[i] for i in input_ids]
            kwargs = {"training": training, **call_kwargs} if call_kwargs else {
                "training": training}
            outputs = layer._call_eager(args, kwargs)
            if len(output_ids) == 1 and not isinstance(outputs, (list, tuple)):
                values[output_ids[0]] = outputs
            else:
                values.update(zip(output_ids, outputs, strict=True))
        outputs = [values[id(t)] for t in self.outputs]
        # a model used as a layer passes on the masks its layers left on its outputs
        self._output_masks = [getattr(o, "_keras_mask", None) for o in outputs]
        return outputs

    def compute_mask(self, inputs, mask=None):
        masks = getattr(self, "_output_masks", None) or [None]
        return masks[0] if len(masks) == 1 else masks

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
        if not self._is_graph_network:
            return super().compute_output_shape(input_shape)
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
        if not self._graph and not self.outputs and input_shape is not None:
            self._build_subclassed(input_shape)
        self.built = True

    def _build_subclassed(self, input_shape) -> None:
        """A subclassed model learns its outputs (how many, their shapes) from a trial call on
        zeros; they are named ``output_1``, ``output_2``... as in Keras 2."""
        shapes = input_shape if _is_shape_list(input_shape) else [input_shape]
        self.inputs = [Input(batch_shape=tuple(shape)) for shape in shapes]
        zeros = [ad.Tensor(np.zeros([2 if d is None else d for d in shape], t.dtype))
                 for shape, t in zip(shapes, self.inputs, strict=True)]
        with ad.no_grad(), base_layer.forward_pass(probe=True):
            outputs = self.call(zeros if len(zeros) > 1 else zeros[0])
        self.output_names = [f"output_{i + 1}" for i in range(len(to_list(outputs)))]
        self.outputs = [KerasTensor((None, *o.shape[1:]), dtype=o.dtype, name=name)
                        for o, name in zip(to_list(outputs), self.output_names, strict=True)]
        self.input_names = [t.name for t in self.inputs]
        self._nested_inputs = self.inputs if len(self.inputs) > 1 else self.inputs[0]
        self._nested_outputs = self.outputs if isinstance(outputs, (list, tuple)) else (
            self.outputs[0])

    def reset_states(self) -> None:
        """Resets the states of every stateful layer of the model (stateful RNNs)."""
        for layer in self.layers:
            if getattr(layer, "stateful", False) and hasattr(layer, "reset_states"):
                layer.reset_states()

    # -- inspection ---------------------------------------------------------------------
    def summary(self, line_length=None, positions=None, print_fn=None) -> None:
        """Keras 2's table: one row per layer (name and type, output shape, parameters, and
        for a graph that is not a plain stack, the layers each one is connected to)."""
        if not self.built or (not self._is_graph_network and not self.layers):
            raise ValueError("This model has not yet been built. Build the model first by "
                             "calling `build()` or calling `fit()` with some data, or specify "
                             "an `input_shape` argument in the first layer(s) for automatic "
                             "build.")
        print_fn = print_fn or print
        stack = self._is_stack()
        width = line_length or (65 if stack else 98)
        positions = positions or ((0.45, 0.85, 1.0) if stack else (0.33, 0.55, 0.67, 1.0))
        if positions[-1] <= 1:
            positions = [int(width * p) for p in positions]

        def row(fields):
            line = ""
            for text, end in zip(fields, positions, strict=False):
                line = (line[:-1] + " " if line else "") + str(text)
                line = line[:end].ljust(end)
            print_fn(line.rstrip())

        print_fn(f'Model: "{self.name}"')
        print_fn("_" * width)
        row(["Layer (type)", "Output Shape", "Param #"] + ([] if stack else ["Connected to"]))
        print_fn("=" * width)
        layers = self._summary_layers()
        for i, layer in enumerate(layers):
            params = layer.count_params() if layer.built else 0
            links = [] if stack else self._connections(layer)
            row([f"{layer.name} ({type(layer).__name__})", _shape_text(layer), params,
                 links[0] if links else ""][: 3 if stack else 4])
            for link in links[1:]:
                row(["", "", "", link])
            print_fn(("=" if i == len(layers) - 1 else "_") * width)
        trainable = int(sum(w.data.size for w in self.trainable_weights))
        untrainable = int(sum(w.data.size for w in self.non_trainable_weights))
        print_fn(f"Total params: {trainable + untrainable:,}")
        print_fn(f"Trainable params: {trainable:,}")
        print_fn(f"Non-trainable params: {untrainable:,}")
        print_fn("_" * width)

    def _summary_layers(self) -> list:
        return self.layers

    def _is_stack(self) -> bool:
        """A chain of single-input layers, each called once: no "Connected to" column."""
        if not self._is_graph_network:
            return True
        layers = [node.layer for node in self._nodes]
        return (len(layers) == len(set(layers))
                and all(len(node.inputs) <= 1 for node in self._nodes)
                and len(self.inputs) == 1 and len(self.outputs) == 1)

    def _connections(self, layer) -> list:
        return [f"{t._keras_history[0].name}[{t._keras_history[1]}][{t._keras_history[2]}]"
                for node in self._nodes if node.layer is layer for t in node.inputs]

    # -- serialization ------------------------------------------------------------------
    def get_config(self) -> dict:
        if not self._is_graph_network:
            raise NotImplementedError(f"Model {self.name!r} is a subclassed model: its "
                                      f"architecture is Python code, it has no config.")
        node_ids = self._model_node_indices()
        layers = []
        for layer in self._layers:
            inbound = [
                [[t._keras_history[0].name, node_ids[id(t.node)], t._keras_history[2],
                  node.call_kwargs] for t in node.inputs]
                for node in self._nodes if node.layer is layer and node.inputs
            ]
            layers.append({"class_name": _class_name(layer), "name": layer.name,
                           "config": layer.get_config(), "inbound_nodes": inbound})

        def refs(tensors):
            return [[t._keras_history[0].name, node_ids[id(t.node)], t._keras_history[2]]
                    for t in tensors]

        return {"name": self.name, "layers": layers, "input_layers": refs(self.inputs),
                "output_layers": refs(self.outputs)}

    def _model_node_indices(self) -> dict:
        """Each node's index among its layer's nodes that belong to this model."""
        counts, ids, mine = {}, {}, {id(node) for node in self._nodes}
        for layer in self._layers:
            for node in layer._inbound_nodes:
                if id(node) in mine:
                    ids[id(node)] = counts.get(id(layer), 0)
                    counts[id(layer)] = ids[id(node)] + 1
        return ids

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """Rebuilds the graph: creates each layer, then calls it on its inbound tensors once
        they exist, node 0 before node 1 for shared layers."""
        layers = {spec["name"]: deserialize_layer(spec, custom_objects)
                  for spec in config["layers"]}
        outputs_of: dict[tuple, list] = {}  # (layer name, node index) -> output tensors
        for name, layer in layers.items():
            if isinstance(layer, InputLayer):
                outputs_of[(name, 0)] = layer._inbound_nodes[0].outputs
        pending = [(spec["name"], i, _node_refs(node)) for spec in config["layers"]
                   for i, node in enumerate(spec["inbound_nodes"])]
        while pending:
            remaining = []
            for name, index, refs in pending:
                ready = all((ref[0], ref[1]) in outputs_of for ref in refs) and (
                    index == 0 or (name, index - 1) in outputs_of)
                if not ready:
                    remaining.append((name, index, refs))
                    continue
                args = [outputs_of[(ref[0], ref[1])][ref[2]] for ref in refs]
                kwargs = refs[0][3] if len(refs[0]) > 3 else {}
                out = layers[name](args[0] if len(args) == 1 else args, **(kwargs or {}))
                outputs_of[(name, index)] = to_list(out)
            if len(remaining) == len(pending):
                raise ValueError(f"Cannot rebuild the model graph: unresolved layer inputs "
                                 f"{[name for name, _, _ in remaining]}")
            pending = remaining

        def tensors(refs):
            refs = _node_refs(refs)
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


LAYER_CLASSES["Functional"] = Model  # tf-keras's name for the class of functional models


def _class_name(layer) -> str:
    return type(layer).__name__


def _node_refs(refs) -> list:
    """Inbound references as a list of ``[layer, node, tensor(, kwargs)]`` (a single
    reference may be written unnested, as Keras writes one output layer)."""
    return [refs] if refs and isinstance(refs[0], str) else list(refs)


def deserialize_layer(spec: dict, custom_objects=None) -> Layer:
    classes = {**LAYER_CLASSES, **(custom_objects or {})}
    name = spec["class_name"]
    if name not in classes:
        raise ValueError(f"Unknown layer: {name}. Please ensure this object is passed to the "
                         f"`custom_objects` argument.")
    cls = classes[name]
    if isinstance(cls, type) and issubclass(cls, Model):
        return cls.from_config(dict(spec["config"]), custom_objects=custom_objects)
    return cls.from_config(dict(spec["config"]))


def backend_function(inputs, outputs):
    """``K.function(inputs, outputs)``: arrays in, arrays out, through the graph between (a
    list of arrays when ``outputs`` is a list, one array otherwise)."""
    graph = Model(inputs=list(to_list(inputs)), outputs=list(to_list(outputs)),
                  name="backend_function")

    def run(values):
        with ad.no_grad():
            result = graph._run_graph(graph._match_inputs(values), training=False)
        arrays = [np.asarray(r.data) for r in result]
        return arrays if isinstance(outputs, (list, tuple)) else arrays[0]

    return run


def _flatten(structure) -> list:
    if isinstance(structure, dict):
        return [structure[key] for key in sorted(structure)]
    return list(to_list(structure))


def _map_graph(inputs: list, outputs: list) -> tuple[list, list]:
    """The nodes from ``inputs`` to ``outputs`` in an order that runs each after the nodes it
    reads, and the layers in Keras 2's order: by depth (inputs first), ties in the order a
    walk back from the outputs meets them."""
    nodes, parents, first_seen = [], {}, {}
    input_ids = {id(t) for t in inputs}

    def visit(tensor):
        node = tensor.node
        first_seen.setdefault(node.layer, len(first_seen))
        if id(node) in parents:
            return
        parents[id(node)] = []
        if id(tensor) not in input_ids:
            if not node.inputs:
                raise ValueError(f"Graph disconnected: cannot obtain value for tensor "
                                 f"{tensor.name}; it is not among the model inputs.")
            for parent in node.inputs:
                visit(parent)
                parents[id(node)].append(parent.node)
        nodes.append(node)

    for tensor in outputs:
        visit(tensor)

    node_depth, layer_depth = {}, {}
    for node in reversed(nodes):  # from the outputs back: a parent sits deeper than its child
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(node.layer, 0))
        layer_depth[node.layer] = node_depth[id(node)] = depth
        for parent in parents[id(node)]:
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for tensor in inputs:  # an input no output depends on still belongs to the model
        layer = tensor._keras_history[0]
        if layer not in layer_depth:
            layer_depth[layer], first_seen[layer] = 0, -1
    layers = sorted(layer_depth, key=lambda layer: (-layer_depth[layer], first_seen[layer]))
    return nodes, layers


def _unique(names: list) -> list:
    """Output names: a layer with several outputs gives ``name``, ``name_1``, ``name_2``."""
    seen: dict[str, int] = {}
    result = []
    for name in names:
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 0
        result.append(name)
    return result


def _is_shape_list(shape) -> bool:
    return isinstance(shape, list) and bool(shape) and isinstance(shape[0], (tuple, list))


def _shape_list(input_shape, count: int) -> list:
    if count == 1 and not _is_shape_list(input_shape):
        return [tuple(input_shape)]
    return [tuple(s) for s in input_shape]


def _shape_text(layer) -> str:
    try:
        shape = layer.output_shape
    except AttributeError:
        return "multiple"
    return str(shape)
