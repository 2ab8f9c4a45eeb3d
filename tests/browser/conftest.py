"""Fixtures of the browser tests: a live Indico started by the demo's own code, and Debian's Chromium."""

import importlib.util
import os
import secrets
import sys
from pathlib import Path

import pytest
import requests


ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / 'test-artifacts' / 'browser'
CHROMIUM = '/usr/bin/chromium'
# Never download a browser: Debian's Chromium, headless, with nothing that phones home.
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync',
                 '--no-proxy-server']


def _load_live_instance():
    # scripts/lib is not a package; load the very module scripts/demo runs.
    spec = importlib.util.spec_from_file_location('live_instance', ROOT / 'scripts' / 'lib' / 'live_instance.py')
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


live_instance = _load_live_instance()


@pytest.fixture(scope='session')
def live(tmp_path_factory):
    """Indico + Zoom simulator + Redis on free ports, in a fresh database of the test PostgreSQL cluster."""
    instance = live_instance.LiveInstance(
        tmp_path_factory.mktemp('live-indico'),
        indico_port=live_instance.free_port(), zoom_port=live_instance.free_port(),
        redis_port=live_instance.free_port(), pg_port=int(os.environ.get('TEST_PG_PORT', '55433')),
        # one database per run: two suites running at once must not drop each other's
        db_name=f'vczoom_e2e_{os.getpid()}', db_user='vczoom_e2e', webhook_token=secrets.token_urlsafe(24),
    )
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()
        instance.drop_database()


@pytest.fixture(scope='session')
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope='session')
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob('*.png'):
        old.unlink()
    return ARTIFACTS


@pytest.fixture(scope='session')
def http():
    """Plain HTTP to the loopback services (no proxy from the environment)."""
    session = requests.Session()
    session.trust_env = False
    return session
