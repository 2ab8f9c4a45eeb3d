"""What a webhook's payload lacked, fetched from Zoom after the webhook was answered (a Celery task).

The task reads the room, lets its database connection go, asks Zoom, and then writes only if nobody changed the
room meanwhile (else it reads again): no connection and no lock is held while Zoom takes its time. Follow-ups of
one meeting coalesce: once Zoom's state was fetched after a change, older follow-ups have nothing left to do.
"""

from indico.core.celery import celery
from indico.core.db import db
from indico.core.logger import Logger
from indico.modules.logs.models.entries import LogKind

from indico_vc_zoom import meetings
from indico_vc_zoom.compat import is_eager_run
from indico_vc_zoom.connection import get_client
from indico_vc_zoom.webhooks import records
from indico_vc_zoom.webhooks.changes import apply_host_email, log_entries, working_copy
from indico_vc_zoom.zoom.errors import ZoomError, ZoomNotFound, ZoomRateLimited, ZoomUnavailable


logger = Logger.get('vc_zoom')

#: seconds before each retry while Zoom is unavailable (then the follow-up gives up; the stored link stays safe)
RETRY_DELAYS = (5, 30, 120, 600, 1800)
#: reads again at most this often when webhooks keep changing the room while Zoom is asked
MAX_ATTEMPTS = 5


def queue_followups(followups):
    """Queue the follow-ups of a committed webhook; a broker failure is logged (the webhook itself is applied).

    A follow-up is the arguments of :func:`complete_webhook`, or a callable queueing a task of its own (the
    attendance report after ``meeting.ended``).
    """
    for followup in followups:
        if callable(followup):
            followup()
            continue
        vc_room_id, version, fetch_meeting, host_id = followup
        try:
            complete_webhook.delay(vc_room_id, version, fetch_meeting, host_id)
        except Exception:
            logger.exception('Could not queue the Zoom follow-up of room %s', vc_room_id)


# request_context: settings are then cached for the task, so reading them opens no transaction while Zoom is asked
@celery.task(name='vc_zoom.complete_webhook', plugin='vc_zoom', request_context=True, bind=True,
             ignore_result=True)
def complete_webhook(self, vc_room_id, version, fetch_meeting, host_id, attempt=0):
    """Get from Zoom what the webhook that made ``version`` of the room lacked, and store it."""
    try:
        outcome = complete(vc_room_id, version, fetch_meeting, host_id)
    except (ZoomUnavailable, ZoomRateLimited) as exc:
        if getattr(exc, 'daily', False):
            outcome = 'failed'
        else:
            outcome = 'unavailable'
        reason = exc
    except ZoomError as exc:
        logger.warning('Could not complete a Zoom webhook for room %s: %s', vc_room_id, exc)
        return 'failed'
    else:
        reason = 'the room kept changing'
    if outcome not in ('unavailable', 'busy'):
        return outcome
    if is_eager_run(self) or attempt >= len(RETRY_DELAYS):
        # an eager run (tests) cannot wait; the stored data stays what the webhook made it (a link without pwd=)
        logger.warning('Gave up completing a Zoom webhook for room %s: %s', vc_room_id, reason)
        return 'failed'
    logger.info('Completing a Zoom webhook for room %s later: %s', vc_room_id, reason)
    # sent again rather than Task.retry(), which re-raises instead of retrying under Indico 3.2 (see tasks.py)
    complete_webhook.apply_async((vc_room_id, version, fetch_meeting, host_id), {'attempt': attempt + 1},
                                 countdown=RETRY_DELAYS[attempt])
    return 'retrying'


def complete(vc_room_id, version, fetch_meeting, host_id):
    """The follow-up itself: ``'done'``, ``'gone'`` or ``'busy'`` (the room kept changing; a later one finishes)."""
    for _attempt in range(MAX_ATTEMPTS):
        client = get_client()  # reads the settings now, not while Zoom is asked
        record = records.find_room(vc_room_id)
        db.session.commit()  # let the connection go before waiting on Zoom
        if record is None:
            return 'gone'
        need_meeting = fetch_meeting and record.fetched_version < version
        if not need_meeting and not _host_missing(record.data, host_id):
            return 'done'
        room = working_copy(record)
        fetched = None
        redacted = []  # log entries (summary, data) of join details removed from Zoom's text
        if need_meeting:
            try:
                fetched = meetings.fetch_meeting(room)  # the same client, settings from the cache
            except ZoomNotFound:
                logger.info('Zoom meeting of room %s is gone; its deletion webhook will follow', vc_room_id)
                return 'gone'
            meetings.store_zoom_meeting(room, *fetched,
                                        on_redacted=lambda summary, data, into=redacted: into.append((summary, data)))
        new_host = None
        if _host_missing(room.data, host_id):
            if fetched is not None and fetched[0].get('host_id') == host_id:
                email = fetched[0].get('host_email')
            else:
                email = _zoom_user_email(client, host_id)
            new_host = apply_host_email(room, email)
        if records.write_room(record, name=room.name, data=room.data, fetched=need_meeting):
            for summary, data in redacted:
                records.insert_log_entries(log_entries(record, LogKind.change, summary, data))
            if new_host and new_host != host_id:
                records.insert_log_entries(log_entries(
                    record, LogKind.change, f'Zoom {room.data.get("meeting_type")} "{room.name}": new host found',
                    {'New host': new_host}))
            db.session.commit()
            logger.info('Completed Zoom webhook for room %s from Zoom', vc_room_id)
            return 'done'
        db.session.rollback()
    logger.info('Zoom follow-up of room %s left to a later one: the room kept changing', vc_room_id)
    return 'busy'


def _host_missing(data, host_id):
    return bool(host_id) and data.get('zoom_host_id') == host_id and not data.get('host_email')


def _zoom_user_email(client, zoom_user_id):
    try:
        return client.get_user(zoom_user_id).get('email')
    except ZoomNotFound:
        return None
    except ZoomError as exc:
        if isinstance(exc, ZoomUnavailable | ZoomRateLimited):
            raise
        logger.warning('Could not get the new host of a Zoom meeting from Zoom: %s', exc)
        return None
