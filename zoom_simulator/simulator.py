"""ZoomSimulator: a Zoom API server on loopback, run in a background thread."""

import threading

from .app import App
from .config import build_config
from .server import Server


class ZoomSimulator:
    """A stateful fake of Zoom's REST API, OAuth endpoint and webhooks.

    ``config`` is a dict or a JSON file path (see README.md); ``port=0`` picks a free port.
    """

    def __init__(self, config=None, host='127.0.0.1', port=0, log_stream=None):
        self.config = build_config(config)
        self.host = host
        self.port = port
        self.app = App(self.config, log_stream=log_stream)
        self._server = None
        self._thread = None

    @property
    def url(self):
        if self._server is None:
            raise RuntimeError('The simulator is not running')
        host = '127.0.0.1' if self.host in ('', '0.0.0.0') else self.host
        host = f'[{host}]' if ':' in host else host
        return f'http://{host}:{self.port}'

    @property
    def state(self):
        return self.app.state

    def start(self):
        if self._server is not None:
            return self
        self.app.strict_validator()  # parse the spec now: a bad path fails here and the first request stays fast
        self._server = Server((self.host, self.port), self.app)
        self.port = self._server.server_address[1]
        self.app.url = self.url
        # A short poll interval keeps stop() quick.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name='zoom-simulator',
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
