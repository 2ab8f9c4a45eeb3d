"""A live Indico with the vc_zoom plugin against the Zoom simulator: Redis, simulator, database, seed, Celery, server.

One code path for ``scripts/demo`` (``python live_instance.py demo``) and the browser tests (``LiveInstance``),
so the tests exercise the instance exactly as the demo starts it. Needs a running PostgreSQL cluster in which
``runuser -u postgres -- psql`` works (the role and database are recreated here on every start).
"""

import argparse
import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]
# Only the Indico server gets it: outbound HTTPS (pwned-password check, anything aimed at zoom.us) fails at once.
DEAD_PROXY = {'https_proxy': 'http://127.0.0.1:9', 'http_proxy': 'http://127.0.0.1:9',
              'HTTPS_PROXY': 'http://127.0.0.1:9', 'HTTP_PROXY': 'http://127.0.0.1:9',
              'no_proxy': '127.0.0.1,localhost', 'NO_PROXY': '127.0.0.1,localhost'}
DEFAULT_WEBHOOK_TOKEN = 'demo-webhook-secret'
# Fake credentials shared by the simulator config and the plugin settings; nothing here reaches Zoom.
ZOOM_CREDENTIALS = {'account_id': 'demo-account', 'client_id': 'demo-client-id',
                    'client_secret': 'demo-client-secret'}
# Passwords must not contain "indico" (nor the login): Indico would demand a new one at every login.
USERS = {
    'admin': {'first_name': 'Ada', 'last_name': 'Admin', 'email': 'admin@example.com',
              'login': 'admin', 'password': 'zoom-demo-2026', 'is_admin': True},
    'host': {'first_name': 'Bruno', 'last_name': 'Host', 'email': 'bruno@example.com',
             'login': 'bruno', 'password': 'zoom-demo-2026', 'is_admin': False},
}
ASSISTANT = {'email': 'zoom-assistant@example.com', 'first_name': 'Zoom', 'last_name': 'Assistant', 'type': 2}
EMAIL_DOMAINS = ['example.com']
SEED_TIMEOUT = 300


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def port_in_use(port):
    with socket.socket() as sock:
        return sock.connect_ex(('127.0.0.1', port)) == 0


