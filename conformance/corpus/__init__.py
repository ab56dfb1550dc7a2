"""A generated corpus of random Keras models: generator (specs), builder/replay, store.

See conformance/corpus/generator.py (specs), replay.py (build, record, compare) and
store.py (fixtures/corpus/ format); fixtures/record_corpus.py records it from tf-keras 2.x and
conformance/suite/test_corpus.py replays it.
"""
