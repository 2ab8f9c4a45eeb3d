"""Meeting hosts: Zoom accounts, who schedules (assistant or host), alternative hosts, following user merges.

Two ownership modes. With an assistant account configured (``assistant_id``), the assistant schedules every meeting
*for* its host (``POST /users/{assistant}/meetings`` with ``schedule_for``); the plugin first makes the assistant an
assistant of each host (once, remembered), so the host can always be changed later. Without one, a meeting lives in
its host's own account, and Zoom lets the host change only where that account has scheduling privilege.
"""

from flask import session
from indico.core.cache import make_scoped_cache
from indico.core.db import db
from indico.core.logger import Logger
from indico.modules.logs.models.entries import LogKind
from indico.modules.users.util import get_user_by_email
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomStatus
from indico.util.user import principal_from_identifier
from sqlalchemy.orm.attributes import flag_modified

from indico_vc_zoom.event_log import log_action
from indico_vc_zoom.i18n import _
from indico_vc_zoom.identities import with_identity_logins
from indico_vc_zoom.kinds import MEETING
from indico_vc_zoom.settings import zoom_settings
from indico_vc_zoom.zoom.errors import ZoomError, ZoomNotFound, ZoomSchedulingRefused


logger = Logger.get('plugin.vc_zoom')

#: e-mail -> Zoom user (id, email) or False for "no account"; shared by all workers
user_cache = make_scoped_cache('vc-zoom-users')
FOUND_TTL = 24 * 3600
MISSING_TTL = 600
ASSISTANT_TTL = 30 * 24 * 3600


class NoZoomAccount(Exception):
    #: the form field the error belongs to, when not the host's
    field = None

    def __init__(self, user, tried):
        self.user = user
        self.tried = tried
        super().__init__(user, tried)

    def __str__(self):
        if not self.tried:
            return _('{name} has no e-mail address in the domains allowed for Zoom accounts.').format(
                name=self.user.full_name)
        return _('{name} has no Zoom account (tried: {tried}).').format(name=self.user.full_name,
                                                                         tried=', '.join(self.tried))


class AssistantNotAdded(Exception):
    """Zoom refused to make the assistant account an assistant of a host (assistant mode cannot schedule then)."""

    def __init__(self, assistant_id, zoom_user, error):
        self.assistant_id = assistant_id
        self.zoom_user = zoom_user
        self.error = error
        super().__init__(assistant_id, zoom_user, error)

    def __str__(self):
        return _('Zoom refused to make the assistant account {assistant} an assistant of {email} ({error}), so it '
                 'cannot schedule meetings for them. Nothing was changed. An administrator can check the assistant '
                 'account in the Zoom plugin settings (it needs a licensed Zoom user of the same account, and the app '
                 'the scope user:write:admin).').format(assistant=self.assistant_id, email=self.zoom_user['email'],
                                                        error=self.error)


def candidate_emails(user, domains):
    """The user's addresses to try, primary first, restricted to ``domains`` when there are any."""
    emails = [user.email] + sorted(e for e in user.all_emails if e != user.email)
    if domains:
        domains = {d.lower() for d in domains}
        emails = [e for e in emails if e.rpartition('@')[2].lower() in domains]
    return emails


def find_zoom_user(client, user, domains=None):
    """Return ``{'id', 'email'}`` of the user's Zoom account or raise :class:`NoZoomAccount`."""
    if domains is None:
        domains = zoom_settings.get('email_domains')
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


# --- who schedules: the assistant or the host itself --------------------------------------------------------------

def assistant_account():
    """The configured assistant (Zoom e-mail or id), or '' when meetings live in their hosts' own accounts."""
    return (zoom_settings.get('assistant_id') or '').strip()


def is_account(zoom_user, ref):
    return bool(ref) and ref.lower() in {zoom_user['id'].lower(), zoom_user['email'].lower()}


def _assistant_key(assistant_id, zoom_user):
    return f'assistant:{assistant_id.lower()}:{zoom_user["id"]}'


