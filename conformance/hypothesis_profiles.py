"""Hypothesis profiles: ``dev`` (default), ``ci`` (derandomized) and ``thorough``."""

import os

from hypothesis import HealthCheck, settings

_common = dict(
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    print_blob=True,  # failures print @reproduce_failure(...) to paste into the test
)

settings.register_profile("dev", max_examples=20, deadline=None, **_common)
settings.register_profile("ci", max_examples=15, deadline=None, derandomize=True, **_common)
settings.register_profile("thorough", max_examples=300, deadline=None, **_common)
# --hypothesis-profile (hypothesis' own option) overrides this default.
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def current() -> str:
    """The name of the loaded profile, for the report header."""
    getter = getattr(settings, "get_current_profile_name", None)  # hypothesis >= 6.1xx
    return getter() if getter else getattr(settings, "_current_profile", "default")
