"""keras.preprocessing.text: text_to_word_sequence, one_hot, hashing_trick, Tokenizer.

Spec: 002_99f94cc914f1cc8c.txt §1.2 gives the signatures and defaults of text_to_word_sequence
(filters, lower, split), one_hot(text, n, ...) ("encodes a text as the word's indices") and
hashing_trick(text, n, hash_function=None, ...) (indices in a hashing space of dimension n,
Python's hash by default). The Keras 2 API reference (keras.io/2.x/api/preprocessing/text, the
tf-keras 2.x docstrings) adds: one_hot returns "integers in [1, n]" and wraps hashing_trick with
`hash`; hashing_trick reserves index 0, takes 'md5' or any str -> int function; the Tokenizer
keeps the `num_words - 1` most frequent words, reserves index 0, puts `oov_token` in word_index
and uses it for out-of-vocabulary words, treats every character as a token with char_level,
accepts lists of tokens as texts, turns texts into sequences, sequences back into texts and
texts into matrices ('binary', 'count', 'freq', 'tfidf'), raises ValueError for a matrix before
any fit without num_words, and round-trips through to_json / tokenizer_from_json.

hashing_trick's md5 indices and the Tokenizer matrices are golden (fixtures/preprocessing.json,
recorded from tf-keras 2.21); Python's `hash` is salted per process, so only properties are
checked for one_hot and the default hash.
"""

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance import golden
from conformance.assertions import assert_allclose, assert_array_equal

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'

# small vocabularies so that words repeat; mixed case and punctuation to exercise the filters
WORDS = st.sampled_from(["the", "The", "cat", "CAT", "dog", "a", "sat", "mat", "on", "it's"])
SEPARATORS = st.sampled_from([" ", "  ", ", ", ". ", "!\n", "\t", " (", ") "])


@st.composite
def sentences(draw, label="text"):
    words = draw(st.lists(WORDS, min_size=0, max_size=8), label=f"{label} words")
    seps = draw(st.lists(SEPARATORS, min_size=len(words), max_size=len(words)),
                label=f"{label} separators")
    return "".join(w + s for w, s in zip(words, seps, strict=True))


def text_api(keras):
    return keras.preprocessing.text


# -- text_to_word_sequence -----------------------------------------------------------------------
@pytest.mark.behavior("preprocessing.text.text_to_word_sequence.default")
def test_text_to_word_sequence_documented_example(keras):
    got = text_api(keras).text_to_word_sequence("This is a sample sentence.")
    assert got == ["this", "is", "a", "sample", "sentence"], (
        f"got {got!r}, expected ['this', 'is', 'a', 'sample', 'sentence'] "
        f"[text_to_word_sequence('This is a sample sentence.')]")


@pytest.mark.behavior("preprocessing.text.text_to_word_sequence.default")
@given(data=st.data())
def test_text_to_word_sequence_drops_default_filters_and_lowercases(keras, data):
    text = data.draw(sentences(), label="text")
    got = text_api(keras).text_to_word_sequence(text)
    expected = "".join(" " if c in DEFAULT_FILTERS else c for c in text.lower()).split()
    assert got == expected, f"got {got!r}, expected {expected!r} [text_to_word_sequence({text!r})]"


@pytest.mark.behavior("preprocessing.text.text_to_word_sequence.filters")
def test_text_to_word_sequence_custom_filters(keras):
    t2ws = text_api(keras).text_to_word_sequence
    # only the listed characters are filtered out; the others stay inside words
    got = t2ws("Hello, world! x-y z_w", filters="!_")
    assert got == ["hello,", "world", "x-y", "z", "w"], f"got {got!r} [filters='!_']"
    # the documented 'list of characters' form
    got = t2ws("a;b:c", filters=[";", ":"])
    assert got == ["a", "b", "c"], f"got {got!r} [filters=[';', ':']]"
    got = t2ws("keep. all, of it!", filters="")
    assert got == ["keep.", "all,", "of", "it!"], f"got {got!r} [filters='']"


