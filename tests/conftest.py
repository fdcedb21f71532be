"""Suite-wide set-up: hypothesis profiles and the fake servers' fixtures."""

import os

from hypothesis import HealthCheck, settings

pytest_plugins = ["tests.support.fixtures", "tests.support.stuck_tasks"]

settings.register_profile("default", max_examples=100, deadline=None)
settings.register_profile(
    "ci",
    max_examples=300,  # thorough, and `just test` stays under three minutes on two cores
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(
    "ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "default")
)
