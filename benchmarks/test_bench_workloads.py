"""Speed of the spec sources' programs on any implementation: one epoch of ``fit``,
``predict`` of one sample and of 1024 samples in one batch, and ``evaluate``.

    pytest benchmarks --keras-impl=NAME --benchmark-only --benchmark-json=OUT.json
    python -m conformance bench reference.json OUT.json --out reports/bench

The models and their seeded data are in ``workloads.py`` (the same arrays for every
implementation). Each benchmark makes one untimed warm-up call first (pedantic mode,
``warmup_rounds=1``): weight creation, graph tracing and compilation are not counted. Not a
conformance test: it checks nothing and claims no behaviour.
"""

import pytest
from workloads import PREDICT_LARGE, WORKLOADS

NAMES = list(WORKLOADS)


def _time(benchmark, group, fn, *args, rounds=3, **kwargs):
    benchmark.group = group
    benchmark.pedantic(fn, args=args, kwargs=kwargs, rounds=rounds, iterations=1,
                       warmup_rounds=1)


@pytest.mark.parametrize("workload", NAMES)
def test_fit(benchmark, built, workload):
    w = built(workload)
    _time(benchmark, "fit one epoch", w.model.fit, w.x, w.y, epochs=1,
          batch_size=w.batch_size, verbose=0)


@pytest.mark.parametrize("workload", NAMES)
def test_predict_batch_1(benchmark, built, workload):
    w = built(workload)
    _time(benchmark, "predict batch 1", w.model.predict, w.x_one(), batch_size=1, verbose=0,
          rounds=10)


@pytest.mark.parametrize("workload", NAMES)
def test_predict_batch_1024(benchmark, built, workload):
    w = built(workload)
    _time(benchmark, f"predict batch {PREDICT_LARGE}", w.model.predict, w.x_large,
          batch_size=PREDICT_LARGE, verbose=0)


@pytest.mark.parametrize("workload", NAMES)
def test_evaluate(benchmark, built, workload):
    w = built(workload)
    _time(benchmark, "evaluate", w.model.evaluate, w.x, w.y, batch_size=w.batch_size,
          verbose=0)
