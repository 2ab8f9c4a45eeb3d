"""Zoom's after-the-fact API: past meeting/webinar participants and a meeting's cloud recordings."""

from urllib.parse import unquote

from .objects import MEETING, WEBINAR
from .pages import paginate
from .responses import ApiError, Response
from .runs import latest_run, public_recording, seconds
from .scopes import need


def _instance_ref(raw):
    """A meeting id or instance UUID; UUIDs with '/' arrive double-encoded, as Zoom asks clients to send them."""
    return unquote(raw) if '%' in raw else raw


def _participant_row(session, run):
    end = session['leave_time'] or run['end_time']
    return {'id': session['id'], 'name': session['name'], 'user_id': session['user_id'],
            'registrant_id': session['registrant_id'], 'user_email': session['email'],
            'join_time': session['join_time'], 'leave_time': end,
            'duration': seconds(session['join_time'], end), 'failover': False, 'status': 'in_meeting',
            'internal_user': bool(session['id'])}


def past_participants(app, req, kind):
    """Documented: 400/200 'Only available for paid account: {accountId}.'; 404/3001 for an instance that
    does not exist or has not ended; no rows when only one person took part ("the API doesn't return results
    if there's only one participant in a meeting")."""
    state = app.state
    with state.lock:
        if not state.config['paid_account']:
            raise ApiError(400, 200, f'Only available for paid account: {state.config["account_id"]}.')
        ref = _instance_ref(req.params['id'])
        run = latest_run(state, ref, kind)
        if run is None or run['end_time'] is None:
            message = 'Meeting ID is invalid or not end.' if kind == MEETING else 'Webinar does not exist.'
            raise ApiError(404, 3001, message)
        people = {s['participant_uuid'] for s in run['sessions']}
        rows = [_participant_row(s, run) for s in run['sessions']] if len(people) > 1 else []
        return Response(200, paginate(state, req, ('past', run['uuid']), rows, 'participants'))


def meeting_recordings(app, req):
    """Documented: 404/3301 'There is no recording for this meeting.'."""
    state = app.state
    with state.lock:
        run = latest_run(state, _instance_ref(req.params['id']), with_recording=True)
        if run is None or not run['recording'] or run['recording']['trashed']:
            raise ApiError(404, 3301, 'There is no recording for this meeting.')
        recording = public_recording(run['recording'])
        if 'download_access_token' in (req.query.get('include_fields') or ''):
            recording['download_access_token'] = f'sim-download-{run["uuid"]}'
        return Response(200, recording)


def _bind(kind):
    def handler(app, req):
        return past_participants(app, req, kind)
    handler.__name__ = f'past_{kind}_participants'
    return handler


ROUTES = [
    ('GET', r'/past_meetings/(?P<id>[^/]+)/participants', _bind(MEETING), 'Medium',
     need('meeting:read:admin', 'meeting:read:list_past_participants:admin')),
    ('GET', r'/past_webinars/(?P<id>[^/]+)/participants', _bind(WEBINAR), 'Medium',
     need('webinar:read:admin', 'webinar:read:list_past_participants:admin')),
    ('GET', r'/meetings/(?P<id>[^/]+)/recordings', meeting_recordings, 'Light',
     need('recording:read:admin', 'cloud_recording:read:list_recording_files:admin')),
]
