"""What a verified Zoom webhook changes in Indico: the rooms it concerns, once per event and in order, logged.

The request never calls Zoom. It costs one indexed lookup by Zoom id, one write per room and one batch of log
entries; what the payload lacks (the join link with a new passcode, a new host's e-mail) is fetched by a follow-up
task once the request has committed (:mod:`followup`).
"""

from indico.core.logger import Logger
from indico.modules.events.models.events import Event
from indico.modules.logs.models.entries import LogKind
from indico.modules.vc.models.vc_rooms import VCRoom

from indico_vc_zoom import checkin, live_status, recordings
from indico_vc_zoom.kinds import MEETING
from indico_vc_zoom.notifications import notify_remote_deleted
from indico_vc_zoom.settings import zoom_settings
from indico_vc_zoom.webhooks import records
from indico_vc_zoom.webhooks.changes import Update, log_entries
from indico_vc_zoom.webhooks.payloads import (
    EVENTS,
    LIVE_EVENTS,
    PARTICIPANT_EVENTS,
    RECORDING_EVENTS,
    URL_VALIDATION,
    InvalidPayload,
    parse_body,
    parse_notification,
    parse_participant_notification,
    parse_recording_notification,
    parse_run_notification,
    plain_token,
)
from indico_vc_zoom.webhooks.verification import authenticate, encrypt_token


logger = Logger.get('vc_zoom')

#: optimistic rounds (read, write if unchanged) before one round under a short row lock
OPTIMISTIC_ATTEMPTS = 3
#: keys of the events applied at the newest millisecond that are remembered
KEPT_KEYS = 20


def _reply(http_status, **body):
    return http_status, body, []


def handle_webhook(raw_body, headers):
    """Answer one request to the webhook endpoint: ``(status, json_body, followups)``.

    Changes go to the DB session; ``followups`` are the arguments of :func:`followup.complete_webhook` to queue
    once they are committed.
    """
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
        if body['event'] in EVENTS:
            notification, apply = parse_notification(body), apply_to_room
        elif body['event'] in LIVE_EVENTS:
            notification, apply = parse_run_notification(body), live_status.apply_to_room
        elif body['event'] in RECORDING_EVENTS:
            notification, apply = parse_recording_notification(body), recordings.apply_to_room
        elif body['event'] in PARTICIPANT_EVENTS:
            notification, apply = parse_participant_notification(body), checkin.apply_to_room
        else:
            logger.info('Ignored Zoom webhook %.100r: event not handled', body['event'])
            return _reply(200, status='ignored')
    except InvalidPayload as exc:
        logger.warning('Refused a Zoom webhook: %s', exc)
        return _reply(400, error=str(exc))
    found, applied, followups = apply_to_rooms(notification, apply)
    if not found:
        logger.info('Ignored Zoom webhook %s for %s: no Indico room uses it', notification.event,
                    notification.zoom_id)
        return _reply(200, status='ignored')
    if not applied and body['event'] in PARTICIPANT_EVENTS:
        return _reply(200, status='ignored')  # check-in off, an unknown participant, or checked in already
    return 200, {'status': 'applied' if applied else 'duplicate'}, followups


def apply_to_rooms(notification, apply=None):
    """Apply the event to each live room of its Zoom id: ``(found, applied, followups)``.

    ``apply(record, notification)`` is the change of one room (by default a meeting change; live status and
    recordings bring their own); it answers like :func:`apply_to_room`.

    A room that someone else changed between our read and our write is read again; the last round reads under a
    row lock, held for the few statements of this request only (never while anything waits on Zoom).
    """
    entries, followups, deleted = [], [], []
    found = applied = False
    pending = None
    for attempt in range(OPTIMISTIC_ATTEMPTS + 1):
        rows = records.find_rooms(notification.zoom_id, lock=attempt == OPTIMISTIC_ATTEMPTS)
        if pending is not None:
            rows = [r for r in rows if r.vc_room_id in pending]
        found = found or bool(rows)
        pending = set()
        for record in rows:
            outcome = (apply or apply_to_room)(record, notification)
            if outcome is None:
                continue
            if outcome is False:
                pending.add(record.vc_room_id)
                continue
            applied = True
            room_entries, followup = outcome
            entries += room_entries
            if followup:
                followups.append(followup)
            if notification.action == 'deleted':
                deleted.append(record)
        if not pending:
            break
    records.insert_log_entries(entries)
    for record in deleted:
        _notify_deleted(record)
    return found, applied, followups


def _is_stale(record, notification):
    if record.last_event_ts is None:
        return False
    if notification.ts < record.last_event_ts:
        logger.info('Ignored Zoom webhook %s for %s: older than the last one applied to room %s',
                    notification.event, notification.zoom_id, record.vc_room_id)
        return True
    if notification.ts == record.last_event_ts and notification.key in record.last_event_keys:
        logger.info('Ignored Zoom webhook %s for %s: already applied to room %s', notification.event,
                    notification.zoom_id, record.vc_room_id)
        return True
    return False


def apply_to_room(record, notification):
    """``None`` (already applied or older), ``False`` (changed meanwhile: read again) or ``(log rows, followup)``."""
    if _is_stale(record, notification):
        return None
    # events of the same millisecond may still come; older ones are ignored by the timestamp alone
    keys = record.last_event_keys if notification.ts == record.last_event_ts else []
    last_event = (notification.ts, [*keys, notification.key][-KEPT_KEYS:])
    if notification.action == 'deleted':
        if not records.write_room(record, deleted=True, last_event=last_event):
            return False
        kind = record.data.get('meeting_type', MEETING)
        entries = log_entries(record, LogKind.negative, f'Zoom {kind} "{record.name}" was deleted on Zoom',
                              {'Action': 'Deleted on Zoom (webhook)'})
        followup = None
    else:
        update = Update(record, notification)
        if not records.write_room(record, name=update.room.name, data=update.room.data, last_event=last_event):
            return False
        entries = [entry for log in ([update.log] if update.log else []) + update.extra_logs
                   for entry in log_entries(record, *log)]
        followup = ((record.vc_room_id, record.version + 1, update.fetch_meeting, update.host_id)
                    if update.needs_followup else None)
    logger.info('Applied Zoom webhook %s for %s to room %s', notification.event, notification.zoom_id,
                record.vc_room_id)
    return entries, followup


def _notify_deleted(record):
    # deletions are rare: the e-mails need the real room and events (rendered by templates)
    vc_room = VCRoom.get(record.vc_room_id)
    events = Event.query.filter(Event.id.in_(record.event_ids)).order_by(Event.id).all()
    notify_remote_deleted(vc_room.plugin, vc_room, events)
