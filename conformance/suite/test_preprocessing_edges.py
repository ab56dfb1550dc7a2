"""Edges of keras.preprocessing.sequence and keras.preprocessing.text: arguments, defaults and
errors that test_pad_sequences.py, test_sequence_preprocessing.py and
test_text_preprocessing.py leave out.

Sources: the tf-keras 2.x docstrings of pad_sequences (dtype `object` "to pad sequences with
variable length strings"; value "Float or String"; ValueError "in case of invalid shape for a
`sequences` entry"), skipgrams, make_sampling_table, one_hot, hashing_trick and Tokenizer
(keras.io/2.x/api/preprocessing), and 002_99f94cc914f1cc8c.txt §1.1-1.2 for the signatures and
defaults. Where the documentation names a case but not its values, they are golden
(fixtures/preprocessing_edges.json, recorded from tf-keras 2.21 by
fixtures/record_preprocessing_edges.py). Error messages are checked only for what they must
name (the rejected value, the argument, the shapes), never for their wording.
"""

import json
import random

import numpy as np
import pytest

from conformance import golden
from conformance.assertions import assert_allclose, assert_array_equal


def sequence_api(keras):
    return keras.preprocessing.sequence


def text_api(keras):
    return keras.preprocessing.text


def pad(keras, sequences, **kwargs):
    return sequence_api(keras).pad_sequences(sequences, **kwargs)


@pytest.fixture
def seeded_random():
    """Python's global `random`, which Keras 2's skipgrams draws its negative couples from,
    seeded for a repeatable test and restored afterwards."""
    state = random.getstate()
    random.seed(1234)
    yield
    random.setstate(state)


# -- pad_sequences -------------------------------------------------------------------------------
VECTOR_CASES = [f"pad_vectors_{p}_{t}_{m}" for p in ("pre", "post") for t in ("pre", "post")
                for m in (None, 2, 5)]


@pytest.mark.behavior("preprocessing.sequence.pad_sequences.vector_steps")
@pytest.mark.parametrize("name", VECTOR_CASES)
def test_pad_sequences_of_vectors_matches_keras2(keras, name):
    case = golden.case("preprocessing_edges", name)
    sequences = [np.asarray(s, dtype="int64").reshape(-1, 2) for s in case.input("sequences")]

    got = pad(keras, sequences, **case["kwargs"])

    what = f"pad_sequences(sequences of (2,)-vectors, one empty, **{case['kwargs']})"
    assert isinstance(got, np.ndarray), f"{what} type: got {type(got)}"
    assert got.dtype == np.int32, f"{what} dtype: got {got.dtype}, expected int32"
    assert_array_equal(got, case.expected, what)


@pytest.mark.behavior("preprocessing.sequence.pad_sequences.vector_steps")
def test_pad_sequences_of_nested_lists_keeps_the_step_shape(keras):
    # the same as arrays, written as nested lists; the empty sequence comes first
    got = pad(keras, [[], [[1, 2, 3]], [[4, 5, 6], [7, 8, 9]]], padding="post", value=-1)
    expected = np.array([[[-1, -1, -1], [-1, -1, -1]],
                         [[1, 2, 3], [-1, -1, -1]],
                         [[4, 5, 6], [7, 8, 9]]], dtype="int32")
    assert_array_equal(got, expected, "pad_sequences([[], [[1, 2, 3]], [[4, 5, 6], [7, 8, 9]]], "
                                      "padding='post', value=-1)")


@pytest.mark.behavior("preprocessing.sequence.pad_sequences.step_shape_mismatch")
def test_pad_sequences_step_shape_mismatch_names_the_shapes(keras):
    with pytest.raises(ValueError) as info:
        pad(keras, [[[1, 2, 3]], [[4, 5, 6], [7, 8, 9]], [[1, 2]]])
    message = str(info.value)
    # the per-step shape found and the one expected (from the first non-empty sequence)
    for part in ("(2,)", "(3,)"):
        assert part in message, f"ValueError message {message!r} does not name {part!r}"


