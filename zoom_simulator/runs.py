"""Meeting runs driven by the control API: start, participants joining and leaving, end, cloud recordings.

Each action changes the simulator's state and sends the signed webhook Zoom would send
(`meeting.started`, `meeting.participant_joined`, ..., `recording.completed`). A run is one meeting instance,
keyed by its UUID; when it ends the meeting gets a fresh UUID for its next instance, as on Zoom.
"""

import copy
import hashlib
import secrets
from datetime import datetime

from . import ids, webhooks
from .objects import MEETING, WEBINAR
from .responses import NO_BODY, ApiError, Response


ACTIONS = ('start', 'join', 'leave', 'end', 'recording_completed', 'recording_trashed', 'recording_deleted')
_OBJECT_KEYS = ('id', 'uuid', 'host_id', 'topic', 'type', 'start_time', 'timezone', 'duration')
_FILE_KINDS = {'MP4': ('shared_screen_with_speaker_view', 'MP4', 48_000_000),
               'M4A': ('audio_only', 'M4A', 6_000_000),
               'TRANSCRIPT': ('audio_transcript', 'VTT', 20_000),
               'CHAT': ('chat_file', 'TXT', 2_000)}
_FIRST_PARTICIPANT_USER_ID = 16778240  # Zoom's per-meeting participant user_id values look like this


def _bad(message):
    return ApiError(400, 300, message)


def _parse_time(value):
    return datetime.fromisoformat(value.replace('Z', '+00:00'))


def seconds(start, end):
    return max(0, round((_parse_time(end) - _parse_time(start)).total_seconds()))


def _minutes(start, end):
    return round(seconds(start, end) / 60)


def find_kind(state, obj_id):
    for kind in (MEETING, WEBINAR):
        if int(obj_id) in state.objects[kind]:
            return kind, state.objects[kind][int(obj_id)]
    raise ApiError(404, 3001, f'Meeting does not exist: {obj_id}.')


def active_run(state, obj_id):
    return next((r for r in state.runs.values() if r['id'] == int(obj_id) and r['end_time'] is None), None)


def latest_run(state, ref, kind=None, with_recording=False):
    """The run for an instance UUID, or the latest ended run of a meeting id (what Zoom does for an id)."""
    run = state.runs.get(ref)
    if run is None and str(ref).isdigit():
        ended = [r for r in state.runs.values() if r['id'] == int(ref) and r['end_time'] is not None
                 and (not with_recording or (r['recording'] and not r['recording']['trashed']))]
        run = ended[-1] if ended else None
    if run is not None and kind is not None and run['kind'] != kind:
        return None
    return run


def _object(run, *extra_keys):
    obj = {k: run[k] for k in _OBJECT_KEYS if run.get(k) is not None}
    obj.update({k: run[k] for k in extra_keys if run.get(k) is not None})
    return obj


def _participant_payload(session, left=False):
    data = {'user_id': session['user_id'], 'user_name': session['name'], 'id': session['id'],
            'participant_uuid': session['participant_uuid'], 'email': session['email'],
            'registrant_id': session['registrant_id'], 'participant_user_id': session['id'],
            'phone_number': '', 'customer_key': ''}
    if left:
        data.update(leave_time=session['leave_time'], leave_reason='left the meeting')
    else:
        data['join_time'] = session['join_time']
    return data


def _start(state, kind, obj, body):
    if active_run(state, obj['id']):
        raise _bad(f'{kind.capitalize()} {obj["id"]} is already running')
    run = {'kind': kind, 'id': obj['id'], 'uuid': obj['uuid'], 'host_id': obj['host_id'], 'topic': obj['topic'],
           'type': obj['type'], 'timezone': obj.get('timezone'), 'duration': obj.get('duration'),
           'start_time': body.get('start_time') or ids.iso(ids.now()), 'end_time': None, 'sessions': [],
           'recording': None, 'password': obj.get('password', '')}
    state.runs[run['uuid']] = run
    if kind == MEETING:
        obj['status'] = 'started'
    return run, webhooks.envelope(f'{kind}.started', {'account_id': state.config['account_id'],
                                                      'object': _object(run)})


