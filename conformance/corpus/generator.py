"""Random Keras models as plain-JSON specs, valid by construction.

A model is drawn through a *chooser* (``choose(options, label)``, ``integer(lo, hi, label)``,
``boolean(label)``): :class:`Seeded` (NumPy, for the recorded corpus: model k is
``generate(Seeded(k))``) or :class:`Drawn` (hypothesis ``st.data()``, for ``fuzz``: a failure
shrinks to a minimal model, since every option list starts with its simplest choice).

A spec::

    {"graph": "sequential" | "branches" | "two_inputs" | "shared" | "two_outputs",
     "inputs": [{"name": "in0", "shape": [4, 3], "dtype": "float32"},
                {"name": "in1", "shape": [5], "dtype": "int32", "high": 6}],
     "layers": [{"name": "l0", "class": "Dense", "config": {"units": 3}},
                {"name": "l1", "class": "TimeDistributed", "config": {},
                 "layer": {"class": "Dense", "config": {"units": 2}}}],
     "nodes": [{"name": "n0", "layer": "l0", "inputs": ["in0"]}, ...],   # graph order
     "outputs": ["n3"]}

A layer applied twice (a shared layer) has two nodes. Shapes exclude the batch axis. Only
documented constructor arguments are used; sizes are small (<= 6 timesteps, <= 8 units,
images <= 8x8) so a whole corpus replays in seconds.
"""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np

ACTIVATIONS = ["linear", "relu", "tanh", "sigmoid"]
RECURRENT = ("SimpleRNN", "LSTM", "GRU")
MERGES = ["add", "concatenate", "subtract", "multiply", "average", "maximum", "minimum", "dot"]
MERGE_CLASS = {"add": "Add", "subtract": "Subtract", "multiply": "Multiply",
               "average": "Average", "maximum": "Maximum", "minimum": "Minimum",
               "concatenate": "Concatenate", "dot": "Dot"}
GRAPHS = ["sequential", "branches", "two_inputs", "shared", "two_outputs"]