@pytest.mark.behavior("preprocessing.sequence.pad_sequences.step_shape_mismatch")
def test_pad_sequences_step_shape_comes_from_first_non_empty_sequence(keras):
    # an empty sequence first does not set the step shape; the first non-empty one does
    with pytest.raises(ValueError):
        pad(keras, [[], [[1, 2]], [[1, 2, 3]]])
    got = pad(keras, [[], [[1, 2]], [[3, 4]]])
    assert got.shape == (3, 1, 2), f"shape {got.shape}, expected (3, 1, 2)"


@pytest.mark.behavior("preprocessing.sequence.pad_sequences.dtype.float32")
def test_pad_sequences_float32_golden(keras):
    case = golden.case("preprocessing_edges", "pad_float32_value")
    got = pad(keras, case.input("sequences"), **case["kwargs"])
    assert got.dtype == np.float32, f"dtype {got.dtype}, expected float32"
    assert_array_equal(got, case.expected, f"pad_sequences(int sequences, **{case['kwargs']})")


@pytest.mark.behavior("preprocessing.sequence.pad_sequences.dtype.object")
@pytest.mark.parametrize("padding", ["pre", "post"])
def test_pad_sequences_object_dtype_pads_strings(keras, padding):
    sequences = [["the", "cat", "sat"], ["a"], [], ["on", "the", "mat", "now"]]
    got = pad(keras, sequences, maxlen=3, dtype=object, padding=padding, value="<pad>")

    assert got.dtype == np.dtype(object), f"dtype {got.dtype}, expected object"
    rows = [["the", "cat", "sat"], ["a"], [], ["the", "mat", "now"]]  # truncating='pre'
    expected = [(["<pad>"] * (3 - len(r)) + r) if padding == "pre"
                else (r + ["<pad>"] * (3 - len(r))) for r in rows]
    assert got.tolist() == expected, (
        f"got {got.tolist()}, expected {expected} [pad_sequences(strings, maxlen=3, "
        f"dtype=object, padding={padding!r}, value='<pad>')]")


@pytest.mark.behavior("preprocessing.sequence.pad_sequences.dtype.object")
def test_pad_sequences_object_dtype_keeps_each_element_as_given(keras):
    got = pad(keras, [["a", 1, 2.5], [None]], dtype=object, value="<pad>")

    expected = [["a", 1, 2.5], ["<pad>", "<pad>", None]]
    assert got.tolist() == expected, f"got {got.tolist()}, expected {expected}"
    types = [type(v).__name__ for v in got[0]]
    assert types == ["str", "int", "float"], (
        f"element types {types}, expected ['str', 'int', 'float'] (dtype=object holds the "
        f"Python objects given)")


@pytest.mark.behavior("preprocessing.sequence.pad_sequences.dtype.object")
def test_pad_sequences_unicode_dtype_pads_strings(keras):
    got = pad(keras, [["ab", "c"], ["d"]], dtype="<U3", value="_")
    assert got.tolist() == [["ab", "c"], ["_", "d"]], f"got {got.tolist()} [dtype='<U3']"


@pytest.mark.behavior("preprocessing.sequence.pad_sequences.string_value_needs_text_dtype")
@pytest.mark.parametrize("dtype", ["int32", "float32"])
def test_pad_sequences_string_value_with_numeric_dtype(keras, dtype):
    with pytest.raises(ValueError) as info:
        pad(keras, [[1, 2], [3]], dtype=dtype, value="x")
    message = str(info.value)
    # the message names the dtype, the value's type (str) and the remedy (dtype=object)
    for part in (dtype, "'str'", "object"):
        assert part in message, f"ValueError message {message!r} does not name {part!r}"


@pytest.mark.behavior("preprocessing.sequence.pad_sequences.not_iterable")
def test_pad_sequences_rejects_a_non_iterable_argument(keras):
    with pytest.raises(ValueError, match="`sequences`"):
        pad(keras, 5)