@pytest.mark.behavior("preprocessing.text.text_to_word_sequence.lower")
def test_text_to_word_sequence_lower_false_keeps_case(keras):
    t2ws = text_api(keras).text_to_word_sequence
    got = t2ws("The Cat SAT.", lower=False)
    assert got == ["The", "Cat", "SAT"], f"got {got!r} [lower=False]"
    got = t2ws("The Cat SAT.", lower=True)
    assert got == ["the", "cat", "sat"], f"got {got!r} [lower=True]"


@pytest.mark.behavior("preprocessing.text.text_to_word_sequence.split")
def test_text_to_word_sequence_custom_split(keras):
    t2ws = text_api(keras).text_to_word_sequence
    got = t2ws("red|green||blue|", split="|")
    assert got == ["red", "green", "blue"], f"got {got!r} [split='|'] (empty words dropped)"
    # spaces are then part of the words; filtered characters become separators
    got = t2ws("a b|c.d", split="|")
    assert got == ["a b", "c", "d"], f"got {got!r} [split='|', '.' filtered]"


# -- one_hot and hashing_trick -------------------------------------------------------------------
@pytest.mark.behavior("preprocessing.text.one_hot.range")
@given(data=st.data())
def test_one_hot_gives_one_index_per_word_in_range(keras, data):
    text = data.draw(sentences(), label="text")
    n = data.draw(st.integers(2, 50), label="n")
    got = text_api(keras).one_hot(text, n)
    words = text_api(keras).text_to_word_sequence(text)
    assert len(got) == len(words), f"got {len(got)} indices for {len(words)} words [{text!r}]"
    assert all(1 <= int(i) <= n for i in got), f"got {got}, expected integers in [1, {n}]"


@pytest.mark.behavior("preprocessing.text.one_hot.same_word_same_index")
@given(data=st.data())
def test_one_hot_same_word_same_index(keras, data):
    text = data.draw(sentences(), label="text")
    n = data.draw(st.integers(2, 50), label="n")
    text_ns = text_api(keras)
    got = text_ns.one_hot(text, n)
    words = text_ns.text_to_word_sequence(text)
    seen = {}
    for word, index in zip(words, got, strict=True):
        assert seen.setdefault(word, index) == index, (
            f"word {word!r} got indices {seen[word]} and {index} [one_hot({text!r}, {n})]")
    # one_hot wraps hashing_trick with Python's hash (keras.io 2.x text preprocessing page)
    again = text_ns.hashing_trick(text, n, hash_function=hash)
    assert list(got) == list(again), f"got {got}, hashing_trick(hash_function=hash) {again}"


@pytest.mark.behavior("preprocessing.text.hashing_trick.range")
@given(data=st.data())
def test_hashing_trick_indices_in_hashing_space_never_zero(keras, data):
    text = data.draw(sentences(), label="text")
    n = data.draw(st.integers(2, 50), label="n")
    function = data.draw(st.sampled_from([None, "md5"]), label="hash_function")
    got = text_api(keras).hashing_trick(text, n, hash_function=function)
    assert all(1 <= int(i) < n for i in got), (
        f"got {got}, expected indices in [1, {n}) (0 is reserved) "
        f"[hashing_trick({text!r}, {n}, hash_function={function!r})]")


@pytest.mark.behavior("preprocessing.text.hashing_trick.default_hash")
@given(data=st.data())
def test_hashing_trick_default_is_python_hash(keras, data):
    text = data.draw(sentences(), label="text")
    n = data.draw(st.integers(2, 50), label="n")
    hashing = text_api(keras).hashing_trick
    got = hashing(text, n)
    expected = hashing(text, n, hash_function=hash)
    assert list(got) == list(expected), (
        f"got {got}, expected {expected} from hash_function=hash [hashing_trick({text!r}, {n})]")


