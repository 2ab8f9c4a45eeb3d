"""What a verified Zoom webhook changes in Indico: the rooms it concerns, once per event, logged and announced."""

from indico.core.db import db
from indico.core.logger import Logger
from indico.modules.logs.models.entries import EventLogRealm, LogKind
from indico.modules.users.util import get_user_by_email
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomStatus
from sqlalchemy.orm.attributes import flag_modified

from indico_vc_zoom import meetings
from indico_vc_zoom.connection import get_client
from indico_vc_zoom.dialin import dial_in_stale
from indico_vc_zoom.kinds import MEETING
from indico_vc_zoom.notifications import notify_remote_deleted
from indico_vc_zoom.protection import strip_passcode
from indico_vc_zoom.settings import zoom_settings
from indico_vc_zoom.webhooks.payloads import (
    CONVERTED_TYPES,
    EVENTS,
    TYPES,
    URL_VALIDATION,
    InvalidPayload,
    is_int,
    parse_body,
    parse_notification,
    plain_token,
)
from indico_vc_zoom.webhooks.verification import authenticate, encrypt_token
from indico_vc_zoom.zoom.errors import ZoomError


logger = Logger.get('vc_zoom')


def _reply(http_status, **body):
    return http_status, body


def handle_webhook(raw_body, headers):
    """Answer one request to the webhook endpoint: ``(status, json_body)``; changes go to the DB session."""
    token = zoom_settings.get('webhook_token')
    if not token:
        logger.warning('Refused a Zoom webhook: no webhook token is configured')
        return _reply(403, error='webhooks are not configured')
    method = authenticate(token, headers, raw_body, legacy=zoom_settings.get('webhook_legacy_token'))
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
    if is_int(last_ts):
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
    if ('join_url' not in fields and (password_changed or notification.kind != old_kind)) or dial_in_stale(data):
        # the stored join link embeds the old passcode (or the old kind), or the phone details are outdated:
        # one GET gives the new ones
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
