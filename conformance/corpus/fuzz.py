"""``python -m conformance fuzz``: live differential fuzzing of random models, and replay of
one corpus model.

    python -m conformance fuzz --against tfkeras-legacy --impl reference [--examples 50]
    python -m conformance fuzz --replay m0042-1a2b3c4d --impl reference

Live mode needs both implementations importable in one environment (the reference imports
everywhere, so run it in the tfkeras-legacy env). Hypothesis draws model specs
(conformance.corpus.generator.Drawn over st.data()), the oracle records each (as the corpus
recorder does: every layer call's output, then one training step) and the implementation
replays it; a disagreement is shrunk to a minimal model, whose spec is printed as JSON (add it
to the corpus by giving it to fixtures/record_corpus.py, or keep it as a regression case).
Exit status: 0 all agree, 1 a disagreement (printed), 2 unusable arguments or corpus.
"""

from __future__ import annotations

import json
import sys
import traceback

from conformance.corpus import generator, replay, store


def model_from_record(spec: dict, rec: dict, mid: str = "live") -> store.Model:
    """An in-memory corpus model from replay.record's result (the live oracle's values)."""
    arrays = {f"x{i}": x for i, x in enumerate(rec["x"])}
    for name, ws in rec["weights"].items():
        arrays.update({f"w/{name}/{j}": w for j, w in enumerate(ws)})
    arrays.update({f"y/{n['name']}": y for n, y in zip(spec["nodes"], rec["outputs"],
                                                         strict=True)})
    if rec["optimizer"] is not None:
        arrays.update({f"t{i}": t for i, t in enumerate(rec["targets"])})
        arrays["loss"] = rec["loss"]
        for name, ws in rec["after"].items():
            arrays.update({f"after/{name}/{j}": w for j, w in enumerate(ws)})
    entry = {"id": mid, "spec": spec, "nodes": [n["name"] for n in spec["nodes"]],
             "weights": {n: len(ws) for n, ws in rec["weights"].items()},
             "batch": rec["batch"], "tolerance": replay.tolerance_kind(spec),
             "optimizer": rec["optimizer"], "loss": rec["loss_name"]}
    return store.Model(entry, arrays)


class OracleError(Exception):
    """The oracle itself failed on a generated spec (a generator bug, not a verdict)."""


def compare_live(oracle, impl, spec: dict, seed: int = 0) -> list[str]:
    """Record `spec` with the oracle namespace, replay it on `impl`; raise replay.Divergence
    (or the implementation's own exception) on disagreement."""
    _clear(oracle)
    try:
        rec = replay.record(oracle, spec, seed)
    except Exception as exc:  # noqa: BLE001 - any oracle failure is a generator bug
        raise OracleError(f"the oracle failed on this spec: {exc!r}") from exc
    _clear(impl)
    return replay.check(impl, model_from_record(spec, rec),
                        replay.TOLERANCES[replay.tolerance_kind(spec)])


def _clear(keras):
    backend = getattr(keras, "backend", None)
    clear = getattr(backend, "clear_session", None)
    if clear is not None:
        clear()


def live(oracle, impl, examples: int = 50, seed: int = 0, out=sys.stdout):
    """Fuzz `impl` against `oracle` (Keras namespaces). Returns (minimal spec, message) of a
    shrunk disagreement, or None when every drawn model agrees."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis import strategies as st

    last = {}

    @hypothesis_seed(seed)
    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def run(data):
        spec = generator.generate(generator.Drawn(data))
        last["spec"] = spec
        compare_live(oracle, impl, spec)

    try:
        run()
    except OracleError:
        raise
    except Exception as exc:  # noqa: BLE001 - the minimal failing example's error
        message = str(exc) if isinstance(exc, replay.Divergence) else (
            f"the implementation raised {''.join(traceback.format_exception_only(exc)).strip()}")
        return last["spec"], message
    return None


def main(args) -> int:
    from conformance import registry

    try:
        impl = registry.load(args.impl)
    except registry.ImplementationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.replay:
        try:
            corpus = store.load()
            model = corpus.models[args.replay]
        except store.CorpusError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except KeyError:
            print(f"error: no model {args.replay!r} in {store.corpus_dir()}", file=sys.stderr)
            return 2
        print(f"{model.id} on {impl.describe()}:\n{json.dumps(model.spec)}")
        try:
            notes = replay.check(impl.keras, model, corpus.tolerance(model))
        except replay.Divergence as exc:
            print(f"DISAGREES: {exc}")
            return 1
        print("agrees: " + "; ".join(notes))
        return 0
    try:
        oracle = registry.load(args.against)
    except registry.ImplementationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"fuzzing {impl.describe()} against {oracle.describe()}: {args.examples} models, "
          f"seed {args.seed}", flush=True)
    found = live(oracle.keras, impl.keras, args.examples, args.seed)
    if found is None:
        print(f"all {args.examples} models agree")
        return 0
    spec, message = found
    print(f"DISAGREEMENT (shrunk to a minimal model):\n{message}\nminimal spec:\n"
          f"{json.dumps(spec, indent=1)}")
    return 1


def add_parser(commands):
    f = commands.add_parser("fuzz", help="draw random models, compare an implementation with "
                                         "an oracle live (or replay one corpus model)")
    f.add_argument("--impl", default="reference", help="implementation under test")
    f.add_argument("--against", default="tfkeras-legacy", help="the oracle (live mode)")
    f.add_argument("--examples", type=int, default=50, help="models to draw (live mode)")
    f.add_argument("--seed", type=int, default=0, help="hypothesis seed (live mode)")
    f.add_argument("--replay", metavar="MODEL_ID", help="replay one recorded corpus model")
    return f