def _join(state, kind, run, body):
    who = body.get('participant')
    if not isinstance(who, dict) or not (who.get('name') or who.get('user_name') or who.get('email')):
        raise _bad('participant {"name", "email", ...} is required to join')
    email = who.get('email') or ''
    user = state.find_user(email) if email else None
    registrant_id = who.get('registrant_id') or ''
    if not registrant_id and email:
        extra = state.extras.get(run['id'], {})
        registrant_id = next((r['id'] for r in extra.get('registrants', {}).values()
                              if r['email'].lower() == email.lower()), '')
    known = next((s for s in run['sessions'] if email and s['email'].lower() == email.lower()), None)
    session = {
        'id': who.get('id') or (user['id'] if user else ''),
        'user_id': known['user_id'] if known else str(_FIRST_PARTICIPANT_USER_ID + len(run['sessions']) * 1024),
        'participant_uuid': known['participant_uuid'] if known else _participant_uuid(run['uuid'], email or
                                                                                     secrets.token_hex(8)),
        'name': who.get('name') or who.get('user_name') or email.split('@')[0],
        'email': email, 'registrant_id': registrant_id,
        'join_time': who.get('join_time') or ids.iso(ids.now()), 'leave_time': None,
    }
    run['sessions'].append(session)
    return webhooks.envelope(f'{kind}.participant_joined', {
        'account_id': state.config['account_id'],
        'object': {**_object(run), 'participant': _participant_payload(session)}})


def _participant_uuid(run_uuid, key):
    return hashlib.sha256(f'{run_uuid}:{key}'.encode()).hexdigest()[:32].upper()


def _leave(state, kind, run, body):
    who = body.get('participant') or {}
    open_sessions = [s for s in run['sessions'] if s['leave_time'] is None]
    session = next((s for s in open_sessions
                    if (who.get('email') and s['email'].lower() == who['email'].lower())
                    or (who.get('participant_uuid') and s['participant_uuid'] == who['participant_uuid'])
                    or (who.get('name') and s['name'] == who['name'])), None)
    if session is None:
        raise _bad('participant (email, participant_uuid or name) is not in the meeting')
    session['leave_time'] = who.get('leave_time') or ids.iso(ids.now())
    return webhooks.envelope(f'{kind}.participant_left', {
        'account_id': state.config['account_id'],
        'object': {**_object(run), 'participant': _participant_payload(session, left=True)}})


def _end(state, kind, run, obj, body):
    run['end_time'] = body.get('end_time') or ids.iso(ids.now())
    run['duration'] = _minutes(run['start_time'], run['end_time'])
    for session in run['sessions']:
        if session['leave_time'] is None:  # everyone still in leaves when the meeting ends
            session['leave_time'] = run['end_time']
    if obj is not None:
        if kind == MEETING:
            obj['status'] = 'waiting'
        obj['uuid'] = ids.meeting_uuid()  # the next instance of this meeting gets a UUID of its own
    return webhooks.envelope(f'{kind}.ended', {'account_id': state.config['account_id'],
                                               'object': _object(run, 'end_time')})


def _recording_file(app, run, file_type):
    recording_type, extension, size = _FILE_KINDS[file_type]
    file_id = secrets.token_hex(16)
    return {'id': file_id, 'meeting_id': run['uuid'], 'recording_start': run['start_time'],
            'recording_end': run['end_time'], 'file_type': file_type, 'file_extension': extension,
            'file_size': size, 'play_url': f'{app.url}/rec/play/{file_id}',
            'download_url': f'{app.url}/rec/download/{file_id}', 'status': 'completed',
            'recording_type': recording_type}


