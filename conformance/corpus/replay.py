"""Build a corpus spec with any Keras namespace, record it (tf-keras) and replay it (any
implementation), comparing every layer's output in graph order, then one training step.

Only the public API is used: ``keras.Input``, ``keras.layers.<Class>(**config)``,
``keras.models.Sequential`` / ``keras.models.Model``, ``layer.set_weights`` /
``get_weights``, ``model.predict``, ``compile`` and ``train_on_batch``.
"""

from __future__ import annotations

import json

import numpy as np

# Optimizers of the training step, hyperparameters explicit (documented defaults changed
# between releases). Adam and RMSprop get epsilon=0.1: their first step is
# lr * g / (|g| + epsilon), which with the default 1e-7 turns a gradient that is 0 in one
# implementation and 1e-9 in another (rounding) into a difference of lr; 0.1 keeps the step a
# smooth function of the gradient.
OPTIMIZERS = {
    "sgd": ("SGD", {"learning_rate": 0.1}),
    "sgd_nesterov": ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    "adagrad": ("Adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.1,
                            "epsilon": 1e-7}),
    "rmsprop": ("RMSprop", {"learning_rate": 0.01, "rho": 0.9, "epsilon": 0.1}),
    "adam": ("Adam", {"learning_rate": 0.01, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 0.1}),
}
LOSSES = ["mean_squared_error", "mean_absolute_error"]
RECURRENT_CLASSES = {"SimpleRNN", "LSTM", "GRU", "Bidirectional"}


class Divergence(AssertionError):
    """The implementation disagrees with the recording; the message says where first."""


def make_layer(keras, spec: dict):
    cls = getattr(keras.layers, spec["class"])
    if "layer" in spec:
        return cls(make_layer(keras, spec["layer"]), **spec["config"])
    return cls(**spec["config"])


def _one(xs):
    return xs[0] if len(xs) == 1 else list(xs)


def _list(got) -> list:
    return [np.asarray(y) for y in (got if isinstance(got, list | tuple) else [got])]


def build(keras, spec: dict, *, model: bool = True, probe: bool = True):
    """(model, {layer name: layer}, probe): probe is a Model whose outputs are every node's
    output in graph order, sharing the model's layers (so its weights). A check that needs
    only one of the two asks for it alone (the other is None): building a Keras model costs
    more than running these small ones."""
    layers = {entry["name"]: make_layer(keras, entry) for entry in spec["layers"]}

    def inputs():
        return {i["name"]: keras.Input(shape=tuple(i["shape"]), dtype=i["dtype"])
                for i in spec["inputs"]}

    def run(tensors):
        for node in spec["nodes"]:
            args = [tensors[t] for t in node["inputs"]]
            tensors[node["name"]] = layers[node["layer"]](args[0] if len(args) == 1 else args)
        return tensors

    if not model:
        model = None
    elif spec["graph"] == "sequential":
        (entry,) = spec["inputs"]
        model = keras.models.Sequential(
            [keras.Input(shape=tuple(entry["shape"]), dtype=entry["dtype"])]
            + [layers[n["layer"]] for n in spec["nodes"]])
    else:
        first = inputs()
        tensors = run(dict(first))
        model = keras.models.Model(list(first.values()),
                                   _one([tensors[o] for o in spec["outputs"]]))
    # the probe: the same layers called again on fresh inputs (for a Sequential model, whose
    # inner graph is not part of the documented API) or on the model's own graph
    if probe:
        fresh = inputs()
        tensors = run(dict(fresh))
        probe = keras.models.Model(list(fresh.values()),
                                   [tensors[n["name"]] for n in spec["nodes"]])
    return model, layers, probe or None


def make_optimizer(keras, name: str):
    cls, config = OPTIMIZERS[name]
    return getattr(keras.optimizers, cls)(**config)


def describe_layer(spec: dict, layer_name: str) -> str:
    entry = next(e for e in spec["layers"] if e["name"] == layer_name)
    inner = f"{describe(entry['layer'])}, " if "layer" in entry else ""
    return f"{entry['class']}({inner}{_kwargs(entry['config'])})"


def describe(entry: dict) -> str:
    inner = f"{describe(entry['layer'])}, " if "layer" in entry else ""
    return f"{entry['class']}({inner}{_kwargs(entry['config'])})"


def _kwargs(config: dict) -> str:
    return ", ".join(f"{k}={json.dumps(v)}" for k, v in config.items())


def predict_all(keras, spec, layers, probe, xs, weights) -> list:
    _set_weights(layers, weights)
    probe.compile(run_eagerly=True)
    got = _list(probe.predict(_one(xs), verbose=0))
    if len(got) != len(spec["nodes"]):
        raise Divergence(f"the probe model gave {len(got)} outputs for {len(spec['nodes'])} "
                         f"layer calls")
    return got


