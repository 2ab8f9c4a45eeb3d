"""Zoom REST API client: standalone (stdlib, requests and PyJWT only), no Indico imports."""

from .auth import JWTAuth, MemoryCache, S2SAuth
from .client import ZoomClient
from .errors import ZoomAuthError, ZoomError, ZoomNotFound, ZoomRateLimited, ZoomUnavailable, ZoomValidationError


__all__ = ['JWTAuth', 'MemoryCache', 'S2SAuth', 'ZoomAuthError', 'ZoomClient', 'ZoomError', 'ZoomNotFound',
           'ZoomRateLimited', 'ZoomUnavailable', 'ZoomValidationError']
