"""keras-conformance: a conformance suite for documented Keras behaviour."""

__version__ = "0.1.0"
