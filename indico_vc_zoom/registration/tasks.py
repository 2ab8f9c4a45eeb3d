"""The registration sync's Celery tasks: run by Indico's worker after the request committed, never in it."""

from indico.core.celery import celery
from indico.core.db import db
from indico.core.logger import Logger
from indico.modules.logs.models.entries import LogKind
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomStatus

from indico_vc_zoom.connection import get_client
from indico_vc_zoom.event_log import log_action
from indico_vc_zoom.registration import sync
from indico_vc_zoom.registration.personal_links import send_link_email
from indico_vc_zoom.zoom.errors import ZoomError, ZoomRateLimited, ZoomUnavailable, next_utc_midnight


logger = Logger.get('vc_zoom')

#: seconds before each retry while Zoom is unavailable or answers 429 (a daily limit waits for its reset)
RETRY_DELAYS = (10, 60, 300, 1800, 3600)
#: attempts after the first, daily-limit waits included (then "sync now" or the next change tries again)
MAX_ATTEMPTS = 8


class SyncResult(dict):
    """``{'calls', 'added', 'replaced', 'approved', 'cancelled'}`` of one sync (what the log and the CLI show)."""


def run_sync(vc_room, only=None):
    """Plan and apply the meeting's registrant changes now; logs what changed in each event of the meeting."""
    changes = sync.plan(vc_room, only)
    result = SyncResult(added=len(changes.add), replaced=len(changes.replace), approved=len(changes.approve),
                        cancelled=len(changes.cancel), calls=0)
    if not changes:
        return result
    try:
        result['calls'] = sync.apply(get_client(), vc_room, changes)
    finally:
        # each registrant Zoom gave a (new) personal link hears of it, also when a later change failed
        for registration_id, join_url in changes.linked:
            send_link_email(vc_room, registration_id, join_url)
    summary = {'Registrants added': result['added'] + result['replaced'], 'Registrants cancelled':
               result['cancelled'], 'Registrants approved again': result['approved'], 'Zoom calls': result['calls']}
    for event in {a.event for a in vc_room.events if a.event is not None}:
        log_action(event, LogKind.change, 'Zoom registrants of "{}" synchronized', vc_room, data=summary)
    return result


def retry_plan(exc, attempt):
    """``(countdown seconds, eta)`` of the next attempt after this failure, or ``None`` when none is left."""
    if attempt >= MAX_ATTEMPTS:
        return None
    if isinstance(exc, ZoomRateLimited) and exc.daily:
        # Zoom's daily limits (per registrant, per user) reset at 00:00 UTC: trying earlier only fails again
        return (None, exc.resets_at or next_utc_midnight())
    if attempt >= len(RETRY_DELAYS):
        return None
    wait = getattr(exc, 'retry_after', None)
    return (max(1, int(wait)) if wait is not None else RETRY_DELAYS[attempt], None)


def report_failure(vc_room, exc, retry=None):
    """Say in each event's log why Zoom did not take the registrants (429s and daily limits) and what happens next.

    ``retry`` is :func:`retry_plan`'s answer for this failure (``None``: nothing is tried again by itself).
    """
    if isinstance(exc, ZoomRateLimited):
        what = ("Zoom's daily limit of registrant requests is reached" if exc.daily
                else 'Zoom answered "too many requests" (429)')
    elif isinstance(exc, ZoomUnavailable):
        what = f'Zoom is unavailable: {exc}'
    else:
        what = f'Zoom refused the registrant changes: {exc}'
    if retry is None:
        after = ('Not tried again by itself: "Sync now" on the Videoconference page (or the next registration '
                 'change) tries again.')
    elif retry[1] is not None:
        after = f'Trying again after {retry[1]:%Y-%m-%d %H:%M} UTC.'
    else:
        after = f'Trying again in {retry[0]} s.'
    message = f'{what}. {after}'
    for event in {a.event for a in vc_room.events if a.event is not None}:
        log_action(event, LogKind.negative, 'Zoom registrants of "{}" not synchronized', vc_room,
                   data={'Reason': message})
    return message


@celery.task(name='vc_zoom.sync_registrants', plugin='vc_zoom', request_context=True, bind=True,
             ignore_result=True)
def sync_registrants(self, vc_room_id, registration_ids=None, attempt=0):
    """Bring the Zoom registrants of one meeting in line (all registrations, or only ``registration_ids``)."""
    vc_room = VCRoom.get(vc_room_id)
    if vc_room is None or vc_room.status == VCRoomStatus.deleted or not vc_room.data.get('zoom_id'):
        return 'gone'
    only = set(registration_ids) if registration_ids is not None else None
    try:
        result = run_sync(vc_room, only)
    except (ZoomRateLimited, ZoomUnavailable) as exc:
        retry = retry_plan(exc, attempt)
        # an eager run (tests, the CLI) cannot wait for a reset; a short wait it can
        eager = self.request.is_eager or self.app.conf.task_always_eager  # 3.2's Celery hides is_eager
        if eager and retry is not None and retry[1] is not None:
            retry = None
        report_failure(vc_room, exc, retry)
        db.session.commit()  # keeps what Zoom already took (each change is stored once Zoom accepted it)
        if retry is None:
            logger.warning('Gave up syncing the Zoom registrants of room %s: %s', vc_room_id, exc)
            return 'failed'
        logger.info('Syncing the Zoom registrants of room %s again later: %s', vc_room_id, exc)
        # sent again rather than Task.retry(), which re-raises instead of retrying under Indico 3.2 (see tasks.py)
        sync_registrants.apply_async((vc_room_id, registration_ids), {'attempt': attempt + 1},
                                     countdown=retry[0], eta=retry[1])
        return 'retrying'
    except ZoomError as exc:
        report_failure(vc_room, exc)
        db.session.commit()  # keeps what Zoom already took (each change is stored once Zoom accepted it)
        logger.warning('Could not sync the Zoom registrants of room %s: %s', vc_room_id, exc)
        return 'failed'
    db.session.commit()
    return result
