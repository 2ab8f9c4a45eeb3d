"""Zoom webhooks: verification, payload checks, and what each event changes in Indico.

The first part (verification and payload shape) is pure functions that need neither Indico nor the database.
Zoom signs each request with the app's secret token: ``x-zm-signature`` = ``v0=`` + hex HMAC-SHA256 of
``v0:{x-zm-request-timestamp}:{raw body}``. Requests outside a 5-minute window are refused (replays).
"""

import hashlib
import hmac
import json
import time
from dataclasses import dataclass

from indico.core.db import db
from indico.core.logger import Logger
from indico.modules.logs.models.entries import EventLogRealm, LogKind
from indico.modules.users.util import get_user_by_email
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomStatus
from sqlalchemy.orm.attributes import flag_modified

from indico_vc_zoom import meetings
from indico_vc_zoom.api import get_client
from indico_vc_zoom.meetings import MEETING, WEBINAR
from indico_vc_zoom.notifications import notify_remote_deleted
from indico_vc_zoom.protection import strip_passcode
from indico_vc_zoom.zoom.errors import ZoomError


logger = Logger.get('vc_zoom')

SIGNATURE_HEADER = 'x-zm-signature'
TIMESTAMP_HEADER = 'x-zm-request-timestamp'
LEGACY_HEADER = 'authorization'
#: seconds a signed request stays valid (Zoom's recommendation)
REPLAY_WINDOW = 5 * 60
URL_VALIDATION = 'endpoint.url_validation'


# --- verification (pure) ------------------------------------------------------------------------------------------

def get_header(headers, name):
    """The value of header ``name`` (case-insensitive) as a string, or ``None``; never raises."""
    if headers is None:
        return None
    try:
        value = headers.get(name)
        if value is None and isinstance(headers, dict):
            value = next((v for k, v in headers.items() if isinstance(k, str) and k.lower() == name), None)
    except Exception:
        return None
    return value if isinstance(value, str) else None


def sign(token, timestamp, raw_body):
    """The signature Zoom sends for ``raw_body`` at ``timestamp`` (a string of seconds)."""
    message = b'v0:' + timestamp.encode() + b':' + raw_body
    return 'v0=' + hmac.new(token.encode(), message, hashlib.sha256).hexdigest()


def encrypt_token(token, plain_token):
    """The answer to Zoom's URL validation challenge."""
    return hmac.new(token.encode(), plain_token.encode(), hashlib.sha256).hexdigest()


def _same(expected, given):
    # compare_digest needs bytes for anything non-ASCII; header values may hold anything
    return hmac.compare_digest(expected.encode(), given.encode('utf-8', 'replace'))


def verify_signature(token, headers, raw_body, now=None):
    """Whether the request carries Zoom's valid, fresh signature of ``raw_body`` made with ``token``."""
    if not token or not isinstance(raw_body, bytes):
        return False
    timestamp = get_header(headers, TIMESTAMP_HEADER)
    signature = get_header(headers, SIGNATURE_HEADER)
    if not timestamp or not signature:
        return False
    # isdigit alone accepts other scripts' digits; 12 digits cover seconds for the next 30000 years
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return False
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > REPLAY_WINDOW:
        return False
    return _same(sign(token, timestamp, raw_body), signature)


def verify_legacy(token, headers):
    """Whether the request carries Zoom's legacy verification token in ``authorization``."""
    given = get_header(headers, LEGACY_HEADER)
    return bool(token and given) and _same(token, given)


def authenticate(token, headers, raw_body, legacy=False, now=None):
    """``'signature'``, ``'legacy'`` (only if allowed) or ``None`` when the request is not from Zoom."""
    if verify_signature(token, headers, raw_body, now=now):
        return 'signature'
    if legacy and verify_legacy(token, headers):
        return 'legacy'
    return None


# --- payload shape (pure) -------------------------------------------------------------------------------------------

class InvalidPayload(ValueError):
    """The body is not a Zoom event of the expected shape (answered with 400)."""


