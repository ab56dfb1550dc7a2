"""Hypothesis profiles: ``dev`` (default), ``ci`` (derandomized) and ``thorough``."""

from hypothesis import HealthCheck, settings

_common = dict(
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    print_blob=True,  # failures print @reproduce_failure(...) to paste into the test
)

settings.register_profile("dev", max_examples=20, deadline=None, **_common)
settings.register_profile("ci", max_examples=15, deadline=None, derandomize=True, **_common)
settings.register_profile("thorough", max_examples=300, deadline=None, **_common)
