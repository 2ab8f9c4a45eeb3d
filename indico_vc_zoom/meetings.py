"""Zoom meetings behind Indico's VC rooms: what we send to Zoom, what we keep of its answers, and the calls by kind.

``vc_room.data`` mirrors the Zoom meeting (id, type, passcode, join URL, host, options, schedule); the host's
start URL is never stored. Each association keeps its own ``password_visibility`` / ``public_link``.
"""

import secrets
from datetime import UTC

from indico.modules.vc.models.vc_rooms import VCRoomLinkType, VCRoomStatus
from indico.util.date_time import now_utc
from sqlalchemy.orm.attributes import flag_modified

from indico_vc_zoom.budget import count_call
from indico_vc_zoom.connection import get_client
from indico_vc_zoom.dialin import follow_passcode, store_dial_in
from indico_vc_zoom.hosts import scheduler_of
from indico_vc_zoom.kinds import MEETING, WEBINAR, WEBINAR_TYPES, ZOOM_TYPES, other_kind
from indico_vc_zoom.redaction import redact_zoom_text
from indico_vc_zoom.zoom.errors import ZoomNotFound


OPTION_KEYS = ('waiting_room', 'mute_audio', 'mute_host_video', 'mute_participant_video', 'join_before_host')
#: Zoom's limit for a meeting's agenda
AGENDA_MAX = 2000
SCHEDULE_KEYS = ('zoom_type', 'start_time', 'duration', 'timezone')
#: our option -> (Zoom setting, whether Zoom's value is the opposite of ours); webinars say ``panelists_video``
OPTION_SETTINGS = {'mute_host_video': ('host_video', True), 'mute_participant_video': ('participant_video', True),
                   'mute_audio': ('mute_upon_entry', False), 'join_before_host': ('join_before_host', False),
                   'waiting_room': ('waiting_room', False)}
#: options that only exist for meetings
MEETING_ONLY_OPTIONS = ('waiting_room', 'mute_audio', 'mute_participant_video', 'join_before_host')


def parse_alternative_hosts(value):
    """Zoom's ``settings.alternative_hosts`` (``;`` or ``,`` separated) as our sorted lower-case string."""
    parts = {part.strip().lower() for part in (value or '').replace(',', ';').split(';')}
    return ';'.join(sorted(p for p in parts if p))


def generate_passcode(length):
    return ''.join(secrets.choice('0123456789') for _ in range(length))


def zoom_time(dt):
    return dt.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def _active_associations(vc_room):
    return [a for a in vc_room.events if a.link_object is not None]


