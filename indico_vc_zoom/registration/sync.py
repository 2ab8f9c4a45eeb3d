"""What must change on Zoom for a meeting's registrations, and making it so (idempotent: a replay sends nothing).

Each Indico registration that counts (see :mod:`config`) is one approved Zoom registrant; one that no longer counts
(withdrawn, rejected, deleted, of a form no longer chosen) is cancelled; a changed e-mail or name replaces the
registrant (Zoom has no call to edit one). What Zoom was told is stored in ``plugin_vc_zoom.registrants``, so the
plan is a comparison with that table and costs no Zoom call.
"""

from contextlib import suppress
from dataclasses import dataclass, field

from indico.core.db import db

from indico_vc_zoom.kinds import MEETING, WEBINAR
from indico_vc_zoom.models.zoom_registrants import APPROVED, CANCELLED, ZoomRegistrant
from indico_vc_zoom.registration.config import counted_registrations, is_registration_mode
from indico_vc_zoom.zoom.errors import ZoomRegistrantNotFound


#: Zoom's batch call takes scheduled meetings (type 2) and webinars (type 5) only
BATCH_TYPES = {MEETING: 2, WEBINAR: 5}


@dataclass
class SyncPlan:
    """The Zoom-side changes of one meeting; each list holds ``(registration_id, person)`` or stored rows."""

    add: list = field(default_factory=list)
    replace: list = field(default_factory=list)
    approve: list = field(default_factory=list)
    cancel: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.add or self.replace or self.approve or self.cancel)


def person_of(registration):
    return {'email': registration.email.strip().lower(), 'first_name': registration.first_name or '-',
            'last_name': registration.last_name or ''}


def _told(row):
    return {'email': row.email, 'first_name': row.first_name, 'last_name': row.last_name}


def plan(vc_room, only=None):
    """The changes to make; ``only`` limits the plan to these registration ids (one registration's change)."""
    wanted = {}
    if is_registration_mode(vc_room):
        wanted = {r.id: person_of(r) for r in counted_registrations(vc_room) if only is None or r.id in only}
    query = ZoomRegistrant.query.filter_by(vc_room_id=vc_room.id)
    if only is not None:
        query = query.filter(ZoomRegistrant.registration_id.in_(only))
    stored = {row.registration_id: row for row in query}
    result = SyncPlan()
    for registration_id, person in sorted(wanted.items()):
        row = stored.get(registration_id)
        if row is None:
            result.add.append((registration_id, person))
        elif _told(row) != person:
            result.replace.append((registration_id, person))
        elif row.status != APPROVED:
            result.approve.append(row)
    result.cancel = [row for registration_id, row in sorted(stored.items())
                     if registration_id not in wanted and row.status == APPROVED]
    return result


def apply(client, vc_room, changes, count=None):
    """Make ``changes`` on Zoom and store each as soon as Zoom accepted it (a failure keeps what was done).

    ``count(n)`` is called before each Zoom call; returns the number of calls made.
    """
    count = count or (lambda n=1: None)
    kind = vc_room.data.get('meeting_type', MEETING)
    zoom_id = vc_room.data['zoom_id']
    calls = 0
    if changes.cancel:
        count(1)
        calls += 1
        client.update_registrant_status(zoom_id, 'cancel', [row.zoom_registrant_id for row in changes.cancel], kind)
        for row in changes.cancel:
            row.status = CANCELLED
        db.session.flush()
    if changes.approve:
        count(1)
        calls += 1
        client.update_registrant_status(zoom_id, 'approve', [row.zoom_registrant_id for row in changes.approve],
                                        kind)
        for row in changes.approve:
            row.status = APPROVED
        db.session.flush()
    for registration_id, person in changes.replace:
        row = ZoomRegistrant.query.get((vc_room.id, registration_id))
        count(1)
        calls += 1
        with suppress(ZoomRegistrantNotFound):  # already gone on Zoom: what we wanted
            client.delete_registrant(zoom_id, row.zoom_registrant_id, kind)
        db.session.delete(row)
        db.session.flush()
        changes.add.append((registration_id, person))
    calls += _add(client, vc_room, kind, zoom_id, changes.add, count)
    return calls


def _add(client, vc_room, kind, zoom_id, people, count):
    if not people:
        return 0
    calls = 0
    batchable = len(people) > 1 and vc_room.data.get('zoom', {}).get('zoom_type') == BATCH_TYPES[kind]
    if batchable:
        by_email = {}
        for start in range(0, len(people), 30):
            chunk = people[start:start + 30]
            count(1)
            calls += 1
            for answer in client.add_registrants(zoom_id, [p for _, p in chunk], kind, auto_approve=True):
                by_email[answer['email'].lower()] = answer
            for registration_id, person in chunk:
                _store(vc_room, registration_id, person, by_email[person['email']])
        return calls
    for registration_id, person in people:
        count(1)
        calls += 1
        answer = client.add_registrant(zoom_id, person, kind, auto_approve=True)
        _store(vc_room, registration_id, person, answer)
    return calls


def _store(vc_room, registration_id, person, answer):
    row = ZoomRegistrant.query.get((vc_room.id, registration_id)) or ZoomRegistrant(
        vc_room_id=vc_room.id, registration_id=registration_id)
    row.zoom_registrant_id = str(answer['registrant_id'])
    row.join_url = answer['join_url']
    row.email, row.first_name, row.last_name = person['email'], person['first_name'], person['last_name']
    row.status = APPROVED
    db.session.add(row)
    db.session.flush()