@pytest.mark.behavior("preprocessing.sequence.pad_sequences.not_iterable")
def test_pad_sequences_rejects_a_non_iterable_entry(keras):
    with pytest.raises(ValueError) as info:
        pad(keras, [[1, 2], 12345, [3]])
    message = str(info.value)
    for part in ("`sequences`", "12345"):
        assert part in message, f"ValueError message {message!r} does not name {part!r}"


@pytest.mark.behavior("preprocessing.sequence.pad_sequences.invalid_side_message")
@pytest.mark.parametrize("argument", ["padding", "truncating"])
def test_pad_sequences_invalid_side_is_named(keras, argument):
    with pytest.raises(ValueError, match="middle"):
        pad(keras, [[1], [2, 3, 4]], maxlen=2, **{argument: "middle"})


@pytest.mark.behavior("preprocessing.sequence.pad_sequences.maxlen.given")
def test_pad_sequences_empty_list_with_maxlen(keras):
    got = pad(keras, [], maxlen=3)
    assert got.shape == (0, 3) and got.dtype == np.int32, (
        f"pad_sequences([], maxlen=3): shape {got.shape} dtype {got.dtype}, expected (0, 3) int32")


# -- skipgrams -----------------------------------------------------------------------------------
def as_lists(couples):
    return [[int(a), int(b)] for a, b in couples]


def window_pairs(sequence, window_size):
    return [[wi, sequence[j]] for i, wi in enumerate(sequence) if wi
            for j in range(max(0, i - window_size), min(len(sequence), i + window_size + 1))
            if j != i and sequence[j]]


@pytest.mark.behavior("preprocessing.sequence.skipgrams.defaults")
def test_skipgrams_default_negative_samples_is_one(keras):
    sequence = [1, 2, 3, 4, 5, 6]
    couples, labels = sequence_api(keras).skipgrams(sequence, 10, window_size=2, shuffle=False)
    labels = [int(label) for label in labels]
    positives = len(window_pairs(sequence, 2))
    assert labels.count(1) == positives and labels.count(0) == positives, (
        f"{labels.count(1)} positive and {labels.count(0)} negative couples, expected "
        f"{positives} of each (negative_samples=1. by default)")
    assert len(couples) == 2 * positives, f"{len(couples)} couples, expected {2 * positives}"


@pytest.mark.behavior("preprocessing.sequence.skipgrams.defaults")
def test_skipgrams_shuffles_by_default(keras):
    sequence = [1, 2, 3, 4, 5, 6, 7, 8]
    skipgrams = sequence_api(keras).skipgrams
    plain = as_lists(skipgrams(sequence, 10, window_size=2, negative_samples=0.0,
                               shuffle=False)[0])
    orders = []
    for seed in range(4):
        default = skipgrams(sequence, 10, window_size=2, negative_samples=0.0, seed=seed)
        explicit = skipgrams(sequence, 10, window_size=2, negative_samples=0.0, shuffle=True,
                             seed=seed)
        assert as_lists(default[0]) == as_lists(explicit[0]), (
            f"seed={seed}: default couples {default[0]}, with shuffle=True {explicit[0]} "
            f"(shuffle=True is the default)")
        orders.append(as_lists(default[0]))
    # 26 couples: a shuffle that keeps their order four times running has probability 26!^-4
    assert any(order != plain for order in orders), (
        f"couples came back in window order for seeds 0..3: {orders[0]}")


@pytest.mark.behavior("preprocessing.sequence.skipgrams.shuffle")
@pytest.mark.parametrize("categorical", [False, True])
def test_skipgrams_shuffle_without_seed_keeps_labels_with_couples(keras, categorical):
    sequence = [1, 2, 3, 4, 5, 6, 7, 8]
    positive = [0, 1] if categorical else 1
    for _ in range(3):
        couples, labels = sequence_api(keras).skipgrams(
            sequence, 10, window_size=2, negative_samples=1.0, shuffle=True,
            categorical=categorical)
        labels = [list(map(int, label)) if categorical else int(label) for label in labels]
        assert len(couples) == len(labels) == 2 * len(window_pairs(sequence, 2)), (
            f"{len(couples)} couples, {len(labels)} labels")
        got = sorted(c for c, label in zip(as_lists(couples), labels, strict=True)
                     if label == positive)
        assert got == sorted(window_pairs(sequence, 2)), (
            f"couples labelled {positive} after a shuffle without seed {got} are not the "
            f"window pairs (labels moved away from their couples)")