@pytest.mark.behavior("preprocessing.text.hashing_trick.custom_function")
def test_hashing_trick_calls_custom_function_on_each_word(keras):
    calls = []

    def by_length(word):
        calls.append(word)
        return len(word)

    got = text_api(keras).hashing_trick("The quick, brown FOX!", 100, hash_function=by_length)
    assert calls == ["the", "quick", "brown", "fox"], (
        f"hash_function called with {calls}, expected the filtered, lower-cased words")
    assert got[1] == got[2] and got[0] == got[3] and got[0] != got[1], (
        f"got {got}: words with equal hashes must share an index, distinct small hashes not")
    assert all(1 <= int(i) < 100 for i in got), f"got {got}, expected indices in [1, 100)"


@pytest.mark.behavior("preprocessing.text.hashing_trick.md5")
@pytest.mark.parametrize("name", ["hashing_md5_n10", "hashing_md5_n1000", "hashing_md5_no_lower",
                                  "hashing_md5_split"])
def test_hashing_trick_md5_matches_keras2(keras, name):
    case = golden.case("preprocessing", name)
    got = text_api(keras).hashing_trick(case.input("text"), case.input("n"), hash_function="md5",
                                        **case["kwargs"])
    assert_array_equal(np.asarray(got, dtype="int64"), case.expected,
                       f"hashing_trick({case.input('text')!r}, {case.input('n')}, "
                       f"hash_function='md5', **{case['kwargs']})")


# -- Tokenizer -----------------------------------------------------------------------------------
# Word counts all differ (the 5, cat 4, dog 3, bird 2, fish 1): the documented frequency order
# fixes word_index without any tie rule. Same corpus as fixtures/record_preprocessing.py.
CORPUS = ["The cat, the dog; the CAT!", "Dog bird the cat.", "the\tcat fish\nbird dog"]
WORD_INDEX = {"the": 1, "cat": 2, "dog": 3, "bird": 4, "fish": 5}
QUERIES = ["the cat and the dog", "fish fish fish bird", "unknown words only", "the the cat"]


def fitted(keras, texts=CORPUS, **kwargs):
    tokenizer = text_api(keras).Tokenizer(**kwargs)
    tokenizer.fit_on_texts(texts)
    return tokenizer


@pytest.mark.behavior("preprocessing.text.tokenizer.fit_on_texts.counts")
def test_tokenizer_counts_words_and_documents(keras):
    tokenizer = fitted(keras)
    counts = dict(tokenizer.word_counts)
    docs = dict(tokenizer.word_docs)
    assert counts == {"the": 5, "cat": 4, "dog": 3, "bird": 2, "fish": 1}, (
        f"word_counts {counts}")
    assert docs == {"the": 3, "cat": 3, "dog": 3, "bird": 2, "fish": 1}, f"word_docs {docs}"
    assert tokenizer.document_count == 3, f"document_count {tokenizer.document_count}, expected 3"
    tokenizer.fit_on_texts(["fish"])  # fitting again updates the vocabulary
    assert tokenizer.document_count == 4 and tokenizer.word_counts["fish"] == 2, (
        f"after a second fit: document_count {tokenizer.document_count}, "
        f"word_counts['fish'] {tokenizer.word_counts['fish']}")


@pytest.mark.behavior("preprocessing.text.tokenizer.word_index.frequency_order")
def test_tokenizer_word_index_most_frequent_first(keras):
    tokenizer = fitted(keras)
    assert dict(tokenizer.word_index) == WORD_INDEX, f"word_index {dict(tokenizer.word_index)}"
    index_word = {int(k): v for k, v in tokenizer.index_word.items()}
    assert index_word == {i: w for w, i in WORD_INDEX.items()}, f"index_word {index_word}"


@pytest.mark.behavior("preprocessing.text.tokenizer.word_index.frequency_order")
@given(data=st.data())
def test_tokenizer_word_index_is_1_to_v_by_nonincreasing_count(keras, data):
    texts = data.draw(st.lists(sentences(), min_size=1, max_size=4), label="texts")
    tokenizer = fitted(keras, texts)
    index = dict(tokenizer.word_index)
    assert sorted(index.values()) == list(range(1, len(index) + 1)), (
        f"word_index values {sorted(index.values())}, expected 1..{len(index)} (0 reserved)")
    by_index = sorted(index, key=index.get)
    counts = [tokenizer.word_counts[w] for w in by_index]
    assert counts == sorted(counts, reverse=True), (
        f"counts in word_index order {list(zip(by_index, counts, strict=True))} [texts={texts!r}]")


