"""OAuth scopes: which scopes each endpoint needs, what a token was granted, and Zoom's 4711 refusal."""

from .responses import ApiError


# Classic scopes of an account-level Server-to-Server app; what a token gets unless `scopes` says otherwise.
ADMIN_SCOPES = ('meeting:read:admin', 'meeting:write:admin', 'user:read:admin', 'user:write:admin',
                'webinar:read:admin', 'webinar:write:admin', 'report:read:admin', 'recording:read:admin')

# Granular scopes (Zoom's newer model) accepted beside the classic ones, only where the name is certain:
# meeting/webinar CRUD and lists, user reads, registrant lists, past participants and recording files.
GRANULAR = {
    'meeting:write:meeting:admin', 'meeting:read:meeting:admin', 'meeting:update:meeting:admin',
    'meeting:delete:meeting:admin', 'meeting:read:list_meetings:admin', 'meeting:read:list_registrants:admin',
    'meeting:read:list_past_participants:admin',
    'webinar:write:webinar:admin', 'webinar:read:webinar:admin', 'webinar:update:webinar:admin',
    'webinar:delete:webinar:admin', 'webinar:read:list_webinars:admin', 'webinar:read:list_registrants:admin',
    'webinar:read:list_past_participants:admin',
    'user:read:user:admin', 'user:read:list_users:admin',
    'cloud_recording:read:list_recording_files:admin',
}
KNOWN_SCOPES = frozenset(ADMIN_SCOPES) | GRANULAR


def need(classic, granular=None, user_level=True):
    """The scopes that let a token call an endpoint: the classic admin scope, its user-level form unless the
    spec lists none (as the spec's 'Scopes:' line lists them, and as Zoom's 4711 message names them) and a
    granular one."""
    listed = (classic, classic.removesuffix(':admin')) if user_level else (classic,)
    return {'listed': listed, 'accepted': frozenset(listed + ((granular,) if granular else ()))}


def check_scopes(granted, required):
    """Refuse a call the token has no scope for. `granted` None means every scope (legacy JWT apps).

    Zoom answers 400 {"code": 4711, "message": "Invalid access token, does not contain scopes:[a, b]."}; the
    subset does not document 4711, and 400 is the status Zoom uses for it.
    """
    if granted is None or required is None or granted & required['accepted']:
        return
    listed = ', '.join(required['listed'])
    raise ApiError(400, 4711, f'Invalid access token, does not contain scopes:[{listed}].')


def validate_scope_list(value):
    """The `scopes` config value: None (every classic admin scope) or a list of scope names."""
    if value is None:
        return
    if not isinstance(value, list) or not all(isinstance(s, str) and s and ' ' not in s for s in value):
        raise ValueError('scopes must be null or a list of scope names')


def token_scopes(config):
    scopes = config.get('scopes')
    return list(ADMIN_SCOPES) if scopes is None else list(dict.fromkeys(scopes))
