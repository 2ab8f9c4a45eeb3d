"""Benchmarks reuse the test suite's fixtures (Indico's real fixtures, the simulator, logged-in clients)."""

from tests.conftest import _fresh_settings_cache_per_request, login, zoom_host, zoom_plugin  # noqa: F401


pytest_plugins = ('indico', 'zoom_simulator.pytest_plugin')
