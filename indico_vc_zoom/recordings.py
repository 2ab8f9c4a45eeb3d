"""Cloud recordings of Zoom meetings: stored from ``recording.completed``, removed when trashed or deleted on Zoom,
published or hidden by the event's managers; who sees a published one is decided by ``protection.recording_access``.
"""

from collections import defaultdict
from datetime import datetime

from flask import flash, redirect, request
from indico.core.db import db
from indico.modules.logs.models.entries import LogKind
from indico.modules.vc.models.vc_rooms import VCRoomEventAssociation
from indico.util.date_time import now_utc
from indico.web.flask.util import url_for
from sqlalchemy import and_
from sqlalchemy.dialects.postgresql import insert
from werkzeug.exceptions import BadRequest

from indico_vc_zoom.event_log import log_action
from indico_vc_zoom.i18n import _, format_minutes, local_datetime
from indico_vc_zoom.management import RHManageZoomLink
from indico_vc_zoom.models.zoom_recordings import ZoomRecording
from indico_vc_zoom.protection import VISIBILITY_MODES, recording_access
from indico_vc_zoom.request_cache import request_cached
from indico_vc_zoom.webhooks.changes import log_entries


_recordings = ZoomRecording.__table__


def _start_dt(value):
    return datetime.fromisoformat(value.replace('Z', '+00:00')) if value else None


def apply_to_room(record, notification):
    """Store or remove a room's recording (one statement; an older webhook than the row's changes nothing)."""
    newer = _recordings.c.event_ts < notification.ts
    if notification.action == 'removed':
        stmt = (_recordings.update()
                .where(_recordings.c.vc_room_id == record.vc_room_id, _recordings.c.uuid == notification.uuid, newer,
                       ~_recordings.c.removed)
                .values(removed=True, published=False, event_ts=notification.ts)
                .returning(_recordings.c.id))
        if db.session.execute(stmt).first() is None:
            return None
        summary = f'Zoom recording of "{record.name}" was removed on Zoom'
        return log_entries(record, LogKind.negative, summary, {'Action': notification.event}), None
    values = {'topic': notification.topic, 'start_dt': _start_dt(notification.start_time),
              'duration': notification.duration, 'share_url': notification.share_url,
              'passcode': notification.passcode, 'files': list(notification.files), 'removed': False,
              'event_ts': notification.ts}
    stmt = insert(_recordings).values(vc_room_id=record.vc_room_id, uuid=notification.uuid, published=False,
                                      created_dt=now_utc(), **values)
    stmt = (stmt.on_conflict_do_update(index_elements=[_recordings.c.vc_room_id, _recordings.c.uuid],
                                       set_=values, where=and_(newer))
            .returning(_recordings.c.id))
    if db.session.execute(stmt).first() is None:
        return None
    summary = f'Zoom recording of "{record.name}" is available (not published)'
    files = ', '.join(sorted({f['file_type'] for f in notification.files if f['file_type']})) or '-'
    return log_entries(record, LogKind.positive, summary, {'Files': files}), None


def _event_recordings(event):
    """The recordings (not removed, newest first) of every room of ``event``, by room: one query per page."""
    def load():
        rooms = db.session.query(VCRoomEventAssociation.vc_room_id).filter(VCRoomEventAssociation.event_id == event.id)
        by_room = defaultdict(list)
        for recording in (ZoomRecording.query.filter(ZoomRecording.vc_room_id.in_(rooms.scalar_subquery()),
                                                     ZoomRecording.removed.is_(False))
                          .order_by(ZoomRecording.start_dt.desc().nullslast(), ZoomRecording.id.desc())):
            by_room[recording.vc_room_id].append(recording)
        return by_room
    return request_cached(('zoom_recordings', event.id), load)


def room_recordings(vc_room, event):
    """All recordings of a room that were not removed, newest first (for the managers of ``event``)."""
    return _event_recordings(event).get(vc_room.id, [])


def shown_recordings(user, event_vc_room):
    """``(recording, access)`` of the recordings ``user`` may see on this association's surfaces."""
    pairs = ((r, recording_access(user, event_vc_room, r))
             for r in _event_recordings(event_vc_room.event).get(event_vc_room.vc_room_id, []) if r.published)
    return [(r, access) for r, access in pairs if access.visible]


def text_lines(recording, access, event):
    """Plain-text lines of one recording, holding only what ``access`` allows (iCal files)."""
    if not access.visible:
        return []
    lines = [f'Recording ({label(recording, event)}): {access.share_url}']
    if access.passcode:
        lines.append(f'Recording passcode: {access.passcode}')
    return lines


def api_dict(recording, access):
    """One recording in the HTTP API, holding only what ``access`` allows (see ``surfaces.JoinDetailsEntry``)."""
    return {'start_dt': recording.start_dt.isoformat() if recording.start_dt else None,
            'duration': recording.duration, 'file_types': recording.file_types,
            'share_url': access.share_url, 'passcode': access.passcode}


def set_published(recording, event, published, visibility):
    recording.published = published
    recording.visibility = visibility
    db.session.flush()
    what = 'published' if published else 'hidden'
    log_action(event, LogKind.change, f'Zoom recording of "{{}}" {what}', recording.vc_room,
               {'Recording': recording.start_dt.isoformat() if recording.start_dt else recording.uuid,
                'Visible to': visibility or 'as the join link'})


class RHRecordingPublication(RHManageZoomLink):
    """POST (Indico's CSRF token) ``published=1|0`` and ``visibility`` (empty: the join link's) of one recording."""

    def _process_args(self):
        RHManageZoomLink._process_args(self)
        self.recording = ZoomRecording.query.filter_by(id=request.view_args['recording_id'],
                                                       vc_room_id=self.vc_room.id, removed=False).first_or_404()

    def _process(self):
        published = request.form.get('published')
        visibility = request.form.get('visibility') or None
        if published not in ('0', '1') or (visibility is not None and visibility not in VISIBILITY_MODES):
            raise BadRequest('published must be 0 or 1 and visibility one of ' + ', '.join(VISIBILITY_MODES))
        set_published(self.recording, self.event, published == '1', visibility)
        flash(_('The recording is now published.') if published == '1' else _('The recording is now hidden.'),
              'success')
        return redirect(url_for('vc.manage_vc_rooms', self.event))


def label(recording, event):
    """How a recording is named on pages: its start in the event's time zone, its length and file types."""
    parts = [local_datetime(recording.start_dt, event.tzinfo, 'short') if recording.start_dt else str(_('Recording'))]
    if recording.duration:
        parts.append(format_minutes(recording.duration))
    if recording.file_types:
        parts.append(', '.join(recording.file_types))
    return ' · '.join(parts)
