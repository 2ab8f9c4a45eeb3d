"""The wheel as users get it: built from the checkout, inspected, installed with Indico into a brand-new venv.

    python scripts/lib/wheel_check.py INDICO_VERSION [WORK_DIR]     (scripts/test runs it with the 3.2 lane's Python)

1. ``pip wheel --no-deps`` builds the wheel from the checkout with its declared build requirements (setup.py
   compiles the translation catalogs into it).
2. Its file list must hold the templates, static files, the browser script, the migrations and a compiled catalog
   per language, and no test code (``tests/``, the simulator's tests, ``conftest.py``, ``test_*.py``); its metadata
   the distribution name, licence and entry point.
3. A new venv (the Python running this script, no site packages) gets the wheel and ``indico==INDICO_VERSION`` from
   the package index (pip's cache makes this quick); run from outside the checkout with a tiny ``indico.conf``,
   ``indico setup list-plugins`` must list ``vc_zoom``, and the installed plugin must speak French.

Exits non-zero with what is wrong. Prints the time each step took.
"""

import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from email.parser import Parser
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ('fr_FR', 'de_DE', 'es_ES')
REQUIRED = ('indico_vc_zoom/plugin.py', 'indico_vc_zoom/templates/event_page.html',
            'indico_vc_zoom/templates/emails/modified.html', 'indico_vc_zoom/static/images/zoom_logo.svg',
            'indico_vc_zoom/client/passcode.js',
            *(f'indico_vc_zoom/translations/{lang}/LC_MESSAGES/messages.mo' for lang in LANGUAGES))
CONFIG = """\
# just enough for the indico command to start: nothing here is connected to
SQLALCHEMY_DATABASE_URI = 'postgresql://nobody@127.0.0.1:1/none'
SECRET_KEY = 'wheel-check-only'
BASE_URL = 'http://127.0.0.1:1'
REDIS_CACHE_URL = 'redis://127.0.0.1:1/0'
CELERY_BROKER = 'redis://127.0.0.1:1/1'
CACHE_DIR = {dir!r} + '/cache'
LOG_DIR = {dir!r} + '/log'
TEMP_DIR = {dir!r} + '/tmp'
PLUGINS = {{'vc_zoom'}}
"""
# the installed plugin, not the checkout, translates (run with the checkout out of sys.path)
SPEAKS_FRENCH = """\
import indico_vc_zoom, sys
from indico.web.flask.app import make_app
from indico.util.i18n import force_locale
from indico_vc_zoom.i18n import _
assert {venv!r} in indico_vc_zoom.__file__, indico_vc_zoom.__file__
with make_app().test_request_context(), force_locale('fr_FR'):
    print(_('New passcode'))
"""


def fail(message):
    sys.exit(f'wheel check: {message}')


def step(name, started):
    print(f'wheel check: {name} ({time.monotonic() - started:.0f} s)', flush=True)


def run(*args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if result.returncode:
        fail(f'{" ".join(map(str, args))} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}')
    return result.stdout


def build(dist):
    # the build directory of an earlier build could leak files the sources no longer have into the wheel
    shutil.rmtree(ROOT / 'build', ignore_errors=True)
    run(sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--disable-pip-version-check', '-q', '-w', dist, ROOT)
    wheels = sorted(Path(dist).glob('indico_vc_zoom-*.whl'))
    if len(wheels) != 1:
        fail(f'expected one wheel, found {wheels}')
    return wheels[0]


def inspect(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        dist_info = next(n.split('/')[0] for n in names if n.endswith('.dist-info/METADATA'))
        metadata = Parser().parsestr(zf.read(f'{dist_info}/METADATA').decode())
        entry_points = zf.read(f'{dist_info}/entry_points.txt').decode()
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        fail(f'the wheel lacks {missing}')
    if not any(n.startswith('indico_vc_zoom/migrations/') and n.endswith('.py') for n in names):
        fail('the wheel has no migrations')
    tests = [n for n in names if n.startswith(('tests/', 'zoom_simulator/tests/')) or '/tests/' in n
             or n.rsplit('/', 1)[-1].startswith('test_') or n.endswith('conftest.py')]
    if tests:
        fail(f'the wheel carries test code: {tests[:10]}')
    strays = [n for n in names if not n.startswith(('indico_vc_zoom/', 'zoom_simulator/', dist_info))]
    if strays:
        fail(f'the wheel carries files outside the packages: {strays[:10]}')
    if metadata['Name'] != 'indico-vc-zoom' or metadata['License'] != 'MIT':
        fail(f'unexpected metadata: name {metadata["Name"]!r}, licence {metadata["License"]!r}')
    if 'vc_zoom = indico_vc_zoom.plugin:ZoomPlugin' not in entry_points:
        fail(f'no vc_zoom entry point: {entry_points}')
    print(f'wheel check: {wheel.name}: {len(names)} files, templates, static, client script, migrations and '
          f'catalogs ({", ".join(LANGUAGES)}) present, no test code')


def install_and_list(wheel, work, indico_version):
    venv = work / 'venv'
    run(sys.executable, '-m', 'venv', venv)
    python = venv / 'bin' / 'python'
    # setuptools<81: Indico imports pkg_resources, which setuptools 81 removed
    run(python, '-m', 'pip', 'install', '-q', '--disable-pip-version-check', 'setuptools<81', str(wheel),
        f'indico=={indico_version}')
    (work / 'indico.conf').write_text(CONFIG.format(dir=str(work)))
    for sub in ('cache', 'log', 'tmp'):
        (work / sub).mkdir(exist_ok=True)
    env = {'INDICO_CONFIG': str(work / 'indico.conf'), 'PATH': f'{venv}/bin:/usr/bin:/bin', 'HOME': str(work),
           'LANG': 'C.UTF-8'}
    listing = run(venv / 'bin' / 'indico', 'setup', 'list-plugins', cwd=work, env=env)
    if not any(line.split('|')[1:2] == [' vc_zoom '] for line in listing.splitlines()):
        fail(f'indico setup list-plugins does not list vc_zoom:\n{listing}')
    print('wheel check: indico setup list-plugins lists vc_zoom', flush=True)
    french = run(python, '-c', SPEAKS_FRENCH.format(venv=str(venv)), cwd=work, env=env).strip().splitlines()[-1]
    if french != 'Nouveau code secret':
        fail(f'the installed plugin does not translate: {french!r}')
    print('wheel check: the installed plugin speaks French')


def main(argv):
    if not 1 <= len(argv) <= 2:
        sys.exit(__doc__)
    indico_version = argv[0]
    work = Path(argv[1]) if len(argv) == 2 else Path(tempfile.mkdtemp(prefix='vc-zoom-wheel-'))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    started = time.monotonic()
    wheel = build(work / 'dist')
    step('built', started)
    inspect(wheel)
    install_and_list(wheel, work, indico_version)
    step('done', started)
    shutil.rmtree(work / 'venv', ignore_errors=True)


if __name__ == '__main__':
    main(sys.argv[1:])