@pytest.mark.behavior("preprocessing.text.tokenizer.texts_to_sequences")
def test_tokenizer_texts_to_sequences_drops_unknown_words(keras):
    got = fitted(keras).texts_to_sequences(QUERIES)
    expected = [[1, 2, 1, 3], [5, 5, 5, 4], [], [1, 1, 2]]
    assert got == expected, f"got {got}, expected {expected} [texts_to_sequences({QUERIES})]"


@pytest.mark.behavior("preprocessing.text.tokenizer.num_words")
def test_tokenizer_num_words_keeps_most_frequent_num_words_minus_1(keras):
    tokenizer = fitted(keras, num_words=3)
    # word_index still holds every word; only the conversions are limited
    assert dict(tokenizer.word_index) == WORD_INDEX, f"word_index {dict(tokenizer.word_index)}"
    got = tokenizer.texts_to_sequences(QUERIES)
    expected = [[1, 2, 1], [], [], [1, 1, 2]]
    assert got == expected, f"got {got}, expected {expected} [num_words=3]"
    shape = tokenizer.texts_to_matrix(QUERIES).shape
    assert shape == (4, 3), f"texts_to_matrix shape {shape}, expected (4, num_words=3)"


@pytest.mark.behavior("preprocessing.text.tokenizer.oov_token")
def test_tokenizer_oov_token_stands_for_unknown_words(keras):
    tokenizer = fitted(keras, oov_token="<oov>")
    expected_index = {"<oov>": 1, **{w: i + 1 for w, i in WORD_INDEX.items()}}
    assert dict(tokenizer.word_index) == expected_index, f"word_index {tokenizer.word_index}"
    got = tokenizer.texts_to_sequences(QUERIES)
    expected = [[2, 3, 1, 2, 4], [6, 6, 6, 5], [1, 1, 1], [2, 2, 3]]
    assert got == expected, f"got {got}, expected {expected} [oov_token='<oov>']"


@pytest.mark.behavior("preprocessing.text.tokenizer.oov_token")
def test_tokenizer_oov_token_replaces_words_beyond_num_words(keras):
    tokenizer = fitted(keras, num_words=4, oov_token="<oov>")  # keeps <oov>, the, cat
    got = tokenizer.texts_to_sequences(QUERIES)
    expected = [[2, 3, 1, 2, 1], [1, 1, 1, 1], [1, 1, 1], [2, 2, 3]]
    assert got == expected, f"got {got}, expected {expected} [num_words=4, oov_token='<oov>']"


@pytest.mark.behavior("preprocessing.text.tokenizer.sequences_to_texts")
def test_tokenizer_sequences_to_texts_inverts_texts_to_sequences(keras):
    tokenizer = fitted(keras)
    got = tokenizer.sequences_to_texts([[1, 2, 1, 3], [5, 4], [], [2, 99, 1]])
    expected = ["the cat the dog", "fish bird", "", "cat the"]
    assert got == expected, f"got {got}, expected {expected} (unknown index 99 dropped)"
    round_trip = tokenizer.sequences_to_texts(tokenizer.texts_to_sequences(CORPUS))
    expected = [" ".join(text_api(keras).text_to_word_sequence(t)) for t in CORPUS]
    assert round_trip == expected, f"got {round_trip}, expected {expected}"


@pytest.mark.behavior("preprocessing.text.tokenizer.sequences_to_texts")
def test_tokenizer_sequences_to_texts_with_num_words_and_oov(keras):
    tokenizer = fitted(keras, num_words=4, oov_token="<oov>")
    got = tokenizer.sequences_to_texts([[2, 3, 4, 6], [99]])
    expected = ["the cat <oov> <oov>", "<oov>"]
    assert got == expected, f"got {got}, expected {expected} [num_words=4, oov_token='<oov>']"


