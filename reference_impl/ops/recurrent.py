"""``scan``: a recurrence over the time axis as one differentiable op.

Slicing step t out of a recorded (batch, steps, ...) tensor would cost a full-size gradient
per step (quadratic in the number of steps), and one long graph is deep enough to exhaust
Python's recursion in backward. So ``scan`` records a small private graph per step, over
detached copies (proxies) of that step's input, of the previous states and of the parameters,
and its backward walks the steps in reverse, carrying the states' gradient from one step's
graph to the previous one: backpropagation through time.

``lstm`` is the LSTM's recurrence (the default activations) as one op whose backward is the
chain rule of its equations written out in NumPy: no graph per step, the LSTM layer's fast path.
"""

from __future__ import annotations

import numpy as np

from reference_impl import autodiff as ad


def _grad(leaf: ad.Tensor) -> np.ndarray:
    return np.zeros_like(leaf.data) if leaf.grad is None else leaf.grad


def scan(step, sequence, initial_states, params=()):
    """Apply ``states = step(x_t, states, params)`` for t = 0, 1, ... along axis 1.

    ``sequence`` is (batch, steps, ...); the states are a list of tensors of one shape
    (batch, units); ``params`` are the variables the step reads. Returns every step's states,
    stacked as (batch, steps, len(states), units).
    """
    sequence = ad.as_tensor(sequence)
    initial_states = [ad.as_tensor(s) for s in initial_states]
    parents = (sequence, *initial_states, *params)
    steps = sequence.shape[1]
    if not (ad.grad_enabled() and any(p.requires_grad for p in parents)):
        states, history = initial_states, []
        for t in range(steps):
            states = step(ad.Tensor(sequence.data[:, t]), states, list(params))
            history.append(np.stack([s.data for s in states], axis=1))
        return ad.Tensor(_stack_history(history, initial_states))

    weights = [ad.watch(p.data) for p in params]
    states, tape = initial_states, []
    for t in range(steps):
        x_t = ad.watch(sequence.data[:, t])
        previous = [ad.watch(s.data) for s in states]
        states = step(x_t, previous, weights)
        tape.append((x_t, previous, _pack(states)))
    history = _stack_history([packed.data for _, _, packed in tape], initial_states)

    def backward(g):
        for w in weights:
            w.grad = None
        g_sequence = np.zeros_like(sequence.data)
        carried = np.zeros_like(g[:, 0]) if steps else None
        for t in reversed(range(steps)):
            x_t, previous, packed = tape[t]
            for leaf in (x_t, *previous):
                leaf.grad = None
            packed.backward(g[:, t] + carried)
            g_sequence[:, t] = _grad(x_t)
            carried = np.stack([_grad(p) for p in previous], axis=1)
        g_initial = [carried[:, i] if steps else np.zeros_like(s.data)
                     for i, s in enumerate(initial_states)]
        return (g_sequence, *g_initial, *(_grad(w) for w in weights))

    return ad.op(history, parents, backward)


def _pack(states):
    """The states stacked as (batch, len(states), units): one op (ad.stack would make three)."""
    states = [ad.as_tensor(s) for s in states]
    return ad.op(np.stack([s.data for s in states], axis=1), tuple(states),
                 lambda g: tuple(g[:, i] for i in range(len(states))))


def _stack_history(history, initial_states):
    if history:
        return np.stack(history, axis=1)
    batch, units = initial_states[0].shape
    return np.zeros((batch, 0, len(initial_states), units), initial_states[0].dtype)


def lstm(projected, initial_states, recurrent_kernel, recurrent_mask=None, keep=None):
    """The LSTM recurrence with sigmoid gates and tanh activations, as one op whose backward
    is written out (the chain rule of the equations below, step by step in reverse).

    ``projected`` (batch, steps, 4 * units) is x_t @ W + b for every step, gates i, f, g, o;
    ``initial_states`` [h, c]; ``recurrent_mask`` the recurrent dropout mask on h (or None);
    ``keep`` (batch, steps) booleans, 0 where a step is masked (or None). For each step:

        z = projected_t + (h * recurrent_mask) @ U
        i, f, g, o = sigmoid(z_i), sigmoid(z_f), tanh(z_g), sigmoid(z_o)
        c' = f * c + i * g,   h' = o * tanh(c')
        h, c = h' * m + h * (1 - m), c' * m + c * (1 - m)      (m = keep_t; 1 without a mask)

    Returns the states of every step stacked as (batch, steps, 2, units), as ``scan`` does.
    """
    projected, kernel = ad.as_tensor(projected), ad.as_tensor(recurrent_kernel)
    h0, c0 = (ad.as_tensor(s) for s in initial_states)
    x, u = projected.data, kernel.data
    batch, steps, n = x.shape[0], x.shape[1], u.shape[0]
    keep = None if keep is None else keep.astype(x.dtype)[:, :, None]
    history = np.empty((batch, steps, 2, n), x.dtype)
    h_ins = np.empty((batch, steps, n), x.dtype)  # each step's h @ U input, for U's gradient
    h, c, saved = h0.data, c0.data, []
    for t in range(steps):
        h_in = h if recurrent_mask is None else h * recurrent_mask
        h_ins[:, t] = h_in
        z = h_in @ u
        z += x[:, t]
        gates = ad.sigmoid_array(z)  # i, f and o (the sigmoid of z_g goes unused)
        i, f, o = gates[:, :n], gates[:, n:2 * n], gates[:, 3 * n:]
        g = np.tanh(z[:, 2 * n:3 * n])
        c_new = f * c + i * g
        tanh_c = np.tanh(c_new)
        h_new = o * tanh_c
        saved.append((c, i, f, g, o, tanh_c))
        if keep is not None:
            m = keep[:, t]
            h_new, c_new = h_new * m + h * (1.0 - m), c_new * m + c * (1.0 - m)
        h, c = h_new, c_new
        history[:, t, 0], history[:, t, 1] = h, c

    def backward(grad):
        g_x = np.empty_like(x)  # d/dz of every step: the projected inputs' gradient
        u_t = np.ascontiguousarray(u.T)
        g_h, g_c = np.zeros_like(h0.data), np.zeros_like(c0.data)  # from the later steps
        for t in reversed(range(steps)):
            c, i, f, g, o, tanh_c = saved[t]
            g_h, g_c = grad[:, t, 0] + g_h, grad[:, t, 1] + g_c
            if keep is not None:  # a masked step passes its states' gradients straight on
                m = keep[:, t]
                g_h_kept, g_c_kept = g_h * (1.0 - m), g_c * (1.0 - m)
                g_h, g_c = g_h * m, g_c * m
            g_c = g_c + g_h * o * (1 - tanh_c * tanh_c)  # through h' = o * tanh(c')
            g_z = g_x[:, t]  # written gate by gate: i, f, g, o
            g_z[:, :n] = g_c * g * i * (1 - i)
            g_z[:, n:2 * n] = g_c * c * f * (1 - f)
            g_z[:, 2 * n:3 * n] = g_c * i * (1 - g * g)
            g_z[:, 3 * n:] = g_h * tanh_c * o * (1 - o)
            g_h, g_c = g_z @ u_t, g_c * f
            if recurrent_mask is not None:
                g_h = g_h * recurrent_mask
            if keep is not None:
                g_h, g_c = g_h + g_h_kept, g_c + g_c_kept
        # U's gradient, the sum over steps of h_in_t.T @ g_z_t, as one product
        g_u = h_ins.reshape(-1, n).T @ g_x.reshape(-1, 4 * n)
        return g_x, g_h, g_c, g_u

    return ad.op(history, (projected, h0, c0, kernel), backward)