@pytest.mark.behavior("preprocessing.sequence.skipgrams.negative_words")
def test_skipgrams_negative_couples_start_with_sampled_words(keras, seeded_random):
    # words 2 and 3 have sampling probability 0: they appear only as context words of positive
    # couples, never first; negative couples start with a word of the sequence that was sampled
    sequence = [1, 2, 3, 4, 2, 3, 5, 3, 2, 6]
    table = np.ones(10)
    table[[2, 3]] = 0.0
    couples, labels = sequence_api(keras).skipgrams(
        sequence, 10, window_size=2, negative_samples=2.0, shuffle=False, sampling_table=table)
    couples, labels = as_lists(couples), [int(label) for label in labels]
    firsts = {c[0] for c, label in zip(couples, labels, strict=True) if label == 1}
    negatives = [c for c, label in zip(couples, labels, strict=True) if label == 0]
    assert firsts == {1, 4, 5, 6}, f"first words of the positive couples {sorted(firsts)}"
    assert len(negatives) == 24, f"{len(negatives)} negative couples, expected 2 * 12"
    for first, second in negatives:
        assert first in firsts, (
            f"negative couple {[first, second]} starts with {first}, not a sampled word "
            f"{sorted(firsts)} (words 2 and 3 have probability 0 in sampling_table)")


@pytest.mark.behavior("preprocessing.sequence.skipgrams.negative_range")
@pytest.mark.parametrize("vocabulary_size", [2, 3, 4])
def test_skipgrams_negative_words_cover_the_vocabulary(keras, seeded_random, vocabulary_size):
    sequence = [1] * 12
    couples, labels = sequence_api(keras).skipgrams(
        sequence, vocabulary_size, window_size=3, negative_samples=3.0, shuffle=False)
    drawn = [c[1] for c, label in zip(as_lists(couples), labels, strict=True)
             if int(label) == 0]
    # 3 * 60 = 180 draws: one of <= 3 indices is missed with probability < 3 * (2/3)^180
    assert len(drawn) == 3 * len(window_pairs(sequence, 3)), f"{len(drawn)} negative couples"
    assert set(drawn) == set(range(1, vocabulary_size)), (
        f"negative context words {sorted(set(drawn))}, expected every index of [1, "
        f"{vocabulary_size}) and no other [vocabulary_size={vocabulary_size}]")


# -- make_sampling_table -------------------------------------------------------------------------
@pytest.mark.behavior("preprocessing.sequence.make_sampling_table.rank_zero")
@pytest.mark.parametrize("name", ["sampling_table_default", "sampling_table_1e-2"])
def test_make_sampling_table_entry_zero_matches_keras2(keras, name):
    case = golden.case("preprocessing", name)
    table = np.asarray(sequence_api(keras).make_sampling_table(case.input("size"),
                                                               **case["kwargs"]))
    assert np.all(np.isfinite(table)) and np.all((table >= 0) & (table <= 1)), (
        f"make_sampling_table entries must be probabilities, got {table[:4]}...")
    assert_allclose(table[:1], case.expected[:1], rtol=case.rtol, atol=case.atol,
                    what=f"make_sampling_table({case.input('size')}, **{case['kwargs']})[0]")
    assert table[0] == table[1], f"table[0] {table[0]} != table[1] {table[1]}"


# -- one_hot and hashing_trick -------------------------------------------------------------------
WORD_ARGUMENTS = [
    {"filters": ""},
    {"filters": "!"},
    {"lower": False},
    {"split": "|"},
    {"split": "|", "filters": "", "lower": False},
]
TEXT = "The cat.sat|ON the MAT! a,b|c"


