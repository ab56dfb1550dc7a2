"""``scan``: a recurrence over the time axis as one differentiable op.

Slicing step t out of a recorded (batch, steps, ...) tensor would cost a full-size gradient
per step (quadratic in the number of steps), and one long graph is deep enough to exhaust
Python's recursion in backward. So ``scan`` records a small private graph per step, over
detached copies (proxies) of that step's input, of the previous states and of the parameters,
and its backward walks the steps in reverse, carrying the states' gradient from one step's
graph to the previous one: backpropagation through time.
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