#: event -> (action, kind of the object afterwards)
EVENTS = {
    'meeting.updated': ('updated', MEETING),
    'webinar.updated': ('updated', WEBINAR),
    'meeting.deleted': ('deleted', MEETING),
    'webinar.deleted': ('deleted', WEBINAR),
    'meeting.converted_to_webinar': ('converted', WEBINAR),
    'webinar.converted_to_meeting': ('converted', MEETING),
}
#: Zoom's ``type`` values per kind
TYPES = {MEETING: {1, 2, 3, 4, 8, 10}, WEBINAR: {5, 6, 9}}
#: what a conversion does to the type (scheduled, recurring without / with fixed time)
CONVERTED_TYPES = {2: 5, 3: 6, 8: 9, 5: 2, 6: 3, 9: 8}
#: settings we mirror; all booleans
BOOL_SETTINGS = ('host_video', 'participant_video', 'panelists_video', 'mute_upon_entry', 'join_before_host',
                 'waiting_room')
MAX_STRING = 10000
MAX_ZOOM_ID = 2 ** 63 - 1


@dataclass(frozen=True)
class Notification:
    event: str
    action: str
    kind: str
    ts: int
    zoom_id: int
    #: the validated fields of ``payload.object`` we use (id excluded)
    fields: dict

    @property
    def key(self):
        return f'{self.event}:{self.ts}:{self.zoom_id}'


def parse_body(raw_body):
    """The JSON object of the body, with a string ``event``."""
    try:
        body = json.loads(raw_body.decode('utf-8'))
    except (ValueError, RecursionError):
        raise InvalidPayload('body is not JSON')
    if not isinstance(body, dict):
        raise InvalidPayload('body is not a JSON object')
    if not isinstance(body.get('event'), str) or not body['event']:
        raise InvalidPayload('event is missing')
    return body


def plain_token(body):
    payload = body.get('payload')
    token = payload.get('plainToken') if isinstance(payload, dict) else None
    if not _is_text(token, 1000) or not token:
        raise InvalidPayload('payload.plainToken is missing')
    return token


def _is_text(value, max_length=MAX_STRING):
    """A string PostgreSQL and UTF-8 can take: no NUL, no lone surrogates (both would fail only at flush)."""
    if not isinstance(value, str) or len(value) > max_length or '\x00' in value:
        return False
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _zoom_id(value):
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
        value = int(value)
    if not _is_int(value) or not 0 < value <= MAX_ZOOM_ID:
        raise InvalidPayload('payload.object.id is not a Zoom id')
    return value


def _check_string(obj, key, *, nullable=False, nonempty=False):
    value = obj[key]
    if value is None and nullable:
        return
    if not _is_text(value) or (nonempty and not value.strip()):
        raise InvalidPayload(f'payload.object.{key} is invalid')


def _object_fields(obj, kind):
    """The fields of a (partial) Zoom meeting object we mirror, checked; unknown ones are dropped."""
    fields = {}
    for key, nullable, nonempty in (('topic', False, True), ('agenda', True, False), ('password', False, False),
                                    ('host_id', False, True), ('host_email', False, False),
                                    ('start_time', True, False), ('timezone', False, False),
                                    ('join_url', False, True)):
        if key in obj:
            _check_string(obj, key, nullable=nullable, nonempty=nonempty)
            fields[key] = obj[key]
    if 'join_url' in fields and not fields['join_url'].lower().startswith(('https://', 'http://')):
        raise InvalidPayload('payload.object.join_url is invalid')  # rendered as a link: no other schemes
    if 'duration' in obj:
        if obj['duration'] is not None and not (_is_int(obj['duration']) and 0 <= obj['duration'] <= 100000):
            raise InvalidPayload('payload.object.duration is invalid')
        fields['duration'] = obj['duration']
    if 'type' in obj:
        if not _is_int(obj['type']) or obj['type'] not in TYPES[kind]:
            raise InvalidPayload(f'payload.object.type is not a {kind} type')
        fields['type'] = obj['type']
    if 'settings' in obj:
        if not isinstance(obj['settings'], dict):
            raise InvalidPayload('payload.object.settings is invalid')
        settings = {}
        for key in BOOL_SETTINGS:
            if key in obj['settings']:
                if not isinstance(obj['settings'][key], bool):
                    raise InvalidPayload(f'payload.object.settings.{key} is invalid')
                settings[key] = obj['settings'][key]
        fields['settings'] = settings
    return fields


