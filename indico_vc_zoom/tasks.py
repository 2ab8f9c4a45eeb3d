"""The plugin's Celery tasks: thin wrappers that retry; the work is in ``pending_changes`` and ``reconcile``.

A task carries only a room id: what Zoom must become is re-read from the room's row (locked) when it runs, so a
failed or repeated task loses and doubles nothing. Zoom's 5xx and per-second 429 are retried with backoff; other
refusals stop with the reason logged (see :func:`pending_changes.apply_pending`).

Registration sync (the registration issue) gets its task here too, e.g. ``vc_zoom.sync_registrants``, calling
into its own module the same way.
"""

from celery.schedules import crontab
from indico.core.celery import celery
from indico.core.db import db
from indico.core.logger import Logger
from sqlalchemy.event import listen

from indico_vc_zoom import pending_changes, reconcile, verification
from indico_vc_zoom.zoom.errors import ZoomRateLimited


logger = Logger.get('vc_zoom')

MAX_RETRIES = 8
MAX_BACKOFF = 600


def backoff(retries, exc):
    """Seconds before retry ``retries + 1``: Zoom's Retry-After for a 429, else 10 s doubling, at most 10 min."""
    if isinstance(exc, ZoomRateLimited) and exc.retry_after is not None:
        return max(1, int(exc.retry_after))
    return min(10 * 2 ** retries, MAX_BACKOFF)


def _apply_with_retries(task, room_id, verify, attempt):
    # Celery's own Task.retry() cannot be used: under Celery 5.3.1 (Indico 3.2) Indico's Task.__call__ hides the
    # task request, so retry() re-raises instead of retrying. Sending the task again works on both Indico lines.
    try:
        return pending_changes.apply_pending(room_id, converge=reconcile.converge, verify=verify)
    except pending_changes.RETRYABLE as exc:
        if attempt >= MAX_RETRIES:
            logger.error('Zoom room %s: giving up after %d attempts (%s); the change stays queued for the periodic '
                         'sweep', room_id, attempt + 1, exc)
            return 'gave up'
        delay = backoff(attempt, exc)
        logger.warning('Zoom room %s: %s; retry %d in %d s', room_id, exc, attempt + 1, delay)
        task.apply_async((room_id,), {'verify': verify, 'attempt': attempt + 1}, countdown=delay)
        return 'retrying'


@celery.task(name='vc_zoom.sync_room', bind=True, plugin='vc_zoom', request_context=True, ignore_result=True)
def sync_room(self, room_id, verify=False, attempt=0):
    """Push what a room owes Zoom (after a timetable change, a clone, a queued edit)."""
    return _apply_with_retries(self, room_id, verify, attempt)


@celery.task(name='vc_zoom.converge_room', bind=True, plugin='vc_zoom', request_context=True, ignore_result=True)
def converge_room(self, room_id, verify=True, attempt=0):
    """GET the meeting, adopt Zoom's state, push what Indico still owes: for calls whose outcome was unknown."""
    return _apply_with_retries(self, room_id, True, attempt)


def _verify_with_retries(task, work, args, attempt):
    try:
        return work(*args)
    except pending_changes.RETRYABLE as exc:
        if attempt >= MAX_RETRIES:
            logger.error('Zoom verification %s%r: giving up after %d attempts (%s)', task.name, args, attempt + 1, exc)
            return 'gave up'
        delay = backoff(attempt, exc)
        logger.warning('Zoom verification %s%r: %s; retry %d in %d s', task.name, args, exc, attempt + 1, delay)
        task.apply_async(args, {'attempt': attempt + 1}, countdown=delay)
        return 'retrying'


@celery.task(name='vc_zoom.verify_delete', bind=True, plugin='vc_zoom', request_context=True, ignore_result=True)
def verify_delete(self, event_id, kind, zoom_id, name, attempt=0):
    """A delete Zoom did not confirm in time (the room is gone from Indico): delete until Zoom says it is gone."""
    return _verify_with_retries(self, verification.finish_delete, (event_id, kind, zoom_id, name), attempt)


@celery.task(name='vc_zoom.verify_create', bind=True, plugin='vc_zoom', request_context=True, ignore_result=True)
def verify_create(self, event_id, kind, host_id, topic, zoom_type, since, attempt=0):
    """A create Zoom did not answer in time and nothing was saved: delete the meeting if Zoom makes it later."""
    return _verify_with_retries(self, verification.finish_create, (event_id, kind, host_id, topic, zoom_type, since),
                                attempt)


VERIFY_TASKS = {'delete': verify_delete, 'create': verify_create}


@celery.periodic_task(name='vc_zoom.apply_due_changes', run_every=crontab(minute='*/5'), plugin='vc_zoom',
                      request_context=True)
def apply_due_changes(now=None):
    """Apply queued changes that are due (the daily limit reset, a task that gave up), oldest first, once each."""
    return pending_changes.apply_due(now, converge=reconcile.converge)


@celery.periodic_task(name='vc_zoom.reconcile', run_every=crontab(minute='17', hour='*/6'), plugin='vc_zoom',
                      request_context=True)
def reconcile_all():
    """Compare every live Zoom room with Zoom and fix drift (``indico zoom refresh`` runs the same code)."""
    report = reconcile.reconcile()
    return report.summary()


# --- sending tasks once the request's changes are committed ----------------------------------------------------

def dispatch_queued(*args):
    """Send the rooms queued by :func:`pending_changes.mark_pending` to the worker (called after each commit)."""
    for room_id, verify in pending_changes.take_dispatch_queue().items():
        try:
            sync_room.delay(room_id, verify)
        except Exception:
            # the mark is committed: the periodic sweep applies it within minutes
            logger.exception('Could not queue the Zoom change of room %s; the periodic sweep will apply it', room_id)
    for what, args in verification.take_queue():
        try:
            VERIFY_TASKS[what].delay(*args)
        except Exception:
            logger.exception('Could not queue the Zoom verification %s%r', what, args)


def connect():
    # a task sent before the commit could run before its change is visible to the worker
    listen(db.session, 'after_commit', dispatch_queued)
