"""A time budget for the Zoom calls of one action: timeouts shrink to what is left, no retry that cannot finish."""

import threading
import time
from contextlib import contextmanager


#: an attempt with less time than this left is not started (it could not get an answer)
MIN_ATTEMPT_TIME = 0.5


class Deadline:
    """The end of the current action's time budget, per thread (one client serves every request thread)."""

    def __init__(self):
        self._local = threading.local()

    @contextmanager
    def limit(self, seconds):
        """Calls made inside must be over within ``seconds`` in total; an inner limit never extends an outer one.
        ``None`` or 0 sets none."""
        previous = getattr(self._local, 'end', None)
        end = time.monotonic() + seconds if seconds else None
        if previous is not None:
            end = previous if end is None else min(end, previous)
        self._local.end = end
        try:
            yield
        finally:
            self._local.end = previous

    def left(self):
        """Seconds left, or ``None`` without a limit."""
        end = getattr(self._local, 'end', None)
        return None if end is None else max(end - time.monotonic(), 0.0)

    def fits(self, wait):
        """Whether an attempt started after ``wait`` seconds still has time to get an answer."""
        left = self.left()
        return left is None or wait + MIN_ATTEMPT_TIME <= left

    def timeout(self, timeout):
        """``timeout`` (a number or ``(connect, read)``) shrunk to the time left."""
        left = self.left()
        if left is None:
            return timeout
        connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        return (min(connect, left), min(read, left))