def parse_notification(body):
    """A :class:`Notification` from a body whose ``event`` is one of :data:`EVENTS`."""
    action, kind = EVENTS[body['event']]
    ts = body.get('event_ts')
    if not _is_int(ts) or not 0 <= ts <= MAX_ZOOM_ID:
        raise InvalidPayload('event_ts is missing')
    payload = body.get('payload')
    if not isinstance(payload, dict) or not isinstance(payload.get('object'), dict):
        raise InvalidPayload('payload.object is missing')
    obj = payload['object']
    if 'id' not in obj:
        raise InvalidPayload('payload.object.id is missing')
    zoom_id = _zoom_id(obj['id'])
    fields = _object_fields(obj, kind) if action != 'deleted' else {}
    return Notification(body['event'], action, kind, ts, zoom_id, fields)


# --- handling -----------------------------------------------------------------------------------------------------

def _reply(http_status, **body):
    return http_status, body


def handle_webhook(raw_body, headers):
    """Answer one request to the webhook endpoint: ``(status, json_body)``; changes go to the DB session."""
    from indico_vc_zoom.plugin import ZoomPlugin
    token = ZoomPlugin.settings.get('webhook_token')
    if not token:
        logger.warning('Refused a Zoom webhook: no webhook token is configured')
        return _reply(403, error='webhooks are not configured')
    method = authenticate(token, headers, raw_body, legacy=ZoomPlugin.settings.get('webhook_legacy_token'))
    if method is None:
        logger.warning('Refused a Zoom webhook: missing, invalid or expired signature')
        return _reply(401, error='invalid signature')
    try:
        body = parse_body(raw_body)
        if body['event'] == URL_VALIDATION:
            if method != 'signature':
                # the challenge proves we hold the secret token; only answer Zoom's signed request
                return _reply(401, error='invalid signature')
            plain = plain_token(body)
            logger.info('Answered Zoom webhook URL validation')
            return _reply(200, plainToken=plain, encryptedToken=encrypt_token(token, plain))
        if body['event'] not in EVENTS:
            logger.info('Ignored Zoom webhook %.100r: event not handled', body['event'])
            return _reply(200, status='ignored')
        notification = parse_notification(body)
    except InvalidPayload as exc:
        logger.warning('Refused a Zoom webhook: %s', exc)
        return _reply(400, error=str(exc))
    rooms = find_rooms(notification.zoom_id)
    if not rooms:
        logger.info('Ignored Zoom webhook %s for %s: no Indico room uses it', notification.event,
                    notification.zoom_id)
        return _reply(200, status='ignored')
    applied = [room for room in rooms if apply_notification(room, notification)]
    return _reply(200, status='applied' if applied else 'duplicate')


def find_rooms(zoom_id):
    """Live Zoom rooms with this Zoom id (stored as int, or as string by older data), locked until commit."""
    # containment uses the GIN index on data; the lock makes concurrent deliveries of one event apply once
    return (VCRoom.query
            .filter(VCRoom.type == 'zoom', VCRoom.status == VCRoomStatus.created,
                    db.or_(VCRoom.data.contains({'zoom_id': zoom_id}),
                           VCRoom.data.contains({'zoom_id': str(zoom_id)})))
            .order_by(VCRoom.id)
            .with_for_update()
            .populate_existing()
            .all())


def apply_notification(vc_room, notification):
    """Apply the event to the room once; ``False`` if it was already applied or is older than the last one."""
    seen = vc_room.data.get('last_webhook') or {}
    last_ts = seen.get('ts')
    keys = seen.get('keys') or []
    if _is_int(last_ts):
        if notification.ts < last_ts:
            logger.info('Ignored Zoom webhook %s for %s: older than the last one applied to %r', notification.event,
                        notification.zoom_id, vc_room)
            return False
        if notification.ts == last_ts and notification.key in keys:
            logger.info('Ignored Zoom webhook %s for %s: already applied to %r', notification.event,
                        notification.zoom_id, vc_room)
            return False
    if notification.action == 'deleted':
        _deleted(vc_room, notification)
    else:
        _updated(vc_room, notification)
    # events of the same millisecond may still come; older ones are ignored by the timestamp alone
    keys = (keys if notification.ts == last_ts else []) + [notification.key]
    vc_room.data['last_webhook'] = {'ts': notification.ts, 'keys': keys[-20:]}
    flag_modified(vc_room, 'data')
    logger.info('Applied Zoom webhook %s for %s to %r', notification.event, notification.zoom_id, vc_room)
    return True


