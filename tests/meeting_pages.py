"""An event with N Zoom meetings stored directly in the DB, and its viewers: for page-scaling tests and benchmarks.

Zoom is not involved (pages never call it): the rooms look like rooms the plugin created. Every fifth room is
shared with an event of its own, so the management page's "Shared with" row and the per-room link counts are
exercised; the rest are linked to the event only.
"""

from datetime import timedelta

from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomEventAssociation, VCRoomStatus
from indico.util.date_time import now_utc


MEETING_COUNTS = (1, 10, 50)
ANONYMOUS, LOGGED_IN, MANAGER = 'anonymous', 'logged-in user', 'manager'
VIEWERS = (ANONYMOUS, LOGGED_IN, MANAGER)


def build_event(db, create_event, host, count, event_id=None):
    """An event managed by ``host`` (who also hosts the meetings) with ``count`` meetings linked to it."""
    start = now_utc(exact=False) + timedelta(days=3)
    event = create_event(event_id, title=f'Event with {count} meetings', start_dt=start,
                         end_dt=start + timedelta(hours=2))
    event.update_principal(host, full_access=True)
    for i in range(count):
        zoom_id = 81000000000 + (event_id or 0) * 1000 + i
        room = VCRoom(type='zoom', name=f'Meeting {i:02d}', status=VCRoomStatus.created, created_by_user=host,
                      data={'zoom_id': zoom_id, 'meeting_type': 'meeting', 'host': host.identifier,
                            'host_email': host.email, 'password': f'{i:08d}', 'description': f'Session {i}',
                            'join_url': f'https://zoom.example/j/{zoom_id}?pwd=PWD{i}',
                            'zoom': {'topic': f'Meeting {i:02d}', 'start_time': None}})
        db.session.add(VCRoomEventAssociation(vc_room=room, linked_event=event, show=True,
                                              data={'password_visibility': 'logged_in', 'public_link': False}))
        if i % 5 == 0:
            other = create_event(title=f'Other event {count}/{i}', start_dt=start, end_dt=start + timedelta(hours=1))
            db.session.add(VCRoomEventAssociation(vc_room=room, linked_event=other, show=True,
                                                  data={'password_visibility': 'everyone', 'public_link': False}))
    db.session.flush()
    return event


def viewer_clients(test_client, login, host, visitor):
    """The HTTP client of each viewer: anonymous, a logged-in user (no rights), the event manager."""
    return {ANONYMOUS: test_client, LOGGED_IN: login(visitor), MANAGER: login(host)}


def forget_loaded(db):
    """Empty the session before a request, as a real request starts (the test DB session outlives requests).

    Without it, objects loaded by the test or by an earlier request sit in the identity map and lazy loads that a
    real request would pay for cost no query.
    """
    db.session.flush()
    db.session.expunge_all()