def ensure_assistant(client, zoom_user, assistant_id):
    """Make the assistant an assistant of the host, once (remembered); True when it was added just now."""
    if not assistant_id or is_account(zoom_user, assistant_id):
        return False
    key = _assistant_key(assistant_id, zoom_user)
    if user_cache.get(key):
        return False
    field = 'email' if '@' in assistant_id else 'id'
    client.add_assistants(zoom_user['id'], [{field: assistant_id}])
    user_cache.set(key, True, timeout=ASSISTANT_TTL)
    return True


def forget_assistant(zoom_user, assistant_id):
    """The remembered privilege is gone on Zoom (someone removed the assistant): ask again next time."""
    user_cache.delete(_assistant_key(assistant_id, zoom_user))


def scheduling_for(zoom_user, kind):
    """``(path user, schedule_for, scheduler)`` of a create: the assistant schedules a meeting for its host, or the
    host schedules it itself. Webinars always live in their host's account (Zoom's API cannot move them anyway)."""
    assistant_id = assistant_account()
    if assistant_id and is_account(zoom_user, assistant_id):
        return zoom_user['id'], None, assistant_id  # the assistant hosts it: counted under the setting's name
    if kind == MEETING and assistant_id:
        return assistant_id, zoom_user['email'], assistant_id
    return zoom_user['id'], None, zoom_user['email']


def send_with_privilege(client, zoom_user, scheduler, send):
    """``send()`` a create/update; when Zoom refuses to let the assistant schedule for ``zoom_user`` although we
    remember having made it their assistant, someone removed that on Zoom: add it again and send once more (a
    refused request changed nothing on Zoom, so sending it again is safe)."""
    try:
        return send()
    except ZoomSchedulingRefused:
        assistant_id = assistant_account()
        if not assistant_id or not scheduler or scheduler.lower() != assistant_id.lower():
            raise
        forget_assistant(zoom_user, assistant_id)
        try:
            added = ensure_assistant(client, zoom_user, assistant_id)
        except ZoomError as exc:
            raise AssistantNotAdded(assistant_id, zoom_user, exc) from exc
        if not added:
            raise
        return send()


def scheduler_of(vc_room):
    """The account Zoom charges a meeting's updates to and checks host changes against: who scheduled it."""
    return vc_room.data.get('zoom_scheduler') or vc_room.data.get('host_email') or vc_room.data.get('zoom_host_id')


def zoom_host(client, identifier):
    """``(user, zoom_user)`` for the Indico user ``identifier``; in assistant mode the assistant is made their
    assistant first (:class:`AssistantNotAdded` if Zoom refuses)."""
    user = principal_from_identifier(identifier)
    zoom_user = find_zoom_user(client, user)
    assistant_id = assistant_account()
    try:
        ensure_assistant(client, zoom_user, assistant_id)
    except ZoomError as exc:
        raise AssistantNotAdded(assistant_id, zoom_user, exc)
    return user, zoom_user


def refusal_message(scheduler, target_email, target_name):
    """Why Zoom refused a host change, and what can be done (nothing was changed)."""
    assistant_id = assistant_account()
    names = {'scheduler': scheduler, 'email': target_email, 'name': target_name}
    if assistant_id and scheduler and scheduler.lower() == assistant_id.lower():
        return _('Zoom does not let the assistant account {scheduler} schedule meetings for {email}, so {name} '
                 'cannot become the host. Nothing was changed. An administrator can check in Zoom that {scheduler} '
                 'is an assistant of {email}. Alternatively, add {name} as an alternative host.').format(**names)
    how = (_('Meetings created while an assistant account is configured can always change host; this one was '
             'scheduled by {scheduler}.').format(**names) if assistant_id else
           _('An administrator can configure an assistant account in the Zoom plugin settings: meetings created '
             'from then on can always change host.'))
    return _('Zoom does not let {scheduler}, who scheduled this meeting, schedule meetings for {email}, so {name} '
             'cannot become the host. Nothing was changed. {how} {email} can also give {scheduler} scheduling '
             'privilege in Zoom. Alternatively, add {name} as an alternative host: they can then start and run the '
             'meeting.').format(how=how, **names)