def recording_hash(calls):
    def function(word):
        calls.append(word)
        return sum(map(ord, word))
    return function


@pytest.mark.behavior("preprocessing.text.hashing_trick.word_splitting")
@pytest.mark.parametrize("kwargs", WORD_ARGUMENTS)
def test_hashing_trick_hashes_the_words_of_text_to_word_sequence(keras, kwargs):
    text_ns = text_api(keras)
    calls = []
    got = text_ns.hashing_trick(TEXT, 1000, hash_function=recording_hash(calls), **kwargs)
    words = text_ns.text_to_word_sequence(TEXT, **kwargs)
    assert calls == words, (
        f"hash_function called with {calls}, expected text_to_word_sequence(text, **{kwargs}) "
        f"= {words}")
    expected = [sum(map(ord, w)) % 999 + 1 for w in words]
    assert [int(i) for i in got] == expected, f"got {got}, expected {expected}"


@pytest.mark.behavior("preprocessing.text.one_hot.arguments")
@pytest.mark.parametrize("kwargs", WORD_ARGUMENTS)
def test_one_hot_passes_its_word_arguments_on(keras, kwargs):
    text_ns = text_api(keras)
    # n large: distinct words share an index with probability ~1e-9 per pair
    n = 10**9
    got = [int(i) for i in text_ns.one_hot(TEXT, n, **kwargs)]
    words = text_ns.text_to_word_sequence(TEXT, **kwargs)
    expected = [hash(w) % (n - 1) + 1 for w in words]
    assert got == expected, (
        f"one_hot(text, n, **{kwargs}) gave {got}, expected hash(word) % (n - 1) + 1 for the "
        f"words {words}")


@pytest.mark.behavior("preprocessing.text.one_hot.arguments")
def test_one_hot_uses_the_analyzer(keras):
    text_ns = text_api(keras)
    n = 10**9

    def by_comma(text):
        return [w.strip() for w in text.split(",")]

    got = [int(i) for i in text_ns.one_hot("New York, Paris,ROME", n, analyzer=by_comma)]
    expected = [hash(w) % (n - 1) + 1 for w in ["New York", "Paris", "ROME"]]
    assert got == expected, f"one_hot(analyzer=by_comma) gave {got}, expected {expected}"


# -- Tokenizer -----------------------------------------------------------------------------------
@pytest.mark.behavior("preprocessing.text.tokenizer.unfitted")
def test_unfitted_tokenizer_is_empty(keras):
    tokenizer = text_api(keras).Tokenizer()
    assert dict(tokenizer.word_index) == {} and dict(tokenizer.index_word) == {}, (
        f"word_index {tokenizer.word_index}, index_word {tokenizer.index_word}, expected {{}}")
    assert dict(tokenizer.word_counts) == {} and tokenizer.document_count == 0, (
        f"word_counts {tokenizer.word_counts}, document_count {tokenizer.document_count}")
    got = tokenizer.texts_to_sequences(["the cat sat"])
    assert got == [[]], f"texts_to_sequences before any fit: got {got}, expected [[]]"
    got = tokenizer.sequences_to_texts([[1, 2]])
    assert got == [""], f"sequences_to_texts before any fit: got {got}, expected ['']"


@pytest.mark.behavior("preprocessing.text.tokenizer.unknown_argument")
def test_tokenizer_unknown_argument_is_named(keras):
    with pytest.raises(TypeError, match="no_such_option"):
        text_api(keras).Tokenizer(no_such_option=3)


@pytest.mark.behavior("preprocessing.text.tokenizer.filters_lower_split")
def test_tokenizer_lower_false_keeps_case(keras):
    tokenizer = text_api(keras).Tokenizer(lower=False)
    tokenizer.fit_on_texts(["The the THE", "the"])
    assert dict(tokenizer.word_counts) == {"The": 1, "the": 2, "THE": 1}, (
        f"word_counts {dict(tokenizer.word_counts)} [lower=False]")
    got = tokenizer.texts_to_sequences(["THE the Cat"])
    assert got == [[tokenizer.word_index["THE"], 1]], f"got {got} [lower=False]"