def _recording_completed(app, run, body):
    if run['end_time'] is None:
        raise _bad('the run has not ended: Zoom finishes a cloud recording only after the meeting ends')
    file_types = body.get('files') or ['MP4', 'M4A']
    if not isinstance(file_types, list) or not all(t in _FILE_KINDS for t in file_types):
        raise _bad(f'files must list file types among {", ".join(_FILE_KINDS)}')
    files = [_recording_file(app, run, t) for t in file_types]
    passcode = body.get('passcode', run['password'] or ids.password())
    run['recording'] = {
        'uuid': run['uuid'], 'id': run['id'], 'account_id': app.state.config['account_id'],
        'host_id': run['host_id'], 'topic': run['topic'], 'type': run['type'], 'start_time': run['start_time'],
        'timezone': run['timezone'], 'duration': run['duration'], 'total_size': sum(f['file_size'] for f in files),
        'recording_count': len(files), 'share_url': f'{app.url}/rec/share/{secrets.token_urlsafe(24)}',
        'recording_files': files, 'password': passcode, 'recording_play_passcode': secrets.token_urlsafe(24),
        'trashed': False,
    }
    payload = webhooks.envelope('recording.completed', {'account_id': app.state.config['account_id'],
                                                        'object': public_recording(run['recording'])})
    payload['download_token'] = secrets.token_urlsafe(32)
    return payload


def public_recording(recording):
    return {k: copy.deepcopy(v) for k, v in recording.items() if k != 'trashed'}


def _recording_removed(app, run, action, body):
    recording = run['recording']
    if recording is None:
        raise _bad('this run has no recording')
    operator = app.state.find_user(body.get('operator') or run['host_id']) or {'id': run['host_id'], 'email': ''}
    if action == 'recording_trashed':
        recording['trashed'] = True
    else:
        run['recording'] = None  # deleted for good
    event = 'recording.trashed' if action == 'recording_trashed' else 'recording.deleted'
    return webhooks.envelope(event, {'account_id': app.state.config['account_id'], 'operator': operator['email'],
                                     'operator_id': operator['id'], 'object': public_recording(recording)})


def run_action(app, req):
    """POST /_simulator/run {"id", "action", "participant", "uuid", "files", "url", "secret", ...}."""
    body = req.json if req.json is not NO_BODY and isinstance(req.json, dict) else None
    if body is None:
        raise _bad('Request Body should be a valid JSON object.')
    action = body.get('action')
    if action not in ACTIONS:
        raise _bad(f'Unknown action {action!r}; expected one of: {", ".join(ACTIONS)}')
    if 'id' not in body and not body.get('uuid'):
        raise _bad('id (the meeting or webinar id) is required')
    state = app.state
    with state.lock:
        if action.startswith('recording_'):
            run = latest_run(state, body.get('uuid') or str(body['id']))
            if run is None:
                raise _bad('no ended run of that meeting (start and end it first)')
            payload = (_recording_completed(app, run, body) if action == 'recording_completed'
                       else _recording_removed(app, run, action, body))
        else:
            kind, obj = find_kind(state, body['id'])
            if action == 'start':
                run, payload = _start(state, kind, obj, body)
            else:
                run = active_run(state, obj['id'])
                if run is None:
                    raise _bad(f'{kind.capitalize()} {obj["id"]} is not running (start it first)')
                payload = {'join': _join, 'leave': _leave}[action](state, kind, run, body) if action != 'end' \
                    else _end(state, kind, run, obj, body)
        uuid = run['uuid']
    return Response(200, {'run': uuid, **_deliver(state.config, body, payload)})


def _deliver(config, body, payload):
    url = body.get('url') or config.get('webhook_url')
    secret = body.get('secret') or config.get('webhook_secret')
    result = {'sent': payload, 'status': None, 'body': None}
    if not url or not secret:
        result['error'] = 'no webhook_url/webhook_secret configured: the state changed, nothing was sent'
        return result
    try:
        result['status'], result['body'] = webhooks.deliver(url, payload, secret, timeout=config.get('webhook_timeout'),
                                                            timestamp=body.get('timestamp'))
    except OSError as exc:
        result['error'] = str(exc)
    return result


def list_runs(app, req):
    """GET /_simulator/runs: every run with its sessions and recording."""
    with app.state.lock:
        return Response(200, copy.deepcopy(list(app.state.runs.values())))
