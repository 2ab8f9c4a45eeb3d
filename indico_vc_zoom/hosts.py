"""Meeting hosts: finding an Indico user's Zoom account, the assistant of each host, and who hosts a meeting."""

from flask import session
from indico.core.cache import make_scoped_cache
from indico.core.logger import Logger
from indico.util.user import principal_from_identifier

from indico_vc_zoom.identities import with_identity_logins
from indico_vc_zoom.settings import zoom_settings
from indico_vc_zoom.zoom.errors import ZoomError, ZoomNotFound


logger = Logger.get('plugin.vc_zoom')

#: e-mail -> Zoom user (id, email) or False for "no account"; shared by all workers
user_cache = make_scoped_cache('vc-zoom-users')
FOUND_TTL = 24 * 3600
MISSING_TTL = 600


class NoZoomAccount(Exception):
    def __init__(self, user, tried):
        self.user = user
        self.tried = tried
        super().__init__(user, tried)

    def __str__(self):
        if not self.tried:
            return f'{self.user.full_name} has no e-mail address in the domains allowed for Zoom accounts.'
        return '{} has no Zoom account (tried: {}).'.format(self.user.full_name, ', '.join(self.tried))


def candidate_emails(user, domains):
    """The user's addresses to try, primary first, restricted to ``domains`` when there are any."""
    emails = [user.email] + sorted(e for e in user.all_emails if e != user.email)
    if domains:
        domains = {d.lower() for d in domains}
        emails = [e for e in emails if e.rpartition('@')[2].lower() in domains]
    return emails


def find_zoom_user(client, user, domains):
    """Return ``{'id', 'email'}`` of the user's Zoom account or raise :class:`NoZoomAccount`."""
    tried = []
    for email in with_identity_logins(user, candidate_emails(user, domains)):
        cached = user_cache.get(email)
        if cached is None:
            try:
                zoom_user = client.get_user(email)
            except ZoomNotFound:
                cached = False
            else:
                cached = {'id': zoom_user['id'], 'email': zoom_user['email']}
            user_cache.set(email, cached, timeout=FOUND_TTL if cached else MISSING_TTL)
        if cached:
            return cached
        tried.append(email)
    raise NoZoomAccount(user, tried)


def ensure_assistant(client, zoom_host_id, assistant_id):
    """Make the configured assistant an assistant of the host, once (remembered in the cache)."""
    if not assistant_id or assistant_id == zoom_host_id:
        return False
    key = f'assistant:{assistant_id}:{zoom_host_id}'
    if user_cache.get(key):
        return False
    field = 'email' if '@' in assistant_id else 'id'
    client.add_assistants(zoom_host_id, [{field: assistant_id}])
    user_cache.set(key, True, timeout=30 * 24 * 3600)
    return True


def zoom_host(client, identifier):
    """``(user, zoom_user)`` for the Indico user ``identifier``; makes the assistant their assistant if needed."""
    user = principal_from_identifier(identifier)
    zoom_user = find_zoom_user(client, user, zoom_settings.get('email_domains'))
    try:
        ensure_assistant(client, zoom_user['id'], zoom_settings.get('assistant_id'))
    except ZoomError as exc:
        # not fatal: the meeting works, only host changes through the assistant may not
        logger.warning('Could not make %s an assistant of %s: %s', zoom_settings.get('assistant_id'),
                       zoom_user['email'], exc)
    return user, zoom_user


def host_form_field(vc_room):
    """The form field an error about the host belongs to."""
    return 'host_choice' if vc_room.data.get('host') == session.user.identifier else 'host_user'


def host_name(vc_room):
    host = principal_from_identifier(vc_room.data['host']) if vc_room.data.get('host') else None
    return host.full_name if host else vc_room.data.get('host_email', '')
