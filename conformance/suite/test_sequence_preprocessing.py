"""keras.preprocessing.sequence: skipgrams and make_sampling_table (pad_sequences has its own
module, test_pad_sequences.py).

Spec: 002_99f94cc914f1cc8c.txt §1.1 gives skipgrams(sequence, vocabulary_size, window_size=4,
negative_samples=1., shuffle=True, categorical=False, sampling_table=None). The Keras 2 API
reference (keras.io/2.x/api/preprocessing, the tf-keras 2.x docstrings) adds: the couples are
(word, word in the same window) labelled 1 and (word, random word from the vocabulary) labelled
0; the window of w_i is [i - window_size, i + window_size + 1] (a slice: window_size words on
each side); index 0 is a non-word and is skipped; negative_samples is the number of negative
couples per positive one (0: none); categorical labels are [0, 1] (positive) and [1, 0]
(negative); sampling_table[i] is the probability of sampling the word of rank i; seed is the
random seed. make_sampling_table(size, sampling_factor=1e-5) gives word2vec's
p = min(1, sqrt(f / sampling_factor) / (f / sampling_factor)) with the Zipf approximation
f(rank) = 1 / (rank * (log(rank) + gamma) + 1/2 - 1 / (12 * rank)).

The random parts are checked through properties; the couples of shuffle=False,
negative_samples=0 exactly, against a derivation written from the documentation.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import golden
from conformance.assertions import assert_allclose

VOCABULARY = 10


def sequence_api(keras):
    return keras.preprocessing.sequence


def documented_skipgrams(sequence, window_size):
    """Positive couples as documented, word by word and, for each, its window left to right."""
    couples = []
    for i, wi in enumerate(sequence):
        if not wi:
            continue
        for j in range(max(0, i - window_size), min(len(sequence), i + window_size + 1)):
            if j != i and sequence[j]:
                couples.append([wi, sequence[j]])
    return couples


def as_lists(couples):
    return [[int(a), int(b)] for a, b in couples]


sequences = st.lists(st.integers(0, VOCABULARY - 1), min_size=0, max_size=12)
windows = st.integers(1, 5)


@pytest.mark.behavior("preprocessing.sequence.skipgrams.window")
def test_skipgrams_documented_window_small_example(keras):
    couples, labels = sequence_api(keras).skipgrams(
        [1, 2, 3, 4], 5, window_size=1, negative_samples=0.0, shuffle=False)
    expected = [[1, 2], [2, 1], [2, 3], [3, 2], [3, 4], [4, 3]]
    assert as_lists(couples) == expected, f"got {couples}, expected {expected} [window_size=1]"
    assert list(labels) == [1] * 6, f"labels {labels}, expected all 1 (positive couples)"


@pytest.mark.behavior("preprocessing.sequence.skipgrams.window")
@given(data=st.data())
def test_skipgrams_positive_couples_are_the_window_pairs(keras, data):
    sequence = data.draw(sequences, label="sequence")
    window = data.draw(windows, label="window_size")
    couples, labels = sequence_api(keras).skipgrams(
        sequence, VOCABULARY, window_size=window, negative_samples=0.0, shuffle=False)
    expected = documented_skipgrams(sequence, window)
    assert as_lists(couples) == expected, (
        f"got {couples}, expected {expected} [skipgrams({sequence}, window_size={window}, "
        f"negative_samples=0, shuffle=False)]")
    assert list(labels) == [1] * len(expected), f"labels {labels}, expected all 1"


@pytest.mark.behavior("preprocessing.sequence.skipgrams.window")
def test_skipgrams_default_window_is_4(keras):
    sequence = [1, 2, 3, 4, 5, 6, 7, 8, 9, 1]
    couples, _ = sequence_api(keras).skipgrams(sequence, VOCABULARY, negative_samples=0.0,
                                               shuffle=False)
    expected = documented_skipgrams(sequence, 4)
    assert as_lists(couples) == expected, f"got {couples}, expected {expected} [window_size=4]"


@pytest.mark.behavior("preprocessing.sequence.skipgrams.index_zero_skipped")
def test_skipgrams_skips_index_zero(keras):
    couples, _ = sequence_api(keras).skipgrams([0, 3, 0, 0, 5, 0], VOCABULARY, window_size=3,
                                               negative_samples=0.0, shuffle=False)
    assert as_lists(couples) == [[3, 5], [5, 3]], (
        f"got {couples}, expected [[3, 5], [5, 3]] (0 is a non-word: no couple holds it)")


@pytest.mark.behavior("preprocessing.sequence.skipgrams.negative_samples")
@pytest.mark.parametrize("negative_samples", [1.0, 2.0, 0.5])
@given(data=st.data())
def test_skipgrams_negative_couples(keras, data, negative_samples):
    sequence = data.draw(st.lists(st.integers(1, VOCABULARY - 1), min_size=2, max_size=10),
                         label="sequence")
    window = data.draw(windows, label="window_size")
    couples, labels = sequence_api(keras).skipgrams(
        sequence, VOCABULARY, window_size=window, negative_samples=negative_samples,
        shuffle=False)
    couples, labels = as_lists(couples), list(labels)
    positives = documented_skipgrams(sequence, window)
    assert len(couples) == len(labels), f"{len(couples)} couples, {len(labels)} labels"
    got_pos = [c for c, label in zip(couples, labels, strict=True) if label == 1]
    got_neg = [c for c, label in zip(couples, labels, strict=True) if label == 0]
    assert sorted(got_pos) == sorted(positives), f"positive couples {got_pos}"
    assert len(got_neg) == int(len(positives) * negative_samples), (
        f"{len(got_neg)} negative couples for {len(positives)} positive ones, expected "
        f"{int(len(positives) * negative_samples)} [negative_samples={negative_samples}]")
    for first, second in got_neg:
        assert first in sequence, f"negative couple {[first, second]}: {first} not a word of it"
        assert 1 <= second < VOCABULARY, (
            f"negative couple {[first, second]}: {second} not a word index in [1, "
            f"vocabulary_size)")


@pytest.mark.behavior("preprocessing.sequence.skipgrams.categorical")
def test_skipgrams_categorical_labels(keras):
    couples, labels = sequence_api(keras).skipgrams(
        [1, 2, 3], VOCABULARY, window_size=1, negative_samples=1.0, shuffle=False,
        categorical=True)
    labels = [list(map(int, label)) for label in labels]
    assert len(labels) == len(couples) == 8, f"{len(couples)} couples, {len(labels)} labels"
    positives = documented_skipgrams([1, 2, 3], 1)
    for label in labels:
        assert label in ([0, 1], [1, 0]), f"label {label}, expected [0, 1] or [1, 0]"
    assert labels.count([0, 1]) == 4 and labels.count([1, 0]) == 4, f"labels {labels}"
    got_pos = [c for c, label in zip(as_lists(couples), labels, strict=True) if label == [0, 1]]
    assert sorted(got_pos) == sorted(positives), (
        f"couples labelled [0, 1] {got_pos}, expected the positive couples {positives}")


@pytest.mark.behavior("preprocessing.sequence.skipgrams.shuffle")
@given(data=st.data())
def test_skipgrams_shuffle_with_seed_is_a_repeatable_permutation(keras, data):
    sequence = data.draw(sequences, label="sequence")
    window = data.draw(windows, label="window_size")
    seed = data.draw(st.integers(0, 1000), label="seed")
    skipgrams = sequence_api(keras).skipgrams
    categorical = data.draw(st.booleans(), label="categorical")
    plain = skipgrams(sequence, VOCABULARY, window_size=window, negative_samples=0.0,
                      shuffle=False, categorical=categorical)
    first = skipgrams(sequence, VOCABULARY, window_size=window, negative_samples=0.0,
                      shuffle=True, seed=seed, categorical=categorical)
    second = skipgrams(sequence, VOCABULARY, window_size=window, negative_samples=0.0,
                       shuffle=True, seed=seed, categorical=categorical)
    assert as_lists(first[0]) == as_lists(second[0]), (
        f"seed={seed}: couples {first[0]} then {second[0]} (the same seed must shuffle alike)")
    assert sorted(as_lists(first[0])) == sorted(as_lists(plain[0])), (
        f"shuffled couples {first[0]} are not a permutation of {plain[0]}")
    assert len(first[1]) == len(first[0]), f"{len(first[0])} couples, {len(first[1])} labels"


@pytest.mark.behavior("preprocessing.sequence.skipgrams.shuffle")
def test_skipgrams_shuffle_keeps_labels_with_their_couples(keras):
    sequence = [1, 2, 3, 4, 5, 6, 7, 8]
    plain, plain_labels = sequence_api(keras).skipgrams(
        sequence, VOCABULARY, window_size=2, negative_samples=1.0, shuffle=False)
    for seed in range(5):
        couples, labels = sequence_api(keras).skipgrams(
            sequence, VOCABULARY, window_size=2, negative_samples=1.0, shuffle=True, seed=seed)
        positives = sorted(c for c, label in zip(as_lists(couples), labels, strict=True)
                           if label == 1)
        assert positives == sorted(documented_skipgrams(sequence, 2)), (
            f"seed={seed}: couples labelled 1 after shuffling {positives} are not the window "
            f"pairs (labels no longer match their couples)")
        assert sorted(labels) == sorted(plain_labels), f"seed={seed}: labels {labels}"


@pytest.mark.behavior("preprocessing.sequence.skipgrams.sampling_table")
def test_skipgrams_sampling_table_probabilities(keras):
    skipgrams = sequence_api(keras).skipgrams
    sequence = [1, 2, 3, 4, 5, 2, 1]
    kwargs = {"window_size": 2, "negative_samples": 0.0, "shuffle": False}
    # probability 1 for every rank: every word is sampled, as without a table
    couples, _ = skipgrams(sequence, VOCABULARY, sampling_table=np.ones(VOCABULARY), **kwargs)
    assert as_lists(couples) == documented_skipgrams(sequence, 2), (
        f"got {couples} with sampling_table of ones, expected every window pair")
    # probability 0 for every rank: no word is sampled
    couples, labels = skipgrams(sequence, VOCABULARY, sampling_table=np.zeros(VOCABULARY),
                                **kwargs)
    assert len(couples) == 0 and len(labels) == 0, (
        f"got {couples} with sampling_table of zeros, expected no couple")
    # probability 0 for words 2 and 4 only: they never come first in a couple
    table = np.ones(VOCABULARY)
    table[[2, 4]] = 0.0
    couples, _ = skipgrams(sequence, VOCABULARY, sampling_table=table, **kwargs)
    expected = [c for c in documented_skipgrams(sequence, 2) if c[0] not in (2, 4)]
    assert as_lists(couples) == expected, (
        f"got {couples}, expected {expected} (ranks 2 and 4 have probability 0)")


# -- make_sampling_table -------------------------------------------------------------------------
def documented_sampling_table(size, sampling_factor=1e-5):
    """The docstring's formula, with Euler's gamma; rank 0 (not a word) is left out."""
    rank = np.arange(1, size, dtype="float64")
    frequency = 1.0 / (rank * (np.log(rank) + np.euler_gamma) + 0.5 - 1.0 / (12.0 * rank))
    ratio = frequency / sampling_factor
    return np.minimum(1.0, np.sqrt(ratio) / ratio)


@pytest.mark.behavior("preprocessing.sequence.make_sampling_table.formula")
@pytest.mark.parametrize(("size", "factor"), [(10, None), (200, None), (100, 1e-2), (50, 0.5)])
def test_make_sampling_table_follows_word2vec_formula(keras, size, factor):
    kwargs = {} if factor is None else {"sampling_factor": factor}
    table = np.asarray(sequence_api(keras).make_sampling_table(size, **kwargs))
    assert table.shape == (size,), f"shape {table.shape}, expected ({size},)"
    # Keras 2 writes gamma as 0.577 (Euler's constant is 0.5772...): that changes
    # rank * (log(rank) + gamma) by less than 0.00022 / 0.577 = 3.8e-4 relative, and p, a
    # square root of it, by less than 1.9e-4.
    assert_allclose(table[1:], documented_sampling_table(size, factor or 1e-5), rtol=2e-4,
                    atol=0, what=f"make_sampling_table({size}, **{kwargs})[1:]")
    # "more common words should be sampled less frequently": p never falls as the rank grows
    assert np.all(np.diff(table[1:]) >= 0), f"probabilities fall with the rank: {table}"


@pytest.mark.behavior("preprocessing.sequence.make_sampling_table.golden")
@pytest.mark.parametrize("name", ["sampling_table_default", "sampling_table_1e-2"])
def test_make_sampling_table_matches_keras2(keras, name):
    case = golden.case("preprocessing", name)
    size = case.input("size")
    table = np.asarray(sequence_api(keras).make_sampling_table(size, **case["kwargs"]))
    # rank 0 is not a word (skipgrams skips it): its entry is not documented
    assert_allclose(table[1:], case.expected[1:], rtol=case.rtol, atol=case.atol,
                    what=f"make_sampling_table({size}, **{case['kwargs']})[1:]")
