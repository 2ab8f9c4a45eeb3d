"""The registration sync's Celery tasks: run by Indico's worker after the request committed, never in it."""

from indico.core.celery import celery
from indico.core.db import db
from indico.core.logger import Logger
from indico.modules.logs.models.entries import LogKind
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomStatus

from indico_vc_zoom.connection import get_client
from indico_vc_zoom.event_log import log_action
from indico_vc_zoom.registration import sync
from indico_vc_zoom.zoom.errors import ZoomError, ZoomRateLimited, ZoomUnavailable


logger = Logger.get('vc_zoom')

#: seconds before each retry while Zoom is unavailable or answers 429 (a daily limit waits for its reset)
RETRY_DELAYS = (10, 60, 300, 1800, 3600)


class SyncResult(dict):
    """``{'calls', 'added', 'replaced', 'approved', 'cancelled'}`` of one sync (what the log and the CLI show)."""


def run_sync(vc_room, only=None):
    """Plan and apply the meeting's registrant changes now; logs what changed in each event of the meeting."""
    changes = sync.plan(vc_room, only)
    result = SyncResult(added=len(changes.add), replaced=len(changes.replace), approved=len(changes.approve),
                        cancelled=len(changes.cancel), calls=0)
    if not changes:
        return result
    result['calls'] = sync.apply(get_client(), vc_room, changes)
    summary = {'Registrants added': result['added'] + result['replaced'], 'Registrants cancelled':
               result['cancelled'], 'Registrants approved again': result['approved'], 'Zoom calls': result['calls']}
    for event in {a.event for a in vc_room.events if a.event is not None}:
        log_action(event, LogKind.change, 'Zoom registrants of "{}" synchronized', vc_room, data=summary)
    return result


def report_failure(vc_room, exc):
    """Say in each event's log why Zoom did not take the registrants (429s and daily limits included)."""
    if isinstance(exc, ZoomRateLimited):
        when = exc.resets_at.strftime('%Y-%m-%d %H:%M UTC') if getattr(exc, 'resets_at', None) else 'later'
        message = f'Zoom limits registrant changes right now (429); trying again {when}.'
    else:
        message = f'Zoom refused the registrant changes: {exc}'
    for event in {a.event for a in vc_room.events if a.event is not None}:
        log_action(event, LogKind.negative, 'Zoom registrants of "{}" not synchronized', vc_room,
                   data={'Reason': message})
    return message


@celery.task(name='vc_zoom.sync_registrants', plugin='vc_zoom', request_context=True, bind=True,
             ignore_result=True, max_retries=len(RETRY_DELAYS))
def sync_registrants(self, vc_room_id, registration_ids=None):
    """Bring the Zoom registrants of one meeting in line (all registrations, or only ``registration_ids``)."""
    vc_room = VCRoom.get(vc_room_id)
    if vc_room is None or vc_room.status == VCRoomStatus.deleted or not vc_room.data.get('zoom_id'):
        return 'gone'
    only = set(registration_ids) if registration_ids is not None else None
    try:
        result = run_sync(vc_room, only)
    except (ZoomRateLimited, ZoomUnavailable) as exc:
        report_failure(vc_room, exc)
        db.session.commit()  # keeps what Zoom already took (each change is stored once Zoom accepted it)
        if self.request.is_eager or self.request.retries >= self.max_retries:
            logger.warning('Gave up syncing the Zoom registrants of room %s: %s', vc_room_id, exc)
            return 'failed'
        resets_at = getattr(exc, 'resets_at', None)
        if getattr(exc, 'daily', False) and resets_at:
            raise self.retry(eta=resets_at)
        raise self.retry(countdown=getattr(exc, 'retry_after', None) or RETRY_DELAYS[self.request.retries])
    except ZoomError as exc:
        report_failure(vc_room, exc)
        db.session.commit()  # keeps what Zoom already took (each change is stored once Zoom accepted it)
        logger.warning('Could not sync the Zoom registrants of room %s: %s', vc_room_id, exc)
        return 'failed'
    db.session.commit()
    return result
