"""A Zoom API simulator for tests: real HTTP on loopback, Zoom's shapes, errors, limits and webhooks."""

from .simulator import ZoomSimulator
from .webhooks import sign


__all__ = ['ZoomSimulator', 'sign']
