"""What the live-worker tests do inside the live instance (``LiveInstance.call``): each runs in its own process with
the instance's config, in a request context, and is committed, so the real worker sees it."""

from datetime import timedelta

from flask import get_flashed_messages, session
from indico.core.db import db
from indico.modules.categories import Category
from indico.modules.events.models.events import EventType
from indico.modules.events.operations import create_event
from indico.modules.events.util import track_time_changes
from indico.modules.users import User
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomEventAssociation, VCRoomLinkType, VCRoomStatus
from indico.util.date_time import now_utc

from indico_vc_zoom import orphans, pending_changes, rooms
from indico_vc_zoom.connection import get_client


def create_meetings(params):
    """``count`` events next month, each with a Zoom meeting created through the plugin's own create."""
    admin = User.query.filter_by(email=params['admin_email']).one()
    session.set_session_user(admin)
    category = Category.query.filter_by(title='Zoom demo').one()
    start = now_utc().replace(minute=0, second=0, microsecond=0) + timedelta(days=30)
    created = []
    for i in range(params['count']):
        event = create_event(category, EventType.meeting, {
            'title': f'{params["prefix"]} {i}', 'timezone': 'UTC', 'start_dt': start + timedelta(days=i),
            'end_dt': start + timedelta(days=i, hours=1), 'creator': admin})
        vc_room = VCRoom(created_by_user=admin, type='zoom', status=VCRoomStatus.created,
                         name=f'{params["prefix"]} meeting {i}',
                         data={'description': '', 'password': '12345678', 'host': admin.identifier,
                               'meeting_type': 'meeting', 'mute_audio': True})
        VCRoomEventAssociation(event=event, vc_room=vc_room, link_type=VCRoomLinkType.event, linked_event=event,
                               show=True, data={'password_visibility': 'logged_in', 'public_link': False})
        db.session.flush()
        rooms.create(vc_room, event)
        orphans.flush_or_delete_orphans()  # what Indico's after_process does for a create request
        created.append({'event': event.id, 'room': vc_room.id, 'zoom_id': vc_room.data['zoom_id']})
    return created


def move_events(params):
    """Move events by ``hours`` as a timetable change does; report what the request itself sent to Zoom and when
    it was done (``inline``: push each meeting in the request, as the plugin did before its Celery tasks)."""
    import time

    from indico_vc_zoom.schedule import push_schedule

    client = get_client()
    before = sum(n for (method, _), n in client.stats.items() if method == 'PATCH')
    starts = {}
    started = time.perf_counter()
    for room in params['rooms']:
        vc_room = VCRoom.query.get(room['room'])
        event = vc_room.events[0].event
        new_start = event.start_dt + timedelta(hours=params['hours'])
        with track_time_changes():
            event.start_dt = new_start
            event.end_dt = new_start + timedelta(hours=1)
        if params.get('inline'):
            # what the plugin did before its tasks: the PATCH in the request, nothing queued
            push_schedule(vc_room, event)
            pending_changes.clear_mark(vc_room)
            pending_changes.take_dispatch_queue()
        starts[room['zoom_id']] = new_start.strftime('%Y-%m-%dT%H:%M:%SZ')
    db.session.commit()  # the page answers once this is done (the tasks are sent right after it)
    patches = sum(n for (method, _), n in client.stats.items() if method == 'PATCH') - before
    return {'starts': starts, 'patches_in_request': patches, 'flashed': get_flashed_messages(),
            'request_seconds': time.perf_counter() - started, 'answered_at': time.time()}


def send_sync_tasks(params):
    """Send the same room's task several times at once, as two workers picking up the same work would."""
    from indico_vc_zoom.tasks import sync_room

    for _ in range(params['times']):
        sync_room.delay(params['room'])
    return {}


def apply_due_changes_at(params):
    """Ask the worker to run the daily-limit sweep as if it were ``minutes`` after Zoom's reset."""
    from indico_vc_zoom.tasks import apply_due_changes
    from indico_vc_zoom.zoom.errors import next_utc_midnight

    apply_due_changes.delay(now=next_utc_midnight() + timedelta(minutes=params['minutes']))
    return {}


def room_marks(params):
    return {str(room_id): VCRoom.query.get(room_id).data.get('zoom_sync') for room_id in params['rooms']}