def desired_schedule(vc_room):
    """``(start_dt, duration_minutes)`` when the meeting has one fixed future time, else ``None``.

    A meeting shared by several events, or linked to something without a future start, recurs without time.
    """
    assocs = _active_associations(vc_room)
    if len(assocs) != 1:
        return None
    obj = assocs[0].link_object
    start_dt = getattr(obj, 'start_dt', None)
    if assocs[0].link_type == VCRoomLinkType.contribution:
        end_dt = start_dt + obj.duration if start_dt else None
    else:
        end_dt = getattr(obj, 'end_dt', None)
    if start_dt is None or start_dt <= now_utc():
        return None
    minutes = int((end_dt - start_dt).total_seconds() // 60) if end_dt else 60
    return start_dt, max(minutes, 1)


def desired_state(vc_room, event):
    """The Zoom-side fields we want, in our own flat shape (compared with what we stored)."""
    data = vc_room.data
    kind = data.get('meeting_type', MEETING)
    schedule = desired_schedule(vc_room)
    state = {
        'topic': vc_room.name,
        'agenda': (data.get('description') or '')[:AGENDA_MAX],
        'password': data['password'],
        'zoom_type': ZOOM_TYPES[kind][0 if schedule else 1],
        'start_time': zoom_time(schedule[0]) if schedule else None,
        'duration': schedule[1] if schedule else None,
        'timezone': event.timezone,
        # the Zoom accounts of the alternative hosts, resolved when the room was saved (hosts.py)
        'alternative_hosts': ';'.join(data.get('alternative_host_emails') or []),
    }
    for key in OPTION_KEYS:
        if kind == MEETING or key not in MEETING_ONLY_OPTIONS:
            state[key] = bool(data.get(key))
    if data.get('registration') or 'approval_type' in data.get('zoom', {}):
        # Zoom registration (registration/): 0 = required, approved automatically; 2 = no registration
        state['approval_type'] = 0 if data.get('registration') else 2
    return state


def to_zoom_payload(state, kind):
    """Translate our flat state (or a subset of it) into a Zoom create/PATCH body."""
    body = {}
    for key in ('topic', 'agenda', 'password', 'timezone', 'duration'):
        if key in state and state[key] is not None:
            body[key] = state[key]
    if 'zoom_type' in state:
        body['type'] = state['zoom_type']
    if state.get('start_time'):
        body['start_time'] = state['start_time']
    settings = {}
    for option, (name, inverted) in OPTION_SETTINGS.items():
        if option in state:
            if name == 'participant_video' and kind == WEBINAR:
                name = 'panelists_video'
            settings[name] = state[option] != inverted
    if 'alternative_hosts' in state:
        settings['alternative_hosts'] = state['alternative_hosts']
    if 'approval_type' in state:
        settings['approval_type'] = state['approval_type']
    if settings:
        body['settings'] = settings
    return body


def state_from_zoom(meeting, kind):
    """Our flat state from a (possibly partial, e.g. webhook) Zoom meeting object."""
    state = {}
    for key in ('topic', 'agenda', 'password', 'start_time', 'duration', 'timezone'):
        if key in meeting:
            state[key] = meeting[key]
    if 'type' in meeting:
        state['zoom_type'] = meeting['type']
        if meeting['type'] not in (2, 5, 8):
            state['start_time'] = state['duration'] = None
    settings = meeting.get('settings') or {}
    if 'alternative_hosts' in settings:
        state['alternative_hosts'] = parse_alternative_hosts(settings['alternative_hosts'])
    if 'approval_type' in settings:
        state['approval_type'] = settings['approval_type']
    for option, (name, inverted) in OPTION_SETTINGS.items():
        for zoom_name in (name, 'panelists_video') if name == 'participant_video' else (name,):
            if zoom_name in settings:
                state[option] = settings[zoom_name] != inverted
    if kind == WEBINAR:
        for key in MEETING_ONLY_OPTIONS:
            state.pop(key, None)
    return state


def store_zoom_meeting(vc_room, meeting, kind=None, on_redacted=None):
    """Mirror a (possibly partial) Zoom meeting object in ``vc_room.data``; never keeps the start URL.

    ``data['zoom']`` is the last known Zoom state (what edits are diffed against); the other keys are what
    Indico shows and edits. The topic and agenda are kept without the meeting's join secrets (see redaction.py;
    ``on_redacted`` takes its log entry where the caller batches its log rows); the phone dial-in details are
    kept as well (see dialin.py).
    """
    meeting = redact_zoom_text(vc_room, meeting, on_redacted)
    data = vc_room.data
    if kind is None:
        kind = data.get('meeting_type', MEETING)
        if 'type' in meeting:
            kind = WEBINAR if meeting['type'] in WEBINAR_TYPES else MEETING
    if kind != data.get('meeting_type') and 'zoom' in data:
        # converted on Zoom's side: options that only meetings have are gone
        for key in MEETING_ONLY_OPTIONS:
            data['zoom'].pop(key, None)
    data['meeting_type'] = kind
    state = state_from_zoom(meeting, kind)
    data['zoom'] = {**data.get('zoom', {}), **state}
    store_dial_in(data, meeting)
    for src, dst in (('id', 'zoom_id'), ('join_url', 'join_url'), ('host_id', 'zoom_host_id'),
                     ('host_email', 'host_email'), ('password', 'password'), ('agenda', 'description')):
        if src in meeting:
            data[dst] = meeting[src]
    for key in OPTION_KEYS:
        if key in state:
            data[key] = state[key]
    if 'topic' in meeting:
        vc_room.name = meeting['topic']
    flag_modified(vc_room, 'data')


def changes_to_push(vc_room, event):
    """The fields whose desired value differs from Zoom's last known state (empty: no call needed)."""
    desired = desired_state(vc_room, event)
    known = vc_room.data.get('zoom', {})
    changes = {k: v for k, v in desired.items() if k != 'timezone' and known.get(k) != v}
    if not desired['alternative_hosts'] and not known.get('alternative_hosts'):
        changes.pop('alternative_hosts', None)  # none, and none known (also rooms from before this setting)
    if desired['zoom_type'] in (3, 6):
        changes.pop('start_time', None)
        changes.pop('duration', None)
    elif {'start_time', 'duration', 'zoom_type'} & changes.keys():
        # Zoom wants the whole schedule together
        changes.update({k: desired[k] for k in ('start_time', 'duration', 'timezone', 'zoom_type')})
    return changes


def apply_pushed(vc_room, changes):
    zoom = vc_room.data.setdefault('zoom', {})
    zoom.update(changes)
    if 'password' in changes:
        follow_passcode(vc_room.data, changes['password'])
    if changes.get('zoom_type') in (3, 6):
        zoom['start_time'] = zoom['duration'] = None
    flag_modified(vc_room, 'data')


def api_for(kind):
    client = get_client()
    if kind == WEBINAR:
        return client, client.create_webinar, client.get_webinar, client.update_webinar, client.delete_webinar
    return client, client.create_meeting, client.get_meeting, client.update_meeting, client.delete_meeting


def fetch_meeting(vc_room):
    """Get the meeting from Zoom; if it was converted (meeting <-> webinar) on Zoom's side, follow it."""
    kind = vc_room.data.get('meeting_type', MEETING)
    other = other_kind(kind)
    try:
        return api_for(kind)[2](vc_room.data['zoom_id']), kind
    except ZoomNotFound:
        try:
            return api_for(other)[2](vc_room.data['zoom_id']), other
        except ZoomNotFound:
            pass
        raise


def call_with_kind_fallback(vc_room, index, *args):
    """Call get/update/delete (``index`` into :func:`api_for`), following a Zoom-side conversion.

    Every update sent is counted against the meeting's scheduler (Zoom's daily limit is theirs).
    """
    kind = vc_room.data.get('meeting_type', MEETING)
    try:
        if index == 3:
            count_call(scheduler_of(vc_room))
        return api_for(kind)[index](vc_room.data['zoom_id'], *args)
    except ZoomNotFound:
        other = other_kind(kind)
        if index == 3:
            count_call(scheduler_of(vc_room))
        result = api_for(other)[index](vc_room.data['zoom_id'], *args)
        vc_room.data['meeting_type'] = other
        flag_modified(vc_room, 'data')
        return result


def mark_deleted(vc_room):
    vc_room.status = VCRoomStatus.deleted
    vc_room.modified_dt = now_utc()