@pytest.mark.behavior("preprocessing.text.tokenizer.texts_to_matrix")
@pytest.mark.parametrize("tokenizer_name", ["tokenizer_default", "tokenizer_num_words"])
@pytest.mark.parametrize("mode", ["binary", "count", "freq", "tfidf"])
def test_tokenizer_texts_to_matrix_matches_keras2(keras, tokenizer_name, mode):
    case = golden.case("preprocessing", f"{tokenizer_name}_{mode}")
    tokenizer = fitted(keras, case.input("corpus"), **case["kwargs"])
    got = tokenizer.texts_to_matrix(case.input("texts"), mode=mode)
    assert_allclose(np.asarray(got), case.expected, rtol=case.rtol, atol=case.atol,
                    what=f"Tokenizer(**{case['kwargs']}).texts_to_matrix(texts, mode={mode!r})")


@pytest.mark.behavior("preprocessing.text.tokenizer.texts_to_matrix")
def test_tokenizer_documented_modes_by_definition(keras):
    tokenizer = fitted(keras)
    texts = ["the cat the", "fish"]
    binary = np.asarray(tokenizer.texts_to_matrix(texts, mode="binary"))
    count = np.asarray(tokenizer.texts_to_matrix(texts, mode="count"))
    freq = np.asarray(tokenizer.texts_to_matrix(texts, mode="freq"))
    assert binary.shape == (2, len(WORD_INDEX) + 1), f"shape {binary.shape}, expected (2, 6)"
    assert_array_equal(binary, np.array([[0, 1, 1, 0, 0, 0], [0, 0, 0, 0, 0, 1]], "float64"),
                       "texts_to_matrix(mode='binary')")
    assert_array_equal(count, np.array([[0, 2, 1, 0, 0, 0], [0, 0, 0, 0, 0, 1]], "float64"),
                       "texts_to_matrix(mode='count')")
    assert_allclose(freq, np.array([[0, 2 / 3, 1 / 3, 0, 0, 0], [0, 0, 0, 0, 0, 1]]),
                    rtol=1e-12, atol=0, what="texts_to_matrix(mode='freq') (count / length)")


@pytest.mark.behavior("preprocessing.text.tokenizer.matrix_needs_fit")
def test_tokenizer_matrix_before_fit_raises_value_error(keras):
    tokenizer = text_api(keras).Tokenizer()
    with pytest.raises(ValueError):
        tokenizer.sequences_to_matrix([[1, 2]])
    # with num_words the width is known: binary works, tfidf still needs a fit
    sized = text_api(keras).Tokenizer(num_words=4)
    got = np.asarray(sized.sequences_to_matrix([[1, 3, 3]], mode="count"))
    assert_array_equal(got, np.array([[0, 1, 0, 2]], "float64"), "sequences_to_matrix(count)")
    with pytest.raises(ValueError):
        sized.sequences_to_matrix([[1]], mode="tfidf")


@pytest.mark.behavior("preprocessing.text.tokenizer.char_level")
def test_tokenizer_char_level_indexes_characters(keras):
    tokenizer = fitted(keras, ["abca", "Bc"], char_level=True)
    counts = dict(tokenizer.word_counts)
    assert counts == {"a": 2, "b": 2, "c": 2}, f"word_counts {counts} [char_level=True]"
    assert sorted(tokenizer.word_index.values()) == [1, 2, 3], f"word_index {tokenizer.word_index}"
    got = tokenizer.texts_to_sequences(["cab!"])
    index = tokenizer.word_index
    assert got == [[index["c"], index["a"], index["b"]]], (
        f"got {got}, expected one index per known character (no filtering) [char_level=True]")