# --- alternative hosts ------------------------------------------------------------------------------------------

def alternative_host_emails(client, identifiers, host_email=None):
    """The Zoom e-mails (sorted, lower case) of these Indico users' accounts, without the host's own.

    Raises :class:`NoZoomAccount` for the first user without a Zoom account.
    """
    emails = set()
    for identifier in identifiers or ():
        user = principal_from_identifier(identifier)
        if user is None:
            continue
        try:
            emails.add(find_zoom_user(client, user)['email'].lower())
        except NoZoomAccount as exc:
            exc.field = 'alternative_hosts'
            raise
    emails.discard((host_email or '').lower())
    return sorted(emails)


def mirror_alternative_hosts(vc_room):
    """After reading Zoom: the Indico users whose addresses Zoom lists become the room's alternative hosts; addresses
    of no Indico user are kept aside and sent back unchanged, so an edit in Indico never drops them."""
    data = vc_room.data
    zoom_value = data.get('zoom', {}).get('alternative_hosts')
    if zoom_value is None or zoom_value == ';'.join(data.get('alternative_host_emails') or []):
        return
    emails = [e for e in zoom_value.split(';') if e]
    users = {email: get_user_by_email(email) for email in emails}
    data['alternative_hosts'] = data['alternative_hosts_applied'] = sorted({u.identifier for u in users.values()
                                                                            if u is not None})
    data['alternative_host_emails'] = emails
    data['zoom_only_alternative_hosts'] = sorted(e for e, u in users.items() if u is None)
    flag_modified(vc_room, 'data')


def alternative_host_names(vc_room):
    names = []
    for identifier in vc_room.data.get('alternative_hosts') or ():
        user = principal_from_identifier(identifier)
        names.append(user.full_name if user else identifier)
    return names + list(vc_room.data.get('zoom_only_alternative_hosts') or ())


# --- hosts follow user merges -----------------------------------------------------------------------------------

def follow_merge(target, source, service_name):
    """Indico merged ``source`` into ``target``: rooms hosted (or alternatively hosted) by ``source`` point at
    ``target``. Zoom is not called: the accounts are the same person's, so Zoom's host stays."""
    old, new = source.identifier, target.identifier
    rooms = VCRoom.query.filter(VCRoom.type == service_name, VCRoom.status != VCRoomStatus.deleted,
                                db.or_(VCRoom.data['host'].astext == old,
                                       VCRoom.data['alternative_hosts'].contains([old]))).all()
    for vc_room in rooms:
        data = vc_room.data
        changed = []
        if data.get('host') == old:
            data['host'] = new
            changed.append('host')
        if data.get('host_applied') == old:
            data['host_applied'] = new
        alternatives = data.get('alternative_hosts') or []
        if old in alternatives:
            data['alternative_hosts'] = sorted({new if i == old else i for i in alternatives} - {data.get('host')})
            changed.append('alternative host')
        flag_modified(vc_room, 'data')
        logger.info('Zoom room %s: %s %s follows the merge of %r into %r', vc_room.id, ' and '.join(changed),
                    old, source, target)
        for event in {assoc.event for assoc in vc_room.events if assoc.event is not None}:
            log_action(event, LogKind.change, 'Zoom meeting "{}": ' + ' and '.join(changed) + ' follows a user merge',
                       vc_room, data={'Merged user': f'{source.full_name} ({old})',
                                      'Now': f'{target.full_name} ({new})'})
    return rooms


# --- shown to managers ------------------------------------------------------------------------------------------

def host_form_field(vc_room):
    """The form field an error about the host belongs to."""
    return 'host_choice' if vc_room.data.get('host') == session.user.identifier else 'host_user'


def host_name(vc_room):
    host = principal_from_identifier(vc_room.data['host']) if vc_room.data.get('host') else None
    return host.full_name if host else vc_room.data.get('host_email', '')
