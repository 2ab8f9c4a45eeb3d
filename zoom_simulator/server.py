"""HTTP glue: parse requests from http.server, hand them to the App, write the answers."""

import contextlib
import json
import socketserver
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .responses import NO_BODY, Request


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, app):
        super().__init__(address, Handler)
        self.app = app

    def server_bind(self):
        # HTTPServer.server_bind() resolves the host's FQDN, which can stall for seconds without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'  # keep-alive, like the real API
    server_version = 'ZoomSimulator/1.0'
    disable_nagle_algorithm = True  # headers and body go out in two writes; avoid the 40 ms delayed-ACK stall

    def version_string(self):
        return self.server_version

    def do_GET(self):
        self._handle()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

    def log_message(self, format, *args):
        pass  # the App logs its own sanitized line; the default one would include the query string

    def _read_body(self):
        if 'chunked' in self.headers.get('Transfer-Encoding', '').lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b';')[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline() not in (b'\r\n', b'\n', b''):  # trailers
                        pass
                    return b''.join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(length) if length > 0 else b''

    def _parse(self):
        parts = urlsplit(self.path)
        query_lists = parse_qs(parts.query, keep_blank_values=True)
        raw = self._read_body()
        body = NO_BODY
        if raw.strip():
            with contextlib.suppress(ValueError):
                body = json.loads(raw)
        return Request(method=self.command.upper(), path=parts.path, raw_body=raw, json=body,
                       query={k: v[0] for k, v in query_lists.items()}, query_lists=query_lists,
                       headers={k.lower(): v for k, v in self.headers.items()})

    def _handle(self):
        try:
            req = self._parse()
        except (ValueError, OSError):
            self.send_error(400, 'Bad request')
            return
        resp = self.server.app.handle(req)
        try:
            self._send(resp)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. its read timeout during a delay fault)

    def _send(self, resp):
        data, content_type = resp.encode()
        self.send_response(resp.status)
        header_names = {k.lower() for k in resp.headers}
        if content_type and 'content-type' not in header_names:
            self.send_header('Content-Type', content_type)
        for name, value in resp.headers.items():
            self.send_header(name, str(value))
        if resp.status != 204 and resp.status >= 200:
            self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)
