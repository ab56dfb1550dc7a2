"""Text preprocessing (Keras 2): word splitting, one-hot hashing, the hashing trick."""

from __future__ import annotations

import hashlib

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def text_to_word_sequence(text, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Lower-case (optionally), replace each filtered character by ``split``, split, drop
    empty strings."""
    if lower:
        text = text.lower()
    text = text.translate(str.maketrans({c: split for c in filters}))
    return [word for word in text.split(split) if word]


def hashing_trick(text, n, hash_function=None, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Each word to an index in [1, n - 1] by hashing (Python's ``hash`` by default, or
    'md5', or a function); 0 is reserved."""
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        def hash_function(word):
            return int(hashlib.md5(word.encode()).hexdigest(), 16)
    words = text_to_word_sequence(text, filters=filters, lower=lower, split=split)
    return [hash_function(word) % (n - 1) + 1 for word in words]


def one_hot(text, n, filters=DEFAULT_FILTERS, lower=True, split=" ", analyzer=None):
    """The hashing trick with Python's ``hash``: word indices in [1, n - 1]."""
    return hashing_trick(text, n, hash_function=hash, filters=filters, lower=lower,
                         split=split)
