"""Simulator configuration: defaults, loading from a JSON file, and the secret-free public view."""

import copy
import json
import os

from .scopes import validate_scope_list


SPEC_ENV_VAR = 'ZOOM_SIMULATOR_SPEC'

DEFAULT_USERS = [{'email': 'alice@example.com', 'first_name': 'Alice', 'last_name': 'A', 'type': 2}]

DEFAULTS = {
    'account_id': 'sim-account',
    'client_id': 'sim-client-id',
    'client_secret': 'sim-client-secret',
    'api_key': 'sim-api-key',  # None disables legacy JWT auth
    'api_secret': 'sim-api-secret',
    'token_ttl': 3600,
    'daily_limit': 100,  # meeting/webinar create+update requests per host user per UTC day; None = off
    'per_second_limit': None,  # requests per second per endpoint category; None = off
    'users': DEFAULT_USERS,
    'webhook_url': None,
    'webhook_secret': None,
    'webhook_timeout': 10,
    'spec': None,  # OpenAPI spec path: enables strict mode
    'scopes': None,  # scopes granted to issued tokens; None = every classic admin scope (scopes.ADMIN_SCOPES)
    'registrant_limit': 4999,  # registrants per meeting/webinar (Zoom's documented meeting maximum)
    # add-registrant and registrant-status requests per registrant (e-mail) and meeting per UTC day; None = off
    'registrant_daily_limit': 3,
    'scheduling_privilege': True,  # False: schedule_for needs no assistant (Zoom's 400/3000 check off)
    'paid_account': True,  # False: past participant reports answer Zoom's paid-plan error (400/200)
}

SECRET_KEYS = ('client_secret', 'api_secret', 'webhook_secret')
# Keys that POST /_simulator/config may change (users have their own endpoint).
MUTABLE_KEYS = frozenset(DEFAULTS) - {'users'}


def build_config(config=None):
    """Merge a partial config dict (or a JSON file path) over the defaults."""
    if isinstance(config, str | os.PathLike):
        with open(config, encoding='utf-8') as f:
            config = json.load(f)
    config = dict(config or {})
    unknown = set(config) - set(DEFAULTS)
    if unknown:
        raise ValueError(f'Unknown config keys: {", ".join(sorted(unknown))}')
    check_values(config)
    merged = copy.deepcopy(DEFAULTS)
    merged.update(copy.deepcopy(config))
    # The env var turns strict mode on unless the config names a spec itself.
    if not merged['spec'] and 'spec' not in config:
        merged['spec'] = os.environ.get(SPEC_ENV_VAR) or None
    return merged


def check_values(config):
    """Raise ValueError for a config value of the wrong shape (for the keys given)."""
    validate_scope_list(config.get('scopes'))
    if 'registrant_limit' in config and (isinstance(config['registrant_limit'], bool)
                                         or not isinstance(config['registrant_limit'], int)
                                         or config['registrant_limit'] < 0):
        raise ValueError('registrant_limit must be a non-negative integer')
    limit = config.get('registrant_daily_limit')
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError('registrant_daily_limit must be a positive integer or null')
    for key in ('paid_account', 'scheduling_privilege'):
        if key in config and not isinstance(config[key], bool):
            raise ValueError(f'{key} must be true or false')


def public_config(config):
    """The config as shown by the control API: no secrets, no user list."""
    return {k: v for k, v in config.items() if k not in SECRET_KEYS and k != 'users'}
