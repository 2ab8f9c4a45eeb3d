"""Finding the Zoom account of an Indico user (and making the assistant an assistant of each host)."""

from indico.core.cache import make_scoped_cache

from indico_vc_zoom.zoom.errors import ZoomNotFound


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
    for email in candidate_emails(user, domains):
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