def _die_with_parent():
    # Children must not outlive us, even when we are SIGKILLed (pytest timeout, closed terminal...).
    with contextlib.suppress(Exception):
        ctypes.CDLL('libc.so.6', use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class LiveInstanceError(Exception):
    pass


class LiveInstance:
    """Everything a browsable Indico + Zoom simulator needs, in ``data_dir``; ``start()`` then ``stop()``."""

    def __init__(self, data_dir, *, indico_port, zoom_port, redis_port, pg_port, db_name, db_user=None,
                 webhook_token=DEFAULT_WEBHOOK_TOKEN, python=sys.executable, log=None):
        self.data_dir = Path(data_dir).resolve()
        self.indico_port = indico_port
        self.zoom_port = zoom_port
        self.redis_port = redis_port
        self.pg_port = pg_port
        self.db_name = db_name
        self.db_user = db_user or db_name
        self.webhook_token = webhook_token
        self.python = python
        self.bin_dir = Path(python).parent
        self.log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
        self.indico_url = f'http://127.0.0.1:{indico_port}'
        self.zoom_url = f'http://127.0.0.1:{zoom_port}'
        self.db_uri = f'postgresql://{self.db_user}:{self.db_user}@127.0.0.1:{pg_port}/{db_name}'
        self.config_file = self.data_dir / 'indico.conf'
        self.zoom_config_file = self.data_dir / 'zoom-simulator.json'
        self.log_dir = self.data_dir / 'log'
        self.users = USERS
        self.seed = None  # what _seed() created: ids of users, category and events
        self._procs = {}
        self._log_files = []

    # --- public ---------------------------------------------------------------------------------------------

    def start(self):
        started = time.monotonic()
        try:
            self._check_ports()
            self._prepare_dir()
            self._start_redis()
            self._start_simulator()
            self._recreate_database()
            self.log(f'indico db prepare ({self.db_name})')
            self._run([str(self.bin_dir / 'indico'), 'db', 'prepare'], 'db-prepare')
            self.log('seeding users, category, events and the plugin settings')
            self._seed()
            self._start_worker()
            self._start_indico()
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        self.log(f'live instance ready in {time.monotonic() - started:.0f} s')
        return self

    def stop(self):
        for name in reversed(list(self._procs)):
            proc = self._procs.pop(name)
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        for f in self._log_files:
            f.close()
        self._log_files.clear()

    def drop_database(self):
        self._psql(f'DROP DATABASE IF EXISTS {self.db_name} WITH (FORCE)')

    def event_url(self, key):
        return f'{self.indico_url}/event/{self.seed["events"][key]}/'

    def dead_process(self):
        """Name of a child that exited on its own (a crashed server), if any."""
        return next((name for name, proc in self._procs.items() if proc.poll() is not None), None)

    def log_tail(self, name, lines=40):
        path = self.log_dir / f'{name}.log'
        return '\n'.join(path.read_text(errors='replace').splitlines()[-lines:]) if path.exists() else ''

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- steps ----------------------------------------------------------------------------------------------

    def _check_ports(self):
        for what, port in (('Indico', self.indico_port), ('Zoom simulator', self.zoom_port),
                           ('Redis', self.redis_port)):
            if port_in_use(port):
                raise LiveInstanceError(f'Port {port} for {what} is in use; choose another one')

    def _prepare_dir(self):
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Everything here belongs to the previous run of a database we are about to drop.
        for sub in ('redis', 'storage', 'cache', 'tmp', 'log'):
            shutil.rmtree(self.data_dir / sub, ignore_errors=True)
            (self.data_dir / sub).mkdir()
        import indico
        shutil.copy(Path(indico.__file__).parent / 'logging.yaml.sample', self.data_dir / 'logging.yaml')
        redis_url = f'redis://127.0.0.1:{self.redis_port}'
        config = {
            'SQLALCHEMY_DATABASE_URI': self.db_uri,
            'SECRET_KEY': secrets.token_hex(32),
            'BASE_URL': self.indico_url,
            'CELERY_BROKER': f'{redis_url}/0',
            'REDIS_CACHE_URL': f'{redis_url}/1',
            'CACHE_DIR': str(self.data_dir / 'cache'),
            'TEMP_DIR': str(self.data_dir / 'tmp'),
            'LOG_DIR': str(self.log_dir),
            'STORAGE_BACKENDS': {'default': f'fs:{self.data_dir / "storage"}'},
            'ATTACHMENT_STORAGE': 'default',
            'NO_REPLY_EMAIL': 'noreply@example.com',
            'SUPPORT_EMAIL': 'support@example.com',
            'PLUGINS': {'vc_zoom'},
            'DEBUG': True,
            'SIGNUP_CAPTCHA': False,
            'SYSTEM_NOTICES_URL': None,
            # e-mails are printed by the process that sends them (the server, or the worker for a task's e-mails)
            # rather than queued as tasks of their own, so each log shows the e-mails of what that process did
            'EMAIL_BACKEND': 'indico.vendor.django_mail.backends.console.EmailBackend',
            'SMTP_USE_CELERY': False,
            'DEFAULT_TIMEZONE': 'UTC',
        }
        self.config_file.write_text(''.join(f'{key} = {value!r}\n' for key, value in config.items()))
        self.config_file.chmod(0o600)
        zoom_config = {
            **ZOOM_CREDENTIALS,
            'users': [{k: u[k] for k in ('email', 'first_name', 'last_name')} | {'type': 2} for u in USERS.values()]
            + [ASSISTANT],
            'webhook_url': f'{self.indico_url}/api/plugin/zoom/webhook',
            'webhook_secret': self.webhook_token,
        }
        self.zoom_config_file.write_text(json.dumps(zoom_config, indent=2))
        self.zoom_config_file.chmod(0o600)

    def _start_redis(self):
        self.log(f'redis-server on port {self.redis_port}')
        self._spawn('redis', ['redis-server', '--port', str(self.redis_port), '--bind', '127.0.0.1',
                              '--dir', str(self.data_dir / 'redis'), '--save', '', '--appendonly', 'no'])
        self._wait_for(lambda: port_in_use(self.redis_port), 'redis', 20)

    def _start_simulator(self):
        self.log(f'Zoom simulator on {self.zoom_url}')
        self._spawn('zoom-simulator', [self.python, '-m', 'zoom_simulator', '--port', str(self.zoom_port),
                                       '--config', str(self.zoom_config_file)])
        self._wait_for(lambda: self._http_status(f'{self.zoom_url}/_simulator/config') == 200, 'zoom-simulator', 20)

    def _recreate_database(self):
        # Drop and recreate: a second run starts from the same seed instead of piling up events.
        self.log(f'recreating database {self.db_name} on port {self.pg_port}')
        user = self.db_user
        self._psql(f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{user}') THEN "
                   f"CREATE ROLE {user} LOGIN PASSWORD '{user}'; END IF; END $$")
        self.drop_database()
        self._psql(f'CREATE DATABASE {self.db_name} OWNER {user}')
        self._psql('CREATE EXTENSION IF NOT EXISTS unaccent; CREATE EXTENSION IF NOT EXISTS pg_trgm;',
                   db=self.db_name)

    def _seed(self):
        out = self.data_dir / 'seed.json'
        out.unlink(missing_ok=True)
        params = {'zoom_url': self.zoom_url, 'webhook_token': self.webhook_token}
        self._run([self.python, __file__, '_seed', '--out', str(out)], 'seed', input=json.dumps(params))
        self.seed = json.loads(out.read_text())

    def _start_worker(self):
        # Indico's own command, beat included (-B: the plugin's periodic tasks), the instance's Redis as broker
        self.log('indico celery worker -B')
        self._spawn('celery-worker', [str(self.bin_dir / 'indico'), 'celery', 'worker', '-B', '--loglevel', 'INFO',
                                      '--concurrency', '2', '--without-gossip', '--without-mingle',
                                      '-n', f'vczoom-{self.indico_port}@%h'], env=DEAD_PROXY | self._root_ok())
        self._wait_for(lambda: ' ready.' in self.log_tail('celery-worker', 200), 'celery-worker', 90)

    @staticmethod
    def _root_ok():
        # Celery refuses root with pickled messages (Indico's serializer) unless told: these machines run everything
        # as root, and the broker is this instance's own Redis on loopback, which nothing else writes to
        return {'C_FORCE_ROOT': '1'} if os.geteuid() == 0 else {}

    def call(self, target, **params):
        """Run ``module:function(**params)`` in a process of this instance (app + request context), committed."""
        out = self.data_dir / 'call.json'
        out.unlink(missing_ok=True)
        self._run([self.python, __file__, '_call', target, '--out', str(out)], 'call', input=json.dumps(params))
        return json.loads(out.read_text())

    def _start_indico(self):
        self.log(f'indico run on {self.indico_url}')
        self._spawn('indico-server', [str(self.bin_dir / 'indico'), 'run', '-h', '127.0.0.1',
                                      '-p', str(self.indico_port), '-q', '--reloader', 'none'], env=DEAD_PROXY)

    def _wait_ready(self):
        url = self.event_url('main')
        self._wait_for(lambda: self._http_status(url) == 200, 'indico-server', 120)

    # --- helpers --------------------------------------------------------------------------------------------

    def _env(self, extra=None):
        env = {k: v for k, v in os.environ.items() if k.lower() not in ('http_proxy', 'https_proxy', 'no_proxy')}
        env.update(INDICO_CONFIG=str(self.config_file), PYTHONUNBUFFERED='1')
        env.pop('INDICO_TEST_DATABASE_URI', None)
        env.update(extra or {})
        return env

    def _spawn(self, name, cmd, env=None):
        self.log_dir.mkdir(parents=True, exist_ok=True)
        logf = open(self.log_dir / f'{name}.log', 'ab')  # noqa: SIM115 (closed in stop())
        self._log_files.append(logf)
        self._procs[name] = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                                             cwd=self.data_dir, env=self._env(env), start_new_session=True,
                                             preexec_fn=_die_with_parent)

    def _run(self, cmd, name, input=None):
        self.log_dir.mkdir(parents=True, exist_ok=True)
        res = subprocess.run(cmd, input=input, capture_output=True, text=True, cwd=self.data_dir, env=self._env(),
                             timeout=SEED_TIMEOUT, preexec_fn=_die_with_parent)
        (self.log_dir / f'{name}.log').write_text(res.stdout + res.stderr)
        if res.returncode:
            raise LiveInstanceError(f'{name} failed ({res.returncode}):\n{self.log_tail(name)}')

    def _psql(self, sql, db='postgres'):
        cmd = ['runuser', '-u', 'postgres', '--', 'psql', '-q', '-X', '-p', str(self.pg_port),
               '-v', 'ON_ERROR_STOP=1', '-d', db, '-c', sql]
        res = subprocess.run(cmd, capture_output=True, text=True, cwd='/')
        if res.returncode:
            raise LiveInstanceError(f'psql failed: {sql.split()[0]}...: {res.stderr.strip()}')

    def _wait_for(self, check, name, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._procs[name].poll() is not None:
                raise LiveInstanceError(f'{name} exited ({self._procs[name].returncode}):\n{self.log_tail(name)}')
            if check():
                return
            time.sleep(0.25)
        raise LiveInstanceError(f'{name} not ready after {timeout} s:\n{self.log_tail(name)}')

    @staticmethod
    def _http_status(url):
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(url, timeout=5) as resp:
                return resp.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return None


# --- seeding (runs in its own process: it builds an Indico app from the instance's config) -----------------------

def _seed_main(out, params, function=None):
    from indico.web.flask.app import make_app

    app = make_app()
    with app.app_context():
        base_url = app.config['INDICO']['BASE_URL']
    with app.test_request_context(base_url=base_url):
        result = (function or _seed_data)(params)
        if function:
            from indico.core.db import db
            db.session.commit()
    Path(out).write_text(json.dumps(result))


def _call_main(target, out, params):
    import importlib

    sys.path.insert(0, str(ROOT))
    module, name = target.split(':')
    _seed_main(out, params, getattr(importlib.import_module(module), name))


def _seed_data(params):
    from indico.core.db import db
    from indico.modules.auth import Identity
    from indico.modules.categories import Category
    from indico.modules.categories.operations import create_category
    from indico.modules.events.models.events import EventType
    from indico.modules.events.operations import create_event
    from indico.modules.users import User

    from indico_vc_zoom.plugin import ZoomPlugin

    users = {}
    for key, spec in USERS.items():
        user = User(first_name=spec['first_name'], last_name=spec['last_name'], email=spec['email'],
                    is_admin=spec['is_admin'], affiliation='Demo Institute')
        user.identities.add(Identity(provider='indico', identifier=spec['login'], password=spec['password']))
        db.session.add(user)
        users[key] = user
    db.session.flush()
    admin = users['admin']
    category = create_category(Category.get_root(), {'title': 'Zoom demo', 'description': 'Events of the demo'})
    # In the future and at fixed times, so meetings get a fixed start time on Zoom.
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=7)
    events = {}
    for key, title, offset in (('main', 'Detector upgrade workshop', 0), ('second', 'Detector upgrade follow-up', 7)):
        start = day + timedelta(days=offset, hours=9)
        events[key] = create_event(category, EventType.meeting, {
            'title': title, 'description': f'{title} (demo event).', 'timezone': 'UTC',
            'start_dt': start, 'end_dt': start + timedelta(hours=2), 'creator': admin,
        })  # the creator becomes a manager
    db.session.flush()
    sim = params['zoom_url']
    ZoomPlugin.settings.set_multi({
        **ZOOM_CREDENTIALS,
        'api_url': f'{sim}/v2',
        'oauth_url': f'{sim}/oauth/token',
        'webhook_token': params['webhook_token'],
        'email_domains': EMAIL_DOMAINS,
        'assistant_id': ASSISTANT['email'],
    })
    db.session.commit()
    return {'users': {k: u.id for k, u in users.items()}, 'category': category.id,
            'events': {k: e.id for k, e in events.items()},
            'event_starts': {k: e.start_dt.strftime('%Y-%m-%dT%H:%M:%SZ') for k, e in events.items()}}