class Seeded:
    """Choices from ``numpy.random.default_rng(seed)``."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)

    def choose(self, options, label):
        return options[int(self.rng.integers(len(options)))]

    def integer(self, lo, hi, label):
        return int(self.rng.integers(lo, hi + 1))

    def boolean(self, label):
        return bool(self.rng.integers(2))


class Drawn:
    """Choices drawn from a hypothesis ``st.data()`` object (shrinks to the first option)."""

    def __init__(self, data):
        from hypothesis import strategies as st

        self.data, self.st = data, st

    def choose(self, options, label):
        return self.data.draw(self.st.sampled_from(list(options)), label=label)

    def integer(self, lo, hi, label):
        return self.data.draw(self.st.integers(lo, hi), label=label)

    def boolean(self, label):
        return self.data.draw(self.st.booleans(), label=label)


def spec_hash(spec: dict) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:8]


def model_id(k: int, spec: dict) -> str:
    return f"m{k:04d}-{spec_hash(spec)}"


class _Builder:
    def __init__(self, ch):
        self.ch = ch
        self.inputs, self.layers, self.nodes = [], [], []

    # -- plumbing
    def input(self, shape, dtype="float32", high=None):
        name = f"in{len(self.inputs)}"
        entry = {"name": name, "shape": list(shape), "dtype": dtype}
        if high is not None:
            entry["high"] = high
        self.inputs.append(entry)
        return name, tuple(shape)

    def layer(self, cls, config, inner=None):
        name = f"l{len(self.layers)}"
        entry = {"name": name, "class": cls, "config": config}
        if inner is not None:
            entry["layer"] = inner
        self.layers.append(entry)
        return name

    def apply(self, layer, inputs):
        name = f"n{len(self.nodes)}"
        self.nodes.append({"name": name, "layer": layer, "inputs": list(inputs)})
        return name

    def add(self, cls, config, tensor, inner=None):
        return self.apply(self.layer(cls, config, inner), [tensor])

    # -- one layer on a tensor of the given shape; returns (tensor, shape)
    def step(self, tensor, shape, where):
        ch = self.ch
        rank = len(shape)
        if rank == 1:
            kinds = ["Dense", "Activation", "Dropout", "Reshape"]
        elif rank == 2:
            kinds = ["Dense", "Conv1D", "SimpleRNN", "LSTM", "GRU", "MaxPooling1D",
                     "AveragePooling1D", "GlobalMaxPooling1D", "GlobalAveragePooling1D",
                     "Flatten", "Bidirectional", "TimeDistributed", "Activation"]
        else:
            kinds = ["Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalMaxPooling2D",
                     "GlobalAveragePooling2D", "Flatten", "Reshape", "Dense", "Activation"]
        kind = ch.choose(kinds, f"{where} layer")
        if kind == "Dense":
            units = ch.integer(1, 6, f"{where} units")
            cfg = {"units": units, "activation": ch.choose(ACTIVATIONS, f"{where} activation")}
            if not ch.boolean(f"{where} use_bias"):
                cfg["use_bias"] = False
            return self.add("Dense", cfg, tensor), (*shape[:-1], units)
        if kind == "Activation":
            act = ch.choose([*ACTIVATIONS, "softmax"], f"{where} activation")
            return self.add("Activation", {"activation": act}, tensor), shape
        if kind == "Dropout":
            rate = ch.choose([0.5, 0.2], f"{where} rate")
            return self.add("Dropout", {"rate": rate}, tensor), shape
        if kind == "Reshape":
            size = math.prod(shape)
            divisors = [d for d in range(1, min(size, 6) + 1) if size % d == 0]
            steps = ch.choose(divisors, f"{where} reshape timesteps")
            target = (steps, size // steps)
            return self.add("Reshape", {"target_shape": list(target)}, tensor), target
        if kind == "Flatten":
            return self.add("Flatten", {}, tensor), (math.prod(shape),)
        if kind.startswith("Global"):
            return self.add(kind, {}, tensor), (shape[-1],)
        if kind == "Conv1D":
            return self.conv(tensor, shape, where, 1)
        if kind == "Conv2D":
            return self.conv(tensor, shape, where, 2)
        if "Pooling" in kind:
            return self.pool(kind, tensor, shape, where)
        if kind in RECURRENT:
            cfg, out = self.rnn(kind, shape, where)
            return self.add(kind, cfg, tensor), out
        if kind == "Bidirectional":
            rnn = ch.choose(list(RECURRENT), f"{where} wrapped")
            cfg, out = self.rnn(rnn, shape, where, backwards=False)
            mode = ch.choose(["concat", "sum", "mul", "ave"], f"{where} merge_mode")
            out = (*out[:-1], out[-1] * 2) if mode == "concat" else out
            inner = {"class": rnn, "config": cfg}
            return self.add("Bidirectional", {"merge_mode": mode}, tensor, inner), out
        # TimeDistributed(Dense)
        units = ch.integer(1, 6, f"{where} units")
        inner = {"class": "Dense", "config": {
            "units": units, "activation": ch.choose(ACTIVATIONS, f"{where} activation")}}
        return self.add("TimeDistributed", {}, tensor, inner), (shape[0], units)

    def rnn(self, cls, shape, where, backwards=True):
        ch = self.ch
        units = ch.integer(1, 5, f"{where} units")
        cfg = {"units": units}
        sequences = ch.boolean(f"{where} return_sequences")
        if sequences:
            cfg["return_sequences"] = True
        if backwards and ch.boolean(f"{where} go_backwards"):
            cfg["go_backwards"] = True
        return cfg, ((shape[0], units) if sequences else (units,))

    def conv(self, tensor, shape, where, dims):
        ch = self.ch
        spatial = shape[:dims]
        filters = ch.integer(1, 4, f"{where} filters")
        paddings = ["valid", "same", "causal"] if dims == 1 else ["valid", "same"]
        padding = ch.choose(paddings, f"{where} padding")
        strides = ch.integer(1, 2, f"{where} strides")
        dilation = 1 if strides > 1 else ch.integer(1, 2, f"{where} dilation_rate")
        kernel = []
        for i, n in enumerate(spatial):
            reach = n if padding == "valid" else 3  # 'valid' needs d (k - 1) + 1 <= n
            kmax = max(1, min(3, (reach - 1) // dilation + 1))
            kernel.append(ch.integer(1, kmax, f"{where} kernel_size[{i}]"))
        out = []
        for n, k in zip(spatial, kernel, strict=True):
            if padding == "valid":
                out.append((n - dilation * (k - 1) - 1) // strides + 1)
            else:
                out.append(-(-n // strides))
        cfg = {"filters": filters, "kernel_size": kernel if dims == 2 else kernel[0],
               "padding": padding, "activation": ch.choose(ACTIVATIONS, f"{where} activation")}
        if strides > 1:
            cfg["strides"] = strides
        if dilation > 1:
            cfg["dilation_rate"] = dilation
        return self.add(f"Conv{dims}D", cfg, tensor), (*out, filters)

    def pool(self, kind, tensor, shape, where):
        ch = self.ch
        dims = 2 if kind.endswith("2D") else 1
        spatial = shape[:dims]
        padding = ch.choose(["valid", "same"], f"{where} padding")
        pool = [ch.integer(1, min(3, n), f"{where} pool_size[{i}]")
                for i, n in enumerate(spatial)]
        strides = ch.choose([None, 1, 2], f"{where} strides")
        out = []
        for n, p in zip(spatial, pool, strict=True):
            s = p if strides is None else strides
            out.append((n - p) // s + 1 if padding == "valid" else -(-n // s))
        cfg = {"pool_size": pool if dims == 2 else pool[0], "padding": padding}
        if strides is not None:
            cfg["strides"] = strides
        return self.add(kind, cfg, tensor), (*out, shape[-1])

    # -- chains and graphs
    def start(self, where):
        """An input and, for tokens, its Embedding: (tensor, shape)."""
        kind = self.ch.choose(["vector", "sequence", "image", "tokens"], f"{where} input")
        ch = self.ch
        if kind == "vector":
            return self.input((ch.integer(1, 8, f"{where} features"),))
        if kind == "sequence":
            return self.input((ch.integer(1, 6, f"{where} timesteps"),
                               ch.integer(1, 4, f"{where} features")))
        if kind == "image":
            return self.input((ch.integer(1, 6, f"{where} height"),
                               ch.integer(1, 6, f"{where} width"),
                               ch.integer(1, 3, f"{where} channels")))
        steps, vocab = ch.integer(1, 6, f"{where} timesteps"), ch.integer(2, 8, f"{where} vocab")
        name, _ = self.input((steps,), "int32", vocab)
        dim = ch.integer(1, 4, f"{where} output_dim")
        return self.add("Embedding", {"input_dim": vocab, "output_dim": dim}, name), (steps, dim)

    def chain(self, tensor, shape, where, lo=0, hi=3):
        for i in range(self.ch.integer(lo, hi, f"{where} depth")):
            tensor, shape = self.step(tensor, shape, f"{where}.{i}")
        return tensor, shape

    def to_vector(self, tensor, shape, units, where):
        """Flatten (or global pooling) if needed, then Dense(units): a (units,) tensor."""
        if len(shape) > 1:
            pooled = ["Flatten", f"GlobalAveragePooling{len(shape) - 1}D",
                      f"GlobalMaxPooling{len(shape) - 1}D"]
            tensor = self.add(self.ch.choose(pooled, f"{where} to vector"), {}, tensor)
        act = self.ch.choose(ACTIVATIONS, f"{where} activation")
        return self.add("Dense", {"units": units, "activation": act}, tensor)

    def merge(self, a, b, units, where):
        mode = self.ch.choose(MERGES, f"{where} merge")
        cfg = {}
        if mode == "dot":
            cfg = {"axes": 1}
            if self.ch.boolean(f"{where} normalize"):
                cfg["normalize"] = True
            out = 1
        elif mode == "concatenate":
            out = 2 * units
        else:
            out = units
        return self.apply(self.layer(MERGE_CLASS[mode], cfg), [a, b]), (out,)

    def head(self, tensor, shape, where):
        tensor, shape = self.chain(tensor, shape, where, 0, 1)
        if len(shape) > 1 or self.ch.boolean(f"{where} dense head"):
            units = self.ch.integer(1, 4, f"{where} head units")
            return self.to_vector(tensor, shape, units, where), (units,)
        return tensor, shape


def generate(ch) -> dict:
    """One model spec from the chooser ``ch``."""
    b = _Builder(ch)
    graph = ch.choose(GRAPHS, "graph")
    if graph == "sequential":
        tensor, shape = b.start("input")
        tensor, _ = b.chain(tensor, shape, "stack", 1 if tensor.startswith("in") else 0, 4)
        outputs = [tensor]
    elif graph in ("branches", "two_outputs"):
        tensor, shape = b.start("input")
        tensor, shape = b.chain(tensor, shape, "trunk", 0, 2)
        units = ch.integer(1, 5, "branch units")
        ends = []
        for side in ("left", "right"):
            t, s = b.chain(tensor, shape, side, 0, 2)
            if graph == "branches":
                t = b.to_vector(t, s, units, side)
            elif t == tensor and not t.startswith("n"):
                t, s = b.step(t, s, side)  # an output must be a layer's
            ends.append(t)
        if graph == "branches":
            merged, shape = b.merge(*ends, units, "merge")
            outputs = [b.head(merged, shape, "head")[0]]
        else:
            outputs = ends
    elif graph == "two_inputs":
        units = ch.integer(1, 5, "branch units")
        ends = []
        for side in ("left", "right"):
            t, s = b.start(side)
            t, s = b.chain(t, s, side, 0, 2)
            ends.append(b.to_vector(t, s, units, side))
        merged, shape = b.merge(*ends, units, "merge")
        outputs = [b.head(merged, shape, "head")[0]]
    else:  # shared: one layer applied to two tensors of the same shape
        tensor, shape = b.start("input")
        tensor, shape = b.chain(tensor, shape, "trunk", 0, 1)
        # the second tensor: a shape-preserving layer on the first (Activation or Dropout)
        act = ch.choose(["tanh", "relu", "sigmoid"], "twin activation")
        other = b.add("Activation", {"activation": act}, tensor)
        first = len(b.nodes)
        a, s = b.step(tensor, shape, "shared")
        shared = b.nodes[first]["layer"]
        c = b.apply(shared, [other])
        units = ch.integer(1, 5, "branch units")
        ends = [b.to_vector(t, s, units, side) for t, side in ((a, "left"), (c, "right"))]
        merged, shape = b.merge(*ends, units, "merge")
        outputs = [b.head(merged, shape, "head")[0]]
    return {"graph": graph, "inputs": b.inputs, "layers": b.layers, "nodes": b.nodes,
            "outputs": outputs}


def layer_classes(spec: dict) -> list[str]:
    """Class names used, wrapped ones as Wrapper(Inner)."""
    names = []
    for layer in spec["layers"]:
        cls = layer["class"]
        if "layer" in layer:
            names.append(cls)
            cls = f"{cls}({layer['layer']['class']})"
        names.append(cls)
    return sorted(set(names))
