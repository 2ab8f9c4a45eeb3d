"""Zoom REST API client: standalone (stdlib, requests and PyJWT only), no Indico imports."""

from .auth import JWTAuth, MemoryCache, S2SAuth
from .client import MEETING, WEBINAR, ZoomClient, dial_in
from .errors import (
    ZoomAuthError,
    ZoomError,
    ZoomNoRecording,
    ZoomNotFound,
    ZoomPlanRequired,
    ZoomRateLimited,
    ZoomRegistrantNotFound,
    ZoomRegistrationDisabled,
    ZoomRegistrationFull,
    ZoomSchedulingRefused,
    ZoomScopeMissing,
    ZoomUnavailable,
    ZoomValidationError,
)


__all__ = ['MEETING', 'WEBINAR', 'JWTAuth', 'MemoryCache', 'S2SAuth', 'ZoomAuthError', 'ZoomClient', 'ZoomError',
           'ZoomNoRecording', 'ZoomNotFound', 'ZoomPlanRequired', 'ZoomRateLimited', 'ZoomRegistrantNotFound',
           'ZoomRegistrationDisabled', 'ZoomRegistrationFull', 'ZoomSchedulingRefused', 'ZoomScopeMissing',
           'ZoomUnavailable', 'ZoomValidationError', 'dial_in']