# --- the demo ---------------------------------------------------------------------------------------------------

def _demo(args):
    token = os.environ.get('DEMO_WEBHOOK_TOKEN') or DEFAULT_WEBHOOK_TOKEN
    instance = LiveInstance(args.data_dir, indico_port=args.indico_port, zoom_port=args.zoom_port,
                            redis_port=args.redis_port, pg_port=args.pg_port, db_name=args.db_name,
                            webhook_token=token)
    stop = []

    def on_signal(signum, frame):
        stop.append(signum)
        if len(stop) == 1 and not ready:
            raise KeyboardInterrupt  # abort the start-up at once; start() stops what it started

    ready = False
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)

    started = time.monotonic()
    try:
        instance.start()
        ready = True
        admin, host = USERS['admin'], USERS['host']
        token_note = ('the default ' + repr(DEFAULT_WEBHOOK_TOKEN) if token == DEFAULT_WEBHOOK_TOKEN
                      else 'from DEMO_WEBHOOK_TOKEN')
        print(f"""
Indico:          {instance.indico_url}
  events:        {instance.event_url('main')}
                 {instance.event_url('second')}
  admin:         {admin['login']} / {admin['password']}  ({admin['first_name']} {admin['last_name']}, event manager)
  second user:   {host['login']} / {host['password']}  ({host['first_name']} {host['last_name']}, has a Zoom account)
Celery:          indico celery worker -B (broker: the Redis above; log: log/celery-worker.log)
Zoom simulator:  {instance.zoom_url}   (meetings: {instance.zoom_url}/_simulator/meetings)
  webhooks to:   {instance.indico_url}/api/plugin/zoom/webhook   (secret: {token_note})
Data and logs:   {instance.data_dir}
Started in {time.monotonic() - started:.0f} s. Ctrl-C stops everything.
READY {instance.indico_url}""", flush=True)
        while not stop:
            if dead := instance.dead_process():
                print(f'{dead} exited unexpectedly:\n{instance.log_tail(dead)}', file=sys.stderr, flush=True)
                return 1
            time.sleep(0.5)
        return 0
    except LiveInstanceError as exc:
        print(f'demo failed: {exc}', file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        instance.stop()
        print('demo stopped', file=sys.stderr, flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest='command', required=True)
    demo = sub.add_parser('demo', help='start everything, print the URLs and logins, run until SIGINT/SIGTERM')
    demo.add_argument('--data-dir', required=True)
    demo.add_argument('--indico-port', type=int, required=True)
    demo.add_argument('--zoom-port', type=int, required=True)
    demo.add_argument('--redis-port', type=int, required=True)
    demo.add_argument('--pg-port', type=int, required=True)
    demo.add_argument('--db-name', required=True)
    seed = sub.add_parser('_seed', help='internal: seed the database of INDICO_CONFIG (params as JSON on stdin)')
    seed.add_argument('--out', required=True)
    call = sub.add_parser('_call', help='internal: run module:function(**params) in the instance (JSON on stdin)')
    call.add_argument('target')
    call.add_argument('--out', required=True)
    args = parser.parse_args(argv)
    if args.command == '_seed':
        _seed_main(args.out, json.load(sys.stdin))
        return 0
    if args.command == '_call':
        _call_main(args.target, args.out, json.load(sys.stdin))
        return 0
    return _demo(args)


if __name__ == '__main__':
    sys.exit(main())