@pytest.mark.behavior("preprocessing.text.tokenizer.filters_lower_split")
def test_tokenizer_split_and_filters(keras):
    tokenizer = text_api(keras).Tokenizer(split="|", filters="#")
    tokenizer.fit_on_texts(["New York|paris|new york#Rome", "a b.|Paris"])
    assert dict(tokenizer.word_counts) == {"new york": 2, "paris": 2, "rome": 1, "a b.": 1}, (
        f"word_counts {dict(tokenizer.word_counts)} [split='|', filters='#']")
    got = tokenizer.texts_to_sequences(["PARIS|new york|oslo"])
    index = tokenizer.word_index
    assert got == [[index["paris"], index["new york"]]], f"got {got} [split='|', filters='#']"


@pytest.mark.behavior("preprocessing.text.tokenizer.char_level")
def test_tokenizer_char_level_lowercases_the_whole_text(keras):
    # Python's str.lower of the whole text: a capital sigma at the end of a word becomes the
    # final form 'ς', elsewhere 'σ' (lower-casing character by character gives 'σ' twice)
    tokenizer = text_api(keras).Tokenizer(char_level=True)
    tokenizer.fit_on_texts(["ΣΑΣ"])
    assert dict(tokenizer.word_counts) == {"σ": 1, "α": 1, "ς": 1}, (
        f"word_counts {dict(tokenizer.word_counts)} [char_level=True, 'ΣΑΣ']")


@pytest.mark.behavior("preprocessing.text.tokenizer.fit_on_sequences")
def test_fit_on_sequences_accumulates(keras):
    tokenizer = text_api(keras).Tokenizer()
    tokenizer.fit_on_sequences([[1, 2, 2]])
    tokenizer.fit_on_sequences([[2], [3, 3]])
    assert tokenizer.document_count == 3, (
        f"document_count {tokenizer.document_count} after fitting 1 then 2 sequences")
    docs = {int(k): v for k, v in tokenizer.index_docs.items()}
    assert docs == {1: 1, 2: 2, 3: 1}, f"index_docs {docs}, expected {{1: 1, 2: 2, 3: 1}}"


@pytest.mark.behavior("preprocessing.text.tokenizer.fit_on_sequences")
def test_fit_on_sequences_after_fit_on_texts_adds_documents(keras):
    tokenizer = text_api(keras).Tokenizer()
    tokenizer.fit_on_texts(["a b", "b c"])
    tokenizer.fit_on_sequences([[1]])
    assert tokenizer.document_count == 3, f"document_count {tokenizer.document_count}"


@pytest.mark.behavior("preprocessing.text.tokenizer.sequences_to_matrix.default_mode")
def test_sequences_to_matrix_default_mode_is_binary(keras):
    tokenizer = text_api(keras).Tokenizer(num_words=5)
    got = np.asarray(tokenizer.sequences_to_matrix([[1, 3, 3], [4, 4, 4, 2]]))
    assert_array_equal(got, np.array([[0, 1, 0, 1, 0], [0, 0, 1, 0, 1]], "float64"),
                       "sequences_to_matrix(sequences) (mode='binary' by default)")


@pytest.mark.behavior("preprocessing.text.tokenizer.unknown_mode")
def test_sequences_to_matrix_unknown_mode_is_named(keras):
    tokenizer = text_api(keras).Tokenizer(num_words=5)
    with pytest.raises(ValueError, match="no_such_mode"):
        tokenizer.sequences_to_matrix([[1, 2]], mode="no_such_mode")