def _events(vc_room):
    return sorted({a.event for a in vc_room.events if a.event is not None and not a.event.is_deleted},
                  key=lambda e: e.id)


def _log(vc_room, kind, summary, data):
    for event in _events(vc_room):
        event.log(EventLogRealm.management, kind, 'Videoconference', summary, None,
                  data={'Service': 'Zoom', 'Zoom ID': vc_room.data.get('zoom_id'), **data})


def _deleted(vc_room, notification):
    meetings.mark_deleted(vc_room)
    kind = vc_room.data.get('meeting_type', MEETING)
    _log(vc_room, LogKind.negative, f'Zoom {kind} "{vc_room.name}" was deleted on Zoom',
         {'Action': 'Deleted on Zoom (webhook)'})
    notify_remote_deleted(vc_room.plugin, vc_room, _events(vc_room))


def _fetch(vc_room):
    try:
        return meetings.fetch_meeting(vc_room)
    except ZoomError as exc:
        logger.warning('Could not get Zoom %s %s after a webhook: %s', vc_room.data.get('meeting_type'),
                       vc_room.data.get('zoom_id'), exc)
        return None


def _zoom_user_email(zoom_user_id):
    try:
        return get_client().get_user(zoom_user_id).get('email')
    except ZoomError as exc:
        logger.warning('Could not get the new host of a Zoom meeting from Zoom: %s', exc)
        return None


def _updated(vc_room, notification):
    data = vc_room.data
    fields = notification.fields
    old_kind = data.get('meeting_type', MEETING)
    old_password = data.get('password')
    old_host = data.get('zoom_host_id')
    old_type = data.get('zoom', {}).get('zoom_type')
    if (notification.action == 'converted' and 'type' not in fields
            and CONVERTED_TYPES.get(old_type) in TYPES[notification.kind]):
        fields = {**fields, 'type': CONVERTED_TYPES[old_type]}  # keep the stored type in line with the kind
    meetings.store_zoom_meeting(vc_room, fields, notification.kind)
    fetched = None
    password_changed = 'password' in fields and fields['password'] != old_password
    if 'join_url' not in fields and (password_changed or notification.kind != old_kind):
        # the stored join link embeds the old passcode (or the old kind): one GET gives the new one
        fetched = _fetch(vc_room)
        if fetched is not None:
            meetings.store_zoom_meeting(vc_room, *fetched)
        elif password_changed:
            # a stale pwd= would let nobody in; without it Zoom asks for the passcode
            data['join_url'] = strip_passcode(data.get('join_url'))
    changed = sorted(k for k in fields if k not in ('uuid', 'join_url'))
    log_data = {'Changed on Zoom': ', '.join(changed) or '-'}
    new_host = data.get('zoom_host_id')
    if new_host and new_host != old_host:
        log_data['New host'] = _apply_new_host(vc_room, new_host, fields, fetched)
    if not changed and notification.action != 'converted':
        return  # only fields we do not mirror changed: nothing to tell the managers
    if notification.action == 'converted':
        summary = f'Zoom {old_kind} "{vc_room.name}" was converted to a {data["meeting_type"]} on Zoom'
    else:
        summary = f'Zoom {data["meeting_type"]} "{vc_room.name}" was changed on Zoom'
    _log(vc_room, LogKind.change, summary, log_data)


def _apply_new_host(vc_room, zoom_host_id, fields, fetched):
    """Follow a host change made on Zoom; the Indico host changes too if an Indico user has that e-mail."""
    data = vc_room.data
    email = fields.get('host_email')
    if not email and fetched is not None and fetched[0].get('host_id') == zoom_host_id:
        email = fetched[0].get('host_email')
    if not email:
        email = _zoom_user_email(zoom_host_id)
    if not email:
        data.pop('host_email', None)  # the old host's address would be wrong
        return zoom_host_id
    data['host_email'] = email
    user = get_user_by_email(email)
    if user is None:
        return email
    data['host'] = data['host_applied'] = user.identifier
    return f'{user.full_name} ({email})'
