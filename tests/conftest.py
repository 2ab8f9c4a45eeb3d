"""Test-suite wiring: Indico's real fixtures, the Zoom simulator, and a suite that cannot skip."""

import pytest


pytest_plugins = ('indico', 'zoom_simulator.pytest_plugin')


def pytest_collection_modifyitems(config, items):
    # Browser tests are slow; run them last so a quick failure elsewhere shows first.
    items.sort(key=lambda item: item.get_closest_marker('browser') is not None)


def pytest_sessionfinish(session, exitstatus):
    # A skipped test is a test that did not run: Indico's postgresql fixture skips every DB test when
    # initdb refuses root, so a green run with skips would hide an untested suite. Make it red.
    reporter = session.config.pluginmanager.get_plugin('terminalreporter')
    if reporter is None:
        return
    skipped = reporter.stats.get('skipped', []) + reporter.stats.get('xfailed', [])
    if skipped and session.exitstatus == 0:
        reporter.write_line(f'FAILING THE RUN: {len(skipped)} test(s) skipped/xfailed; skips are not allowed',
                            red=True, bold=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