@pytest.mark.behavior("preprocessing.text.tokenizer.matrix_needs_fit")
def test_matrix_errors_name_what_is_missing(keras):
    with pytest.raises(ValueError, match="num_words"):
        text_api(keras).Tokenizer().sequences_to_matrix([[1, 2]])
    with pytest.raises(ValueError, match="tfidf"):
        text_api(keras).Tokenizer(num_words=4).sequences_to_matrix([[1]], mode="tfidf")


@pytest.mark.behavior("preprocessing.text.tokenizer.sequences_to_matrix.edges")
@pytest.mark.parametrize("mode", ["binary", "count", "freq", "tfidf"])
def test_sequences_to_matrix_edges_match_keras2(keras, mode):
    case = golden.case("preprocessing_edges", f"matrix_unseen_{mode}")
    tokenizer = text_api(keras).Tokenizer(**case["kwargs"])
    tokenizer.fit_on_sequences(case.input("fit_sequences"))
    got = np.asarray(tokenizer.sequences_to_matrix(case.input("matrix_sequences"), mode=mode))
    assert_allclose(got, case.expected, rtol=case.rtol, atol=case.atol,
                    what=f"Tokenizer(num_words=8).sequences_to_matrix({case.input('matrix_sequences')}"
                         f", mode={mode!r}) after fit_on_sequences({case.input('fit_sequences')})")


@pytest.mark.behavior("preprocessing.text.tokenizer.sequences_to_matrix.edges")
def test_sequences_to_matrix_leaves_out_index_num_words(keras):
    tokenizer = text_api(keras).Tokenizer(num_words=4)
    got = np.asarray(tokenizer.sequences_to_matrix([[1, 4, 5], [4]], mode="count"))
    assert_array_equal(got, np.array([[0, 1, 0, 0], [0, 0, 0, 0]], "float64"),
                       "Tokenizer(num_words=4).sequences_to_matrix([[1, 4, 5], [4]], 'count')")


CONFIG_KEYS = {"num_words", "filters", "lower", "split", "char_level", "oov_token",
               "document_count", "word_counts", "word_docs", "index_docs", "index_word",
               "word_index"}


@pytest.mark.behavior("preprocessing.text.tokenizer.to_json.format")
def test_to_json_names_the_class_and_holds_the_config(keras):
    tokenizer = text_api(keras).Tokenizer(num_words=7, split="|", lower=False, oov_token="?")
    tokenizer.fit_on_texts(["a|b|a", "c"])
    document = json.loads(tokenizer.to_json())
    assert document.get("class_name") == "Tokenizer", (
        f"to_json class_name {document.get('class_name')!r}, expected 'Tokenizer'")
    config = document.get("config", {})
    assert set(config) == CONFIG_KEYS, (
        f"config keys {sorted(config)}, expected {sorted(CONFIG_KEYS)}")
    arguments = {k: config[k] for k in ("num_words", "split", "lower", "oov_token",
                                        "char_level", "document_count")}
    assert arguments == {"num_words": 7, "split": "|", "lower": False, "oov_token": "?",
                         "char_level": False, "document_count": 2}, f"config {arguments}"
    # the fitted dictionaries are JSON strings of their own
    assert json.loads(config["word_index"]) == dict(tokenizer.word_index), (
        f"config word_index {config['word_index']!r}")
    assert json.loads(config["word_counts"]) == {"a": 2, "b": 1, "c": 1}, (
        f"config word_counts {config['word_counts']!r}")


@pytest.mark.behavior("preprocessing.text.tokenizer.to_json.kwargs")
def test_to_json_passes_kwargs_to_json_dumps(keras):
    tokenizer = text_api(keras).Tokenizer()
    tokenizer.fit_on_texts(["the cat", "the dog"])
    plain = tokenizer.to_json()
    indented = tokenizer.to_json(indent=2, sort_keys=True)
    expected = json.dumps(json.loads(plain), indent=2, sort_keys=True)
    assert indented == expected, (
        f"to_json(indent=2, sort_keys=True) gave {indented[:80]!r}..., expected "
        f"json.dumps(..., indent=2, sort_keys=True) {expected[:80]!r}...")