@pytest.mark.behavior("preprocessing.text.tokenizer.token_lists")
def test_tokenizer_accepts_lists_of_tokens(keras):
    tokenizer = fitted(keras, [["New York", "is", "big"], ["new york", "Paris"], ["new york"]])
    assert tokenizer.word_counts["new york"] == 3, f"word_counts {dict(tokenizer.word_counts)}"
    assert tokenizer.word_index["new york"] == 1, f"word_index {dict(tokenizer.word_index)}"
    got = tokenizer.texts_to_sequences([["paris", "new york", "rome"]])
    expected = [[tokenizer.word_index["paris"], 1]]
    assert got == expected, f"got {got}, expected {expected} (each list entry is one token)"


@pytest.mark.behavior("preprocessing.text.tokenizer.json_round_trip")
def test_tokenizer_to_json_and_back(keras):
    tokenizer = fitted(keras, num_words=5, oov_token="<oov>")
    text_json = tokenizer.to_json()
    json.loads(text_json)  # a JSON string
    restored = text_api(keras).tokenizer_from_json(text_json)
    assert dict(restored.word_index) == dict(tokenizer.word_index), (
        f"word_index {dict(restored.word_index)}, expected {dict(tokenizer.word_index)}")
    assert dict(restored.word_counts) == dict(tokenizer.word_counts), "word_counts differ"
    assert restored.document_count == 3 and restored.num_words == 5, (
        f"document_count {restored.document_count}, num_words {restored.num_words}")
    assert restored.texts_to_sequences(QUERIES) == tokenizer.texts_to_sequences(QUERIES)
    assert restored.sequences_to_texts([[2, 3, 9]]) == tokenizer.sequences_to_texts([[2, 3, 9]])
    for mode in ("binary", "tfidf"):
        assert_allclose(np.asarray(restored.texts_to_matrix(QUERIES, mode=mode)),
                        np.asarray(tokenizer.texts_to_matrix(QUERIES, mode=mode)), rtol=0,
                        atol=0, what=f"restored.texts_to_matrix(mode={mode!r})")



@pytest.mark.behavior("preprocessing.text.analyzer")
def test_custom_analyzer_splits_the_text(keras):
    text_ns = text_api(keras)

    def by_comma(text):
        return [w.strip() for w in text.split(",") if w.strip()]

    tokenizer = text_ns.Tokenizer(analyzer=by_comma)
    tokenizer.fit_on_texts(["New York, Paris, New York", "Rome, Paris, New York"])
    assert dict(tokenizer.word_counts) == {"New York": 3, "Paris": 2, "Rome": 1}, (
        f"word_counts {dict(tokenizer.word_counts)} with analyzer=by_comma (no lower-casing, "
        f"no filters: the analyzer replaces text_to_word_sequence)")
    got = tokenizer.texts_to_sequences(["Paris, Rome, Oslo"])
    assert got == [[2, 3]], f"got {got}, expected [[2, 3]] with analyzer=by_comma"
    indices = text_ns.hashing_trick("a b, a b", 50, hash_function="md5", analyzer=by_comma)
    assert len(indices) == 2 and indices[0] == indices[1], (
        f"hashing_trick(analyzer=by_comma) gave {indices}, expected two equal indices")


@pytest.mark.behavior("preprocessing.text.tokenizer.fit_on_sequences")
@pytest.mark.parametrize("mode", ["binary", "count", "freq", "tfidf"])
def test_tokenizer_sequences_to_matrix_after_fit_on_sequences(keras, mode):
    case = golden.case("preprocessing", f"tokenizer_sequences_{mode}")
    tokenizer = text_api(keras).Tokenizer(**case["kwargs"])
    sequences = case.input("sequences")
    tokenizer.fit_on_sequences(sequences)
    assert tokenizer.document_count == len(sequences), (
        f"document_count {tokenizer.document_count} after fit_on_sequences of "
        f"{len(sequences)} sequences")
    got = tokenizer.sequences_to_matrix(case.input("matrix_sequences"), mode=mode)
    assert_allclose(np.asarray(got), case.expected, rtol=case.rtol, atol=case.atol,
                    what=f"Tokenizer(num_words=7) after fit_on_sequences: "
                         f"sequences_to_matrix(mode={mode!r})")
