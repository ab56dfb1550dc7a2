"""The reference against Keras 3 on JAX, timed in ONE process, interleaved: ratios, not times.

    .tox/keras-jax/bin/python benchmarks/compare_reference_jax.py [--repeats 9] [--op fit]
        [WORKLOAD ...]                 (or --profile WORKLOAD: a cProfile of the reference)

The machine these run on is shared and its load moves; timing the two implementations in
separate runs would put the load's changes into the ratio. Here both build the same workloads
(``workloads.py``, the benchmarks' builders and seeded data), each gets one untimed warm-up
call (weight creation, JAX tracing and compilation), then the rounds alternate: reference,
JAX, reference, JAX, ... The table gives each side's median wall-clock time and the ratio
reference / JAX of the medians (below 1: the reference is faster), then the same for the CPU
time of the process (all its threads): on a machine with more runnable processes than cores
the wall-clock ratio swings from run to run, the CPU-time ratio much less. ``--op`` picks the
operation as the benchmarks time it: ``fit`` (one epoch, the default), ``predict`` (1024
samples in one batch) or ``evaluate``. ``--profile WORKLOAD`` prints a cProfile (CPU time) of
one reference call of that operation instead.

The reference's matrix products run in NumPy's OpenBLAS, which starts one thread per core. On
a loaded machine (more runnable processes than cores) its threads wait for each other and a
product can take 10-50 times longer than on one thread; ``OPENBLAS_NUM_THREADS=1`` in the
environment (it must be set before NumPy loads) avoids that. JAX's XLA has its own kernels and
threads. The header prints the setting and the load average: compare ratios measured alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]

from workloads import PREDICT_LARGE, WORKLOADS  # noqa: E402

from conformance.registry import load  # noqa: E402

OPS = {
    "fit": lambda w: w.model.fit(w.x, w.y, epochs=1, batch_size=w.batch_size, verbose=0),
    "predict": lambda w: w.model.predict(w.x_large, batch_size=PREDICT_LARGE, verbose=0),
    "evaluate": lambda w: w.model.evaluate(w.x, w.y, batch_size=w.batch_size, verbose=0),
}


def _seconds(fn, w) -> tuple[float, float]:
    """(wall-clock, CPU) seconds of one call; CPU time is the process's, all threads."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn(w)
    return time.perf_counter() - wall, time.process_time() - cpu


def compare(names, op: str, repeats: int) -> None:
    reference, jax = load("reference").keras, load("keras-jax").keras
    fn = OPS[op]
    print(f"{op}: median of {repeats} interleaved rounds after one warm-up; load average "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS', '(unset: one per core)')}")
    print(f"{'workload':<20} {'reference s':>12} {'keras-jax s':>12} {'ratio':>7} "
          f"{'CPU ref s':>10} {'CPU jax s':>10} {'CPU ratio':>10}")
    for name in names:
        sides = [WORKLOADS[name](reference), WORKLOADS[name](jax)]
        for w in sides:
            fn(w)  # warm-up: build, trace, compile
        rounds = [[], []]
        for _ in range(repeats):
            for side, w in enumerate(sides):
                rounds[side].append(_seconds(fn, w))
        (ref, ref_cpu), (other, other_cpu) = (
            (statistics.median(r[0] for r in side), statistics.median(r[1] for r in side))
            for side in rounds)
        print(f"{name:<20} {ref:12.4f} {other:12.4f} {ref / other:7.2f} "
              f"{ref_cpu:10.4f} {other_cpu:10.4f} {ref_cpu / other_cpu:10.2f}", flush=True)


def profile(name: str, op: str) -> None:
    import cProfile
    import pstats

    w = WORKLOADS[name](load("reference").keras)
    OPS[op](w)
    profiler = cProfile.Profile(time.process_time)  # CPU time: not the load of other processes
    profiler.runcall(OPS[op], w)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="*", help=f"default: all of {', '.join(WORKLOADS)}")
    parser.add_argument("--op", choices=list(OPS), default="fit")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--profile", choices=list(WORKLOADS))
    args = parser.parse_args(argv)
    unknown = set(args.workloads) - set(WORKLOADS)
    if unknown:
        parser.error(f"unknown workload(s) {sorted(unknown)}; known: {', '.join(WORKLOADS)}")
    if args.profile:
        profile(args.profile, args.op)
    else:
        compare(args.workloads or list(WORKLOADS), args.op, args.repeats)


if __name__ == "__main__":
    main()
