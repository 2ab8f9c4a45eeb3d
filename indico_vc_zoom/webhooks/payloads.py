"""Is a webhook body a Zoom event of the shape we handle? Parsing and checking it (pure functions).

Everything the handler uses is checked here, so a malformed body is a 400 and never reaches the database.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from indico_vc_zoom.kinds import MEETING, WEBINAR


URL_VALIDATION = 'endpoint.url_validation'


class InvalidPayload(ValueError):
    """The body is not a Zoom event of the expected shape (answered with 400)."""


#: event -> (action, kind of the object afterwards)
EVENTS = {
    'meeting.updated': ('updated', MEETING),
    'webinar.updated': ('updated', WEBINAR),
    'meeting.deleted': ('deleted', MEETING),
    'webinar.deleted': ('deleted', WEBINAR),
    'meeting.converted_to_webinar': ('converted', WEBINAR),
    'webinar.converted_to_meeting': ('converted', MEETING),
}
#: Zoom's ``type`` values per kind
TYPES = {MEETING: {1, 2, 3, 4, 8, 10}, WEBINAR: {5, 6, 9}}
#: what a conversion does to the type (scheduled, recurring without / with fixed time)
CONVERTED_TYPES = {2: 5, 3: 6, 8: 9, 5: 2, 6: 3, 9: 8}
#: settings we mirror; all booleans
BOOL_SETTINGS = ('host_video', 'participant_video', 'panelists_video', 'mute_upon_entry', 'join_before_host',
                 'waiting_room')
MAX_STRING = 10000
MAX_ZOOM_ID = 2 ** 63 - 1


@dataclass(frozen=True)
class Notification:
    event: str
    action: str
    kind: str
    ts: int
    zoom_id: int
    #: the validated fields of ``payload.object`` we use (id excluded)
    fields: dict

    @property
    def key(self):
        return f'{self.event}:{self.ts}:{self.zoom_id}'


def parse_body(raw_body):
    """The JSON object of the body, with a string ``event``."""
    try:
        body = json.loads(raw_body.decode('utf-8'))
    except (ValueError, RecursionError):
        raise InvalidPayload('body is not JSON')
    if not isinstance(body, dict):
        raise InvalidPayload('body is not a JSON object')
    if not isinstance(body.get('event'), str) or not body['event']:
        raise InvalidPayload('event is missing')
    return body


def plain_token(body):
    payload = body.get('payload')
    token = payload.get('plainToken') if isinstance(payload, dict) else None
    if not _is_text(token, 1000) or not token:
        raise InvalidPayload('payload.plainToken is missing')
    return token


def _is_text(value, max_length=MAX_STRING):
    """A string PostgreSQL and UTF-8 can take: no NUL, no lone surrogates (both would fail only at flush)."""
    if not isinstance(value, str) or len(value) > max_length or '\x00' in value:
        return False
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _zoom_id(value):
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
        value = int(value)
    if not is_int(value) or not 0 < value <= MAX_ZOOM_ID:
        raise InvalidPayload('payload.object.id is not a Zoom id')
    return value


def _check_string(obj, key, *, nullable=False, nonempty=False):
    value = obj[key]
    if value is None and nullable:
        return
    if not _is_text(value) or (nonempty and not value.strip()):
        raise InvalidPayload(f'payload.object.{key} is invalid')


def _object_fields(obj, kind):
    """The fields of a (partial) Zoom meeting object we mirror, checked; unknown ones are dropped."""
    fields = {}
    for key, nullable, nonempty in (('topic', False, True), ('agenda', True, False), ('password', False, False),
                                    ('host_id', False, True), ('host_email', False, False),
                                    ('start_time', True, False), ('timezone', False, False),
                                    ('join_url', False, True), ('pstn_password', False, False),
                                    ('h323_password', False, False)):
        if key in obj:
            _check_string(obj, key, nullable=nullable, nonempty=nonempty)
            fields[key] = obj[key]
    if 'join_url' in fields and not fields['join_url'].lower().startswith(('https://', 'http://')):
        raise InvalidPayload('payload.object.join_url is invalid')  # rendered as a link: no other schemes
    if 'duration' in obj:
        if obj['duration'] is not None and not (is_int(obj['duration']) and 0 <= obj['duration'] <= 100000):
            raise InvalidPayload('payload.object.duration is invalid')
        fields['duration'] = obj['duration']
    if 'type' in obj:
        if not is_int(obj['type']) or obj['type'] not in TYPES[kind]:
            raise InvalidPayload(f'payload.object.type is not a {kind} type')
        fields['type'] = obj['type']
    if 'settings' in obj:
        if not isinstance(obj['settings'], dict):
            raise InvalidPayload('payload.object.settings is invalid')
        settings = {}
        for key in BOOL_SETTINGS:
            if key in obj['settings']:
                if not isinstance(obj['settings'][key], bool):
                    raise InvalidPayload(f'payload.object.settings.{key} is invalid')
                settings[key] = obj['settings'][key]
        settings.update(_dial_in_settings(obj['settings']))
        fields['settings'] = settings
    return fields


#: a meeting's dial-in: at most this many countries / numbers, each field of a number short text
MAX_DIAL_IN = 300
DIAL_IN_NUMBER_KEYS = ('number', 'country', 'country_name', 'city', 'type')


def _dial_in_settings(settings):
    """The phone dial-in settings (dialin.py), checked: country codes, and numbers with text fields."""
    found = {}
    if 'global_dial_in_countries' in settings:
        countries = settings['global_dial_in_countries']
        if not (isinstance(countries, list) and len(countries) <= MAX_DIAL_IN
                and all(_is_text(code, 8) for code in countries)):
            raise InvalidPayload('payload.object.settings.global_dial_in_countries is invalid')
        found['global_dial_in_countries'] = countries
    if 'global_dial_in_numbers' in settings:
        numbers = settings['global_dial_in_numbers']
        if not (isinstance(numbers, list) and len(numbers) <= MAX_DIAL_IN and all(
                isinstance(entry, dict) and _is_text(entry.get('number'), 64)
                and all(entry.get(key) is None or _is_text(entry[key], 200) for key in DIAL_IN_NUMBER_KEYS)
                for entry in numbers)):
            raise InvalidPayload('payload.object.settings.global_dial_in_numbers is invalid')
        found['global_dial_in_numbers'] = numbers
    return found


def _envelope(body):
    """``(event_ts, payload.object, Zoom id)`` of any Zoom event body, checked."""
    ts = body.get('event_ts')
    if not is_int(ts) or not 0 <= ts <= MAX_ZOOM_ID:
        raise InvalidPayload('event_ts is missing')
    payload = body.get('payload')
    if not isinstance(payload, dict) or not isinstance(payload.get('object'), dict):
        raise InvalidPayload('payload.object is missing')
    obj = payload['object']
    if 'id' not in obj:
        raise InvalidPayload('payload.object.id is missing')
    return ts, obj, _zoom_id(obj['id'])


def parse_notification(body):
    """A :class:`Notification` from a body whose ``event`` is one of :data:`EVENTS`."""
    action, kind = EVENTS[body['event']]
    ts, obj, zoom_id = _envelope(body)
    fields = _object_fields(obj, kind) if action != 'deleted' else {}
    return Notification(body['event'], action, kind, ts, zoom_id, fields)


# --- meeting runs: live status and cloud recordings ------------------------------------------------------------

#: live-status events: event -> (state, kind)
LIVE_EVENTS = {
    'meeting.started': ('started', MEETING),
    'meeting.ended': ('ended', MEETING),
    'webinar.started': ('started', WEBINAR),
    'webinar.ended': ('ended', WEBINAR),
}
#: recording events: event -> action
RECORDING_EVENTS = {
    'recording.completed': 'completed',
    'recording.trashed': 'removed',
    'recording.deleted': 'removed',
}
MAX_URL = 2000
MAX_FILES = 100


@dataclass(frozen=True)
class RunNotification:
    """``meeting.started`` / ``meeting.ended`` (and the webinar ones): one instance (``uuid``) starts or ends."""

    event: str
    action: str
    kind: str
    ts: int
    zoom_id: int
    uuid: str
    start_time: str | None
    end_time: str | None

    @property
    def key(self):
        return f'{self.event}:{self.ts}:{self.zoom_id}'


@dataclass(frozen=True)
class RecordingNotification:
    """``recording.completed`` / ``trashed`` / ``deleted``: the cloud recording of one instance (``uuid``)."""

    event: str
    action: str
    ts: int
    zoom_id: int
    uuid: str
    topic: str | None = None
    start_time: str | None = None
    duration: int | None = None
    share_url: str | None = None
    passcode: str | None = None
    #: ``[{'file_type', 'recording_type', 'seconds'}]``
    files: tuple = ()


def _timestamp(obj, key):
    """An ISO 8601 time of Zoom (``...Z``) or ``None`` when absent; anything else is invalid."""
    value = obj.get(key)
    if value is None or value == '':
        return None
    if not _is_text(value, 40):
        raise InvalidPayload(f'payload.object.{key} is invalid')
    try:
        parsed = datetime.fromisoformat(value.replace('Z', '+00:00'))
    except ValueError:
        raise InvalidPayload(f'payload.object.{key} is invalid')
    if parsed.tzinfo is None:
        raise InvalidPayload(f'payload.object.{key} has no time zone')
    return parsed.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def _run_envelope(body):
    ts, obj, zoom_id = _envelope(body)
    uuid = obj.get('uuid')
    if not _is_text(uuid, 200) or not uuid:
        raise InvalidPayload('payload.object.uuid is missing')
    return ts, obj, zoom_id, uuid


def parse_run_notification(body):
    """A :class:`RunNotification` from a body whose ``event`` is one of :data:`LIVE_EVENTS`."""
    action, kind = LIVE_EVENTS[body['event']]
    ts, obj, zoom_id, uuid = _run_envelope(body)
    start_time = _timestamp(obj, 'start_time')
    end_time = _timestamp(obj, 'end_time') if action == 'ended' else None
    return RunNotification(body['event'], action, kind, ts, zoom_id, uuid, start_time, end_time)


def _recording_file(item):
    if not isinstance(item, dict):
        raise InvalidPayload('payload.object.recording_files holds a non-object')
    kind = {}
    for key in ('file_type', 'recording_type'):
        value = item.get(key, '')
        if not _is_text(value, 100):
            raise InvalidPayload(f'payload.object.recording_files.{key} is invalid')
        kind[key] = value
    start, end = _timestamp(item, 'recording_start'), _timestamp(item, 'recording_end')
    kind['seconds'] = None
    if start and end:
        kind['seconds'] = max(0, int((datetime.fromisoformat(end[:-1]) -
                                      datetime.fromisoformat(start[:-1])).total_seconds()))
    return kind


def parse_recording_notification(body):
    """A :class:`RecordingNotification` from a body whose ``event`` is one of :data:`RECORDING_EVENTS`."""
    action = RECORDING_EVENTS[body['event']]
    ts, obj, zoom_id, uuid = _run_envelope(body)
    if action == 'removed':
        return RecordingNotification(body['event'], action, ts, zoom_id, uuid)
    share_url = obj.get('share_url')
    if not _is_text(share_url, MAX_URL) or not share_url.lower().startswith(('https://', 'http://')):
        raise InvalidPayload('payload.object.share_url is invalid')  # rendered as a link: no other schemes
    passcode = obj.get('password') or None
    if passcode is not None and not _is_text(passcode, 100):
        raise InvalidPayload('payload.object.password is invalid')
    topic = obj.get('topic')
    if topic is not None and not _is_text(topic, 1000):
        raise InvalidPayload('payload.object.topic is invalid')
    duration = obj.get('duration')
    if duration is not None and not (is_int(duration) and 0 <= duration <= 100000):
        raise InvalidPayload('payload.object.duration is invalid')
    files = obj.get('recording_files', [])
    if not isinstance(files, list) or len(files) > MAX_FILES:
        raise InvalidPayload('payload.object.recording_files is invalid')
    return RecordingNotification(body['event'], action, ts, zoom_id, uuid, topic, _timestamp(obj, 'start_time'),
                                 duration, share_url, passcode, tuple(_recording_file(f) for f in files))


# --- participants joining: check-in ------------------------------------------------------------------------------

#: participant events: event -> kind
PARTICIPANT_EVENTS = {
    'meeting.participant_joined': MEETING,
    'webinar.participant_joined': WEBINAR,
}


@dataclass(frozen=True)
class ParticipantNotification:
    """``meeting.participant_joined`` (and the webinar one): someone joined an instance (``uuid``)."""

    event: str
    kind: str
    ts: int
    zoom_id: int
    uuid: str
    #: Zoom's registrant id when the participant joined by a personal (registrant) link, else ``''``
    registrant_id: str
    email: str
    user_name: str
    join_time: str | None
    action: str = 'joined'


def _participant_text(participant, key, max_length=320):
    value = participant.get(key)
    if value is None:
        return ''
    if not _is_text(value, max_length):
        raise InvalidPayload(f'payload.object.participant.{key} is invalid')
    return value.strip()


def parse_participant_notification(body):
    """A :class:`ParticipantNotification` from a body whose ``event`` is one of :data:`PARTICIPANT_EVENTS`."""
    kind = PARTICIPANT_EVENTS[body['event']]
    ts, obj, zoom_id, uuid = _run_envelope(body)
    participant = obj.get('participant')
    if not isinstance(participant, dict):
        raise InvalidPayload('payload.object.participant is missing')
    return ParticipantNotification(body['event'], kind, ts, zoom_id, uuid,
                                   _participant_text(participant, 'registrant_id', 200),
                                   _participant_text(participant, 'email'),
                                   _participant_text(participant, 'user_name', 1000),
                                   _timestamp(participant, 'join_time'))
