"""Text preprocessing (Keras 2, keras.io/2.x/api/preprocessing/text): word splitting, one-hot
hashing, the hashing trick and the Tokenizer."""

from __future__ import annotations

import hashlib
import json

import numpy as np

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def text_to_word_sequence(text, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Lower-case (optionally), replace each filtered character by ``split``, split, drop
    empty strings."""
    if lower:
        text = text.lower()
    text = text.translate(str.maketrans({c: split for c in filters}))
    return [word for word in text.split(split) if word]


def hashing_trick(text, n, hash_function=None, filters=DEFAULT_FILTERS, lower=True, split=" ",
                  analyzer=None):
    """Each word to an index in [1, n - 1] by hashing (Python's ``hash`` by default, or
    'md5', or a function); 0 is reserved. ``analyzer`` replaces text_to_word_sequence."""
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        def hash_function(word):
            return int(hashlib.md5(word.encode()).hexdigest(), 16)
    if analyzer is None:
        words = text_to_word_sequence(text, filters=filters, lower=lower, split=split)
    else:
        words = analyzer(text)
    return [hash_function(word) % (n - 1) + 1 for word in words]


def one_hot(text, n, filters=DEFAULT_FILTERS, lower=True, split=" ", analyzer=None):
    """The hashing trick with Python's ``hash``: word indices in [1, n - 1]."""
    return hashing_trick(text, n, hash_function=hash, filters=filters, lower=lower,
                         split=split, analyzer=analyzer)


class Tokenizer:
    """Builds a word index from texts (most frequent word first, index 1; 0 is reserved) and
    turns texts into index sequences or into (num_texts, num_words) matrices. Only the
    ``num_words - 1`` most frequent words are used when ``num_words`` is set; ``oov_token``
    (index 1 when given) stands for the others."""

    def __init__(self, num_words=None, filters=DEFAULT_FILTERS, lower=True, split=" ",
                 char_level=False, oov_token=None, analyzer=None, document_count=0, **kwargs):
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {kwargs}")
        self.num_words, self.filters, self.lower, self.split = num_words, filters, lower, split
        self.char_level, self.oov_token, self.analyzer = char_level, oov_token, analyzer
        self.document_count = document_count
        self.word_counts: dict[str, int] = {}
        self.word_docs: dict[str, int] = {}
        self.word_index: dict[str, int] = {}
        self.index_word: dict[int, str] = {}
        self.index_docs: dict[int, int] = {}

    def _words(self, text) -> list:
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return list(text)
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts) -> None:
        for text in texts:
            self.document_count += 1
            words = self._words(text)
            for word in words:
                self.word_counts[word] = self.word_counts.get(word, 0) + 1
            for word in set(words):
                self.word_docs[word] = self.word_docs.get(word, 0) + 1
        # most frequent first; ties keep the order of first appearance (sorted is stable)
        vocabulary = sorted(self.word_counts, key=self.word_counts.get, reverse=True)
        if self.oov_token is not None:
            vocabulary = [self.oov_token, *(w for w in vocabulary if w != self.oov_token)]
        self.word_index = {word: i for i, word in enumerate(vocabulary, start=1)}
        self.index_word = {i: word for word, i in self.word_index.items()}
        self.index_docs = {self.word_index[w]: count for w, count in self.word_docs.items()}

    def fit_on_sequences(self, sequences) -> None:
        self.document_count += len(sequences)
        for sequence in sequences:
            for index in set(sequence):
                self.index_docs[index] = self.index_docs.get(index, 0) + 1

    def texts_to_sequences(self, texts) -> list:
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        for text in texts:
            sequence = []
            for word in self._words(text):
                index = self.word_index.get(word)
                if index is not None and (not self.num_words or index < self.num_words):
                    sequence.append(index)
                elif oov is not None:
                    sequence.append(oov)
            yield sequence

    def sequences_to_texts(self, sequences) -> list:
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        """Each sequence as its known words (index below num_words; else the oov_token when
        set) joined by ' '."""
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        for sequence in sequences:
            words = []
            for index in sequence:
                if index in self.index_word and (not self.num_words or index < self.num_words):
                    words.append(self.index_word[index])
                elif oov is not None:
                    words.append(self.index_word[oov])
            yield " ".join(words)

    def texts_to_matrix(self, texts, mode="binary") -> np.ndarray:
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary") -> np.ndarray:
        """One row per sequence: 'binary' (1 where a word occurs), 'count', 'freq' (count /
        length) or 'tfidf' ((1 + log count) * log(1 + documents / (1 + documents with the
        word)))."""
        if mode not in ("binary", "count", "tfidf", "freq"):
            raise ValueError(f"Unknown vectorization mode: {mode}")
        width = self.num_words or (len(self.word_index) + 1 if self.word_index else None)
        if width is None:
            raise ValueError("Specify a dimension (`num_words` argument), or fit on some text "
                             "data first.")
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")
        matrix = np.zeros((len(sequences), width))
        for row, sequence in enumerate(sequences):
            counts: dict[int, int] = {}
            for index in sequence:
                if index < width:
                    counts[index] = counts.get(index, 0) + 1
            for index, count in counts.items():
                if mode == "count":
                    matrix[row, index] = count
                elif mode == "freq":
                    matrix[row, index] = count / len(sequence)
                elif mode == "binary":
                    matrix[row, index] = 1
                else:
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(index, 0)))
                    matrix[row, index] = (1 + np.log(count)) * idf
        return matrix

    def get_config(self) -> dict:
        """The constructor arguments and, as JSON strings, the fitted dictionaries."""
        return {"num_words": self.num_words, "filters": self.filters, "lower": self.lower,
                "split": self.split, "char_level": self.char_level,
                "oov_token": self.oov_token, "document_count": self.document_count,
                **{name: json.dumps(getattr(self, name)) for name in _FITTED}}

    def to_json(self, **kwargs) -> str:
        """``{"class_name": "Tokenizer", "config": get_config()}`` as JSON (kwargs go to
        json.dumps); read back by :func:`tokenizer_from_json`."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()},
                          **kwargs)


_FITTED = ("word_counts", "word_docs", "index_docs", "index_word", "word_index")


def tokenizer_from_json(json_string) -> Tokenizer:
    """The Tokenizer that ``Tokenizer.to_json`` describes (JSON turns int keys into strings:
    index_docs and index_word get theirs back)."""
    config = dict(json.loads(json_string)["config"])
    fitted = {name: json.loads(config.pop(name)) for name in _FITTED}
    tokenizer = Tokenizer(**config)
    for name in ("index_docs", "index_word"):
        fitted[name] = {int(k): v for k, v in fitted[name].items()}
    for name, value in fitted.items():
        setattr(tokenizer, name, value)
    return tokenizer