def train_step(keras, spec, model, layers, xs, targets, optimizer, loss):
    model.compile(optimizer=make_optimizer(keras, optimizer), loss=loss, run_eagerly=True)
    result = model.train_on_batch(_one(xs), _one(targets))
    total = float(np.ravel(_list(result)[0])[0]) if isinstance(result, list | tuple) \
        else float(np.asarray(result))
    after = {name: [np.asarray(w) for w in layers[name].get_weights()]
             for name in (e["name"] for e in spec["layers"])}
    return total, after


def first_divergence(spec, got, expected, rtol, atol):
    """(index, max diff) of the first node whose output is not close, or None."""
    for i, (y, e) in enumerate(zip(got, expected, strict=True)):
        if y.shape != e.shape:
            return i, f"shape {y.shape}, expected {e.shape}"
        if not np.allclose(y, e, rtol=rtol, atol=atol):
            diff = np.abs(y.astype("float64") - e.astype("float64"))
            return i, f"max |diff| {float(np.max(diff)):.3g}"
    return None


def divergence_message(spec, index, what, rtol, atol, reproduce="") -> str:
    node = spec["nodes"][index]
    agree = ", ".join(f"{n['name']} {describe_layer(spec, n['layer']).split('(')[0]}"
                      for n in spec["nodes"][:index]) or "none (it is the first)"
    shared = sum(n["layer"] == node["layer"] for n in spec["nodes"]) > 1
    return (f"first diverging layer: {node['layer']} = {describe_layer(spec, node['layer'])}"
            f"{' (shared)' if shared else ''}, call {node['name']} on {node['inputs']}: {what} "
            f"(rtol={rtol}, atol={atol}); the layer calls before it agree: {agree}"
            + (f"\nreproduce: {reproduce}" if reproduce else ""))


# -- data: inputs, weights, targets, drawn from a seed --------------------------------------
def draw_weight(rng, shape) -> np.ndarray:
    """Kernels uniform in +-sqrt(3 / fan_in) (pre-activations of variance ~1/3, out of
    saturation), vectors (biases) uniform in +-0.5."""
    shape = tuple(shape)
    if len(shape) >= 2:
        bound = float(np.sqrt(3.0 / max(1, int(np.prod(shape[:-1])))))
    else:
        bound = 0.5
    return rng.uniform(-bound, bound, shape).astype("float32")


def draw_inputs(rng, spec, batch) -> list:
    xs = []
    for entry in spec["inputs"]:
        shape = (batch, *entry["shape"])
        if entry["dtype"].startswith("int"):
            xs.append(rng.integers(0, entry["high"], shape).astype(entry["dtype"]))
        else:
            xs.append(rng.uniform(-1, 1, shape).astype("float32"))
    return xs


def trains(spec) -> bool:
    """Dropout drops at random in training: those models are checked at inference only."""
    return not any(e["class"] == "Dropout" for e in spec["layers"])


def record(keras, spec: dict, seed: int) -> dict:
    """Everything a replay compares, computed by `keras` (tf-keras when recording; the oracle
    in live fuzzing): {"batch", "optimizer", "loss_name", "x": [...], "weights": {layer:
    [...]}, "outputs": [per node], "targets": [per model output], "loss", "after": {...}}."""
    rng = np.random.default_rng(seed)
    batch = int(rng.integers(2, 4))
    xs = draw_inputs(rng, spec, batch)
    model, layers, probe = build(keras, spec)
    weights = {e["name"]: [draw_weight(rng, np.shape(w)) for w in layers[e["name"]].get_weights()]
               for e in spec["layers"]}
    outputs = predict_all(keras, spec, layers, probe, xs, weights)
    out = {"batch": batch, "x": xs, "weights": weights, "outputs": outputs,
           "optimizer": None, "loss_name": None}
    if trains(spec):
        names = [n["name"] for n in spec["nodes"]]
        out["optimizer"] = str(rng.choice(sorted(OPTIMIZERS)))
        out["loss_name"] = str(rng.choice(LOSSES))
        out["targets"] = [rng.uniform(-1, 1, outputs[names.index(o)].shape).astype("float32")
                          for o in spec["outputs"]]
        out["loss"], out["after"] = train_step(keras, spec, model, layers, xs, out["targets"],
                                               out["optimizer"], out["loss_name"])
    return out


# -- tolerances -------------------------------------------------------------------------------
TOLERANCES = {
    "feedforward": {"rtol": 2e-5, "atol": 5e-6, "train_rtol": 1e-4, "train_atol": 1e-5,
                    "reason": "float32 sums of <= 50 products and exp/tanh/sigmoid through "
                              "<= 8 layers: summation order (BLAS, im2col) and libm differ by "
                              "a few ulp per layer, compounding over the stack; the training "
                              "step adds the rounding of gradients (lr <= 0.1)"},
    "recurrent": {"rtol": 1e-4, "atol": 2e-5, "train_rtol": 3e-4, "train_atol": 3e-5,
                  "reason": "float32 recurrences over <= 6 steps: each step's rounding feeds "
                            "the next, and backpropagation through time compounds it both "
                            "ways; still orders of magnitude below a wrong gate or direction"},
}


