import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Throttle counters live in the cache: each test starts with none (token ids may repeat across tests)."""
    cache.clear()
    yield
    cache.clear()
