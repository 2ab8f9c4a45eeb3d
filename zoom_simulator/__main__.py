"""Command line: python -m zoom_simulator [--host H] [--port P] [--config FILE.json]"""

import argparse
import signal
import sys
import threading

from .simulator import ZoomSimulator


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m zoom_simulator', description='Run the Zoom API simulator.')
    parser.add_argument('--host', default='127.0.0.1', help='address to listen on (default: 127.0.0.1)')
    parser.add_argument('--port', type=int, default=8765, help='port (default: 8765; 0 picks a free one)')
    parser.add_argument('--config', help='JSON config file (see zoom_simulator/README.md)')
    args = parser.parse_args(argv)

    simulator = ZoomSimulator(config=args.config, host=args.host, port=args.port, log_stream=sys.stderr)
    stop = threading.Event()
    # Only flag the stop here: shutting the server down from a signal handler could deadlock.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    simulator.start()
    print(f'Zoom simulator listening on {simulator.url}', flush=True)
    if simulator.config.get('spec'):
        print(f'Strict mode: requests validated against {simulator.config["spec"]}', file=sys.stderr, flush=True)
    while not stop.wait(0.5):
        pass
    simulator.stop()
    print('Zoom simulator stopped', file=sys.stderr, flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