def tolerance_kind(spec) -> str:
    return "recurrent" if any(
        e["class"] in RECURRENT_CLASSES for e in spec["layers"]) else "feedforward"


# -- the replay check -------------------------------------------------------------------------
def check(keras, model, tol: dict, reproduce: str = "") -> list[str]:
    """Replay one corpus model (conformance.corpus.store.Model) on `keras`: its layer outputs,
    then (when it trains) one training step. Raises Divergence; returns what agreed."""
    notes = check_outputs(keras, model, tol, reproduce)
    if model.entry["optimizer"] is not None:
        notes += check_training(keras, model, tol, reproduce)
    return notes


def _set_weights(layers, weights):
    for name, ws in weights.items():
        if ws:
            layers[name].set_weights(ws)


def check_outputs(keras, model, tol: dict, reproduce: str = "") -> list[str]:
    """Raise Divergence naming the first layer call whose output differs from the record."""
    spec = model.spec
    _, layers, probe = build(keras, spec, model=False)
    got = predict_all(keras, spec, layers, probe, model.inputs(), model.weights())
    found = first_divergence(spec, got, model.outputs(), tol["rtol"], tol["atol"])
    if found:
        raise Divergence(divergence_message(spec, *found, tol["rtol"], tol["atol"], reproduce))
    return [f"{len(got)} layer outputs agree"]


def check_training(keras, model, tol: dict, reproduce: str = "") -> list[str]:
    """One train_on_batch from the recorded weights: raise Divergence on a different loss, or
    naming the first layer whose weights differ after the step."""
    spec = model.spec
    built, layers, _ = build(keras, spec, probe=False)
    _set_weights(layers, model.weights())
    optimizer, loss_name = model.entry["optimizer"], model.entry["loss"]
    loss, after = train_step(keras, spec, built, layers, model.inputs(), model.targets(),
                             optimizer, loss_name)
    rtol, atol = tol["train_rtol"], tol["train_atol"]
    step = f"one train_on_batch with {describe_optimizer(optimizer)} and loss={loss_name!r}"
    tail = f"\nreproduce: {reproduce}" if reproduce else ""
    expected_loss = float(model.arrays["loss"])
    if not np.isclose(loss, expected_loss, rtol=rtol, atol=atol):
        raise Divergence(f"loss of {step}: got {loss!r}, expected {expected_loss!r} "
                         f"(rtol={rtol}, atol={atol}){tail}")
    expected_after = model.weights("after")
    for entry in spec["layers"]:
        name = entry["name"]
        for j, (w, e) in enumerate(zip(after[name], expected_after[name], strict=True)):
            if w.shape != e.shape or not np.allclose(w, e, rtol=rtol, atol=atol):
                what = (f"shape {w.shape}, expected {e.shape}" if w.shape != e.shape else
                        f"max |diff| {float(np.max(np.abs(w - e))):.3g}")
                raise Divergence(
                    f"weights after {step}: first diverging layer {name} = {describe(entry)}, "
                    f"weight {j}: {what} (rtol={rtol}, atol={atol}); the loss agrees{tail}")
    return [f"loss and weights after {step} agree"]


def describe_optimizer(name: str) -> str:
    cls, config = OPTIMIZERS[name]
    return f"{cls}({_kwargs(config)})"


# -- behaviours a model exercises -------------------------------------------------------------
GRAPH_BEHAVIOR = {"sequential": "corpus.graph.sequential", "branches": "corpus.graph.branches",
                  "two_inputs": "corpus.graph.two_inputs", "shared": "corpus.graph.shared_layer",
                  "two_outputs": "corpus.graph.two_outputs"}


def snake(name: str) -> str:
    out = ""
    for i, c in enumerate(name):
        if c.isupper() and i and not name[i - 1].isupper() and name[i - 1] != "_":
            out += "_"
        elif c.isupper() and i and i + 1 < len(name) and name[i + 1].islower() \
                and name[i - 1].isupper():
            out += "_"
        out += c.lower()
    return out.replace("1_d", "1d").replace("2_d", "2d")


def behaviors(entry: dict) -> list[str]:
    """Catalogue ids of a corpus model's layer outputs: its layer classes and its graph."""
    spec = entry["spec"]
    ids = {"corpus.layer_outputs", GRAPH_BEHAVIOR[spec["graph"]]}
    for layer in spec["layers"]:
        ids.add(f"corpus.layers.{snake(layer['class'])}")
        if "layer" in layer:
            ids.add(f"corpus.layers.{snake(layer['class'])}.{snake(layer['layer']['class'])}")
    return sorted(ids)


def training_behaviors(entry: dict) -> list[str]:
    """Catalogue ids of a corpus model's training step (models without Dropout)."""
    return ["corpus.training_step", f"corpus.training_step.{entry['optimizer']}"]
