"""Fixtures for the project-wide tests."""

import pytest

from jointcare.tests.world import ApiWorld, build


@pytest.fixture
def api_world(db) -> ApiWorld:
    """The small world of jointcare.tests.world, built in the test database."""
    return build()
