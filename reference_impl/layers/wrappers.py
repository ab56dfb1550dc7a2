"""Layer wrappers (keras.io/2/api/layers/recurrent_layers; spec 002 §3.1).

- ``TimeDistributed(layer)``: applies ``layer`` (a layer or a model) to every temporal slice
  of an input of at least 3 dimensions, axis 1 being time; the same weights at every step.
- ``Bidirectional(layer, merge_mode='concat')``: runs a forward copy of an RNN layer and a
  backward copy (``go_backwards`` flipped), reverses the backward output in time when it is a
  sequence, and merges the two with 'sum', 'mul', 'concat', 'ave', or returns both as a list
  (None). Its weights are the forward layer's, then the backward layer's.
"""

from __future__ import annotations

from reference_impl import autodiff as ad
from reference_impl.engine.base_layer import LAYER_CLASSES, Layer, to_list


def serialize_layer(layer) -> dict:
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize_layer(spec: dict) -> Layer:
    return LAYER_CLASSES[spec["class_name"]].from_config(dict(spec["config"]))


class Wrapper(Layer):
    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `{type(self).__name__}` layer with a `Layer` "
                             f"instance. Received: {layer}")
        super().__init__(**kwargs)
        self.layer = layer

    def _sublayers(self):
        return [self.layer]

    def get_config(self):
        return {**super().get_config(), "layer": serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(deserialize_layer(config.pop("layer")), **config)


class TimeDistributed(Wrapper):
    supports_masking = True  # the input mask (batch, timesteps) passes on unchanged

    def _step_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError(f"`TimeDistributed` Layer should be passed an `input_shape` with "
                             f"at least 3 dimensions, received: {input_shape}")
        return (None, *input_shape[2:])

    def build(self, input_shape):
        self.layer._maybe_build(self._step_shape(input_shape))
        self.built = True

    def compute_output_shape(self, input_shape):
        step_output = self.layer.compute_output_shape(self._step_shape(input_shape))
        return (input_shape[0], input_shape[1], *step_output[1:])

    def call(self, inputs, training=None, mask=None):
        x = ad.as_tensor(inputs)
        batch, steps = x.shape[:2]
        y = self.layer(ad.reshape(x, (batch * steps, *x.shape[2:])), training=training)
        return ad.reshape(y, (batch, steps, *y.shape[1:]))


MERGE_MODES = ("sum", "mul", "concat", "ave", None)


class Bidirectional(Wrapper):
    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None,
                 **kwargs):
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should "
                             f"be one of {MERGE_MODES}")
        super().__init__(layer, weights=weights, **kwargs)
        config = layer.get_config()
        self.forward_layer = type(layer).from_config({**config, "name": f"forward_{layer.name}"})
        if backward_layer is None:
            backward_layer = type(layer).from_config(
                {**config, "name": f"backward_{layer.name}",
                 "go_backwards": not config["go_backwards"]})
        self.backward_layer = backward_layer
        for copy in (self.forward_layer, self.backward_layer):
            # tf-keras 2: sequence outputs are zero at masked steps inside a Bidirectional
            copy.zero_output_for_mask = config["return_sequences"]
        self.merge_mode = merge_mode
        self.return_sequences = config["return_sequences"]
        self.return_state = config["return_state"]

    def _sublayers(self):
        return [self.forward_layer, self.backward_layer]

    def __call__(self, inputs, initial_state=None, **kwargs):
        if initial_state is not None:  # the first half for the forward layer, as Keras
            inputs = [inputs, *to_list(initial_state)]
        return super().__call__(inputs, **kwargs)

    def build(self, input_shape):
        shape = input_shape[0] if isinstance(input_shape, list) else input_shape
        self.forward_layer._maybe_build(shape)
        self.backward_layer._maybe_build(shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        shape = input_shape[0] if isinstance(input_shape, list) else input_shape
        output = self.forward_layer.compute_output_shape(shape)
        output, states = (output[0], output[1:]) if isinstance(output, list) else (output, [])
        if self.merge_mode == "concat":
            outputs = [(*output[:-1], 2 * output[-1])]
        elif self.merge_mode is None:
            outputs = [output, output]
        else:
            outputs = [output]
        if self.return_state:
            return outputs + states + states
        return outputs if self.merge_mode is None else outputs[0]

    supports_masking = True

    def compute_mask(self, inputs, mask=None):
        mask = mask[0] if isinstance(mask, list) else mask
        output_mask = mask if self.return_sequences else None
        outputs = [output_mask] if self.merge_mode is not None else [output_mask, output_mask]
        if self.return_state:
            return outputs + [None] * (len(self.forward_layer.state_sizes) * 2)
        return outputs if self.merge_mode is None else outputs[0]

    def call(self, inputs, training=None, mask=None):
        forward_state = backward_state = None
        mask = mask[0] if isinstance(mask, list) else mask
        if isinstance(inputs, list):
            inputs, states = inputs[0], inputs[1:]
            half = len(states) // 2
            forward_state, backward_state = states[:half], states[half:]
        y = to_list(self.forward_layer(inputs, initial_state=forward_state, training=training,
                                       mask=mask))
        y_rev = to_list(self.backward_layer(inputs, initial_state=backward_state,
                                            training=training, mask=mask))
        (y, *forward_states), (y_rev, *backward_states) = y, y_rev
        if self.return_sequences:
            y_rev = ad.reverse(y_rev, 1)  # step t of both outputs lines up
        outputs = [y, y_rev] if self.merge_mode is None else [self._merge(y, y_rev)]
        if self.return_state:
            return outputs + forward_states + backward_states
        return outputs if self.merge_mode is None else outputs[0]

    def _merge(self, y, y_rev):
        if self.merge_mode == "concat":
            return ad.concatenate([y, y_rev], axis=-1)
        if self.merge_mode == "sum":
            return y + y_rev
        if self.merge_mode == "ave":
            return (y + y_rev) * 0.5
        return y * y_rev

    def get_config(self):
        config = {**super().get_config(), "merge_mode": self.merge_mode}
        if self.backward_layer.name != f"backward_{self.layer.name}":
            config["backward_layer"] = serialize_layer(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "backward_layer" in config:
            config["backward_layer"] = deserialize_layer(config["backward_layer"])
        return super().from_config(config)
