"""What must change on Zoom for a meeting's registrations, and making it so (idempotent: a replay sends nothing).

Each Indico registration that counts (see :mod:`config`) is one approved Zoom registrant; one that no longer counts
(withdrawn, rejected, deleted, of a form no longer chosen) is cancelled; a changed e-mail or name replaces the
registrant (Zoom has no call to edit one). What Zoom was told is stored in ``plugin_vc_zoom.registrants``, so the
plan is a comparison with that table and costs no Zoom call.
"""

from dataclasses import dataclass, field

from indico.core.db import db

from indico_vc_zoom.kinds import MEETING, WEBINAR
from indico_vc_zoom.models.zoom_registrants import APPROVED, CANCELLED, ZoomRegistrant
from indico_vc_zoom.registration.config import counted_registrations, is_registration_mode
from indico_vc_zoom.zoom.client import BATCH_SIZE
from indico_vc_zoom.zoom.errors import ZoomRateLimited, ZoomRegistrantNotFound


#: Zoom's batch call takes scheduled meetings (type 2) and webinars (type 5) only
BATCH_TYPES = {MEETING: 2, WEBINAR: 5}


@dataclass
class SyncPlan:
    """The Zoom-side changes of one meeting; each list holds ``(registration_id, person)`` or stored rows."""

    add: list = field(default_factory=list)
    replace: list = field(default_factory=list)
    approve: list = field(default_factory=list)
    cancel: list = field(default_factory=list)
    #: filled by :func:`apply`: ``(registration_id, join_url)`` of each personal link Zoom gave
    linked: list = field(default_factory=list)

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


class _Calls:
    """Counts the Zoom calls of one sync; a registrant's daily limit (429) skips that change, the others go on."""

    def __init__(self, count):
        self.count = count or (lambda n=1: None)
        self.made = 0
        self.limited = None  # the first daily-limit refusal, raised once everything else was tried

    def __call__(self, func, *args, **kwargs):
        self.count(1)
        self.made += 1
        try:
            return func(*args, **kwargs), True
        except ZoomRateLimited as exc:
            if not exc.daily:
                raise
            self.limited = self.limited or exc
            return None, False


def apply(client, vc_room, changes, count=None):
    """Make ``changes`` on Zoom and store each as soon as Zoom accepted it (a failure keeps what was done).

    ``count(n)`` is called before each Zoom call; returns the number of calls made. A change Zoom refuses for a
    daily limit (Zoom allows a few requests per registrant and day) is left for the next sync and the others are
    made; the refusal is raised at the end, so the task tries again after Zoom's reset.
    """
    calls = _Calls(count)
    kind = vc_room.data.get('meeting_type', MEETING)
    zoom_id = vc_room.data['zoom_id']
    for rows, action, status in ((changes.cancel, 'cancel', CANCELLED), (changes.approve, 'approve', APPROVED)):
        if rows:
            _, done = calls(client.update_registrant_status, zoom_id, action,
                            [row.zoom_registrant_id for row in rows], kind)
            if done:
                for row in rows:
                    row.status = status
                db.session.flush()
    for registration_id, person in changes.replace:
        row = ZoomRegistrant.query.get((vc_room.id, registration_id))
        try:
            _, done = calls(client.delete_registrant, zoom_id, row.zoom_registrant_id, kind)
        except ZoomRegistrantNotFound:
            done = True  # already gone on Zoom: what we wanted
        if not done:
            continue
        db.session.delete(row)
        db.session.flush()
        changes.add.append((registration_id, person))
    _add(client, vc_room, kind, zoom_id, changes, calls)
    if calls.limited is not None:
        raise calls.limited
    return calls.made


def _add(client, vc_room, kind, zoom_id, changes, calls):
    people = changes.add
    if not people:
        return
    batchable = len(people) > 1 and vc_room.data.get('zoom', {}).get('zoom_type') == BATCH_TYPES[kind]
    if batchable:
        for start in range(0, len(people), BATCH_SIZE):
            chunk = people[start:start + BATCH_SIZE]
            answers, done = calls(client.add_registrants, zoom_id, [p for _, p in chunk], kind, auto_approve=True)
            if not done:
                continue
            by_email = {answer['email'].lower(): answer for answer in answers}
            for registration_id, person in chunk:
                changes.linked.append(_store(vc_room, registration_id, person, by_email[person['email']]))
        return
    for registration_id, person in people:
        answer, done = calls(client.add_registrant, zoom_id, person, kind, auto_approve=True)
        if done:
            changes.linked.append(_store(vc_room, registration_id, person, answer))


def _store(vc_room, registration_id, person, answer):
    row = ZoomRegistrant.query.get((vc_room.id, registration_id)) or ZoomRegistrant(
        vc_room_id=vc_room.id, registration_id=registration_id)
    row.zoom_registrant_id = str(answer['registrant_id'])
    row.join_url = answer['join_url']
    row.email, row.first_name, row.last_name = person['email'], person['first_name'], person['last_name']
    row.status = APPROVED
    db.session.add(row)
    db.session.flush()
    return registration_id, row.join_url
