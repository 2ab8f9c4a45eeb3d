"""Server-to-Server OAuth token endpoint and Bearer checks (S2S tokens and legacy JWTs)."""

import base64
import hashlib
import hmac
import json
import math
from urllib.parse import parse_qsl

import jwt

from .responses import ApiError, Response
from .scopes import token_scopes


OAUTH_LOG_KEYS = ('grant_type', 'account_id')  # the only OAuth parameters that may be logged


def form_params(request):
    return dict(parse_qsl(request.raw_body.decode('utf-8', 'replace'), keep_blank_values=True))


def oauth_params(request):
    """Query and form parameters of a token request (the form wins, like most OAuth servers)."""
    return {**request.query, **form_params(request)}


def _oauth_error(status, error, reason):
    return Response(status, {'reason': reason, 'error': error})


def _client_credentials(request, params):
    header = request.headers.get('authorization', '')
    if header[:6].lower() == 'basic ':
        try:
            client_id, _, secret = base64.b64decode(header[6:].strip()).decode().partition(':')
        except ValueError:
            return None, None
        return client_id, secret
    return params.get('client_id'), params.get('client_secret')


def _same(a, b):
    return a is not None and b is not None and hmac.compare_digest(str(a).encode(), str(b).encode())


def token_endpoint(state, request, api_url):
    params = oauth_params(request)
    config = state.config
    client_id, secret = _client_credentials(request, params)
    if not (_same(client_id, config['client_id']) and _same(secret, config['client_secret'])):
        return _oauth_error(401, 'invalid_client', 'Invalid client_id or client_secret')
    grant_type = params.get('grant_type')
    if not grant_type:
        return _oauth_error(400, 'invalid_request', 'Missing grant_type')
    if grant_type != 'account_credentials':
        return _oauth_error(400, 'unsupported_grant_type', 'Unsupported grant type')
    account_id = params.get('account_id')
    if not account_id:
        return _oauth_error(400, 'invalid_request', 'Missing account_id')
    if account_id != config['account_id']:
        return _oauth_error(400, 'invalid_request', 'Invalid account_id')
    scopes = token_scopes(config)
    return Response(200, {
        'access_token': state.issue_token(scopes),
        'token_type': 'bearer',
        'expires_in': math.ceil(float(config['token_ttl'])),
        'scope': ' '.join(scopes),
        'api_url': api_url,
    })


def _invalid():
    return ApiError(401, 124, 'Invalid access token.')


def _expired():
    return ApiError(401, 124, 'Access token is expired.')


def check_bearer(state, request):
    """Raise Zoom's 401 unless the request carries a token we issued or a valid legacy JWT.

    Returns the token's granted scopes (a frozenset), or None for a legacy JWT (those apps have every scope).
    """
    header = request.headers.get('authorization', '')
    if header[:7].lower() != 'bearer ':
        raise _invalid()
    token = header[7:].strip()
    status = state.token_status(token)
    if status == 'valid':
        return state.granted_scopes(token)
    if status == 'expired':
        raise _expired()
    api_key, api_secret = state.config.get('api_key'), state.config.get('api_secret')
    if not api_key or token.count('.') != 2 or not _jwt_signature_ok(token, api_secret or ''):
        raise _invalid()
    try:
        # Signature checked above; PyJWT checks the claims (it would warn about short HMAC keys otherwise).
        jwt.decode(token, algorithms=['HS256'], issuer=api_key,
                   options={'verify_signature': False, 'verify_exp': True, 'verify_iss': True,
                            'require': ['exp', 'iss']})
    except jwt.ExpiredSignatureError:
        raise _expired()
    except jwt.InvalidTokenError:
        raise _invalid()
    return None


def _b64decode(part):
    return base64.urlsafe_b64decode(part + '=' * (-len(part) % 4))


def _jwt_signature_ok(token, secret):
    """HS256 only, like Zoom's legacy JWT apps: alg 'none' or any other algorithm is refused."""
    header, payload, signature = token.split('.')
    try:
        if json.loads(_b64decode(header)).get('alg') != 'HS256':
            return False
        expected = hmac.new(secret.encode(), f'{header}.{payload}'.encode(), hashlib.sha256).digest()
        return hmac.compare_digest(expected, _b64decode(signature))
    except (ValueError, AttributeError):
        return False
