"""A small client for the parts of the Zoom REST API (v2) the plugin uses."""

import logging
import time
from collections import Counter
from urllib.parse import quote

import requests
from urllib3.exceptions import NewConnectionError

from .auth import DEFAULT_TIMEOUT
from .deadline import Deadline
from .errors import ZoomAuthError, ZoomError, ZoomRateLimited, ZoomUnavailable, error_from_response


logger = logging.getLogger('indico_vc_zoom.zoom')

DEFAULT_API_URL = 'https://api.zoom.us/v2'
MEETING, WEBINAR = 'meeting', 'webinar'
REGISTRANT_STATUSES = ('approved', 'pending', 'denied')
REGISTRANT_ACTIONS = ('approve', 'cancel', 'deny')
BATCH_SIZE = 30  # Zoom takes at most 30 registrants per batch registration or status change
MAX_PAGE_SIZE = 300
# a Zoom PATCH sets absolute values, so repeating it is as safe as repeating a GET or DELETE
IDEMPOTENT_METHODS = {'GET', 'PATCH', 'DELETE'}
ERROR_RETRY_DELAYS = (0.2, 0.4)
MAX_RATE_LIMIT_RETRIES = 2
MAX_RATE_LIMIT_WAIT = 5.0


def dial_in(meeting):
    """What a phone participant needs, from a meeting or webinar as Zoom returns it: {'meeting_id',
    'passcode' (the numeric phone passcode, '' without one), 'countries', 'numbers': [{'country',
    'country_name', 'city', 'number', 'type': 'toll'|'tollfree'}]}."""
    settings = meeting.get('settings') or {}
    return {'meeting_id': str(meeting['id']), 'passcode': meeting.get('pstn_password') or '',
            'countries': list(settings.get('global_dial_in_countries') or []),
            'numbers': list(settings.get('global_dial_in_numbers') or [])}


def _path(kind, suffix, past=False):
    """'/meetings/{meetingId}' + suffix (or /webinars/..., /past_meetings/...): one stats key per endpoint."""
    return f'/{"past_" if past else ""}{kind}s/{{{kind}Id}}{suffix}'


def _args(kind, ref, **more):
    return {f'{kind}Id': ref, **more}


def _instance_ref(ref):
    """A meeting id or instance UUID for a path. Zoom wants a UUID that begins with '/' or contains '//' encoded
    twice; quoting it once here makes the usual path quoting the second time."""
    ref = str(ref)
    return quote(ref, safe='') if ref.startswith('/') or '//' in ref else ref


class ZoomClient:
    """Zoom API client.

    `auth` is an `S2SAuth` or `JWTAuth`. Without an explicit `api_url` the base URL comes from the
    S2S token reply (`<api_url>/v2`), falling back to Zoom's public API. `stats` counts the HTTP
    requests made, keyed by method and templated path.
    """

    def __init__(self, auth, api_url=None, session=None, timeout=DEFAULT_TIMEOUT):
        self.auth = auth
        self.api_url = api_url.rstrip('/') if api_url else None
        self.session = session or requests.Session()
        self.timeout = timeout
        self.stats = Counter()
        self._deadline = Deadline()
        # let the auth fetch its tokens over our connection pool unless it has its own session
        if getattr(auth, 'session', False) is None:
            auth.session = self.session

    def deadline(self, seconds):
        """Context manager: every call made inside (in this thread) is over within ``seconds`` in total."""
        return self._deadline.limit(seconds)

    def time_left(self):
        """Seconds left of the current deadline, or ``None`` without one."""
        return self._deadline.left()

    def has_time_for(self, wait=0):
        """Whether a call started after ``wait`` seconds could still get its answer before the deadline."""
        return self._deadline.fits(wait)

    @property
    def base_url(self):
        if self.api_url:
            return self.api_url
        if api_url := getattr(self.auth, 'api_url', None):
            return api_url.rstrip('/') + '/v2'
        return DEFAULT_API_URL

    def check_credentials(self):
        """Obtain a fresh token so bad credentials show up now, as `ZoomAuthError`.

        For JWT apps the token is made locally, so this only checks that the key and secret are set.
        """
        try:
            self.auth.get_token(force=True)
        except ZoomAuthError:
            raise
        except ZoomError as exc:
            raise ZoomAuthError(f'Could not check the Zoom credentials: {exc}', status_code=exc.status_code,
                                code=exc.code)

    def granted_scopes(self):
        """The OAuth scopes of the current token as a frozenset, or None when unknown (legacy JWT apps carry
        no scope list and may call everything)."""
        return self.auth.granted_scopes()

    # users

    def get_user(self, user_id):
        return self._request('GET', '/users/{userId}', {'userId': user_id}, user=user_id).json()

    def list_assistants(self, user_id):
        resp = self._request('GET', '/users/{userId}/assistants', {'userId': user_id}, user=user_id)
        return resp.json().get('assistants', [])

    def add_assistants(self, user_id, assistants):
        """Give scheduling privilege for `user_id` to `assistants` ([{'id': ...} or {'email': ...}], at most 30)."""
        resp = self._request('POST', '/users/{userId}/assistants', {'userId': user_id},
                             json={'assistants': assistants}, user=user_id)
        return resp.json()

    def delete_assistant(self, user_id, assistant_id):
        """Take scheduling privilege for `user_id` away from one assistant (id or e-mail)."""
        self._request('DELETE', '/users/{userId}/assistants/{assistantId}',
                      {'userId': user_id, 'assistantId': assistant_id}, user=user_id)

    def list_schedulers(self, user_id):
        """The users `user_id` may schedule for (it is their assistant): [{'id', 'email', 'pmi'}]."""
        resp = self._request('GET', '/users/{userId}/schedulers', {'userId': user_id}, user=user_id)
        return resp.json().get('schedulers', [])

    # meetings

    def list_meetings(self, user_id, type='scheduled'):
        resp = self._request('GET', '/users/{userId}/meetings', {'userId': user_id},
                             params={'type': type, 'page_size': 300}, user=user_id)
        return resp.json().get('meetings', [])

    def create_meeting(self, user_id, data, schedule_for=None):
        """Create a meeting as `user_id`; with `schedule_for` (id or e-mail) that user becomes the host, which
        needs `user_id` to be one of their assistants, else `ZoomSchedulingRefused`. The daily create/update
        budget is charged to `user_id`."""
        return self._create(MEETING, user_id, data, schedule_for)

    def get_meeting(self, meeting_id):
        return self._request('GET', '/meetings/{meetingId}', {'meetingId': meeting_id}).json()

    def update_meeting(self, meeting_id, data, schedule_for=None):
        """Update a meeting; `schedule_for` moves it to that host (the meeting's scheduler needs privilege)."""
        if schedule_for is not None:
            data = {**data, 'schedule_for': schedule_for}
        self._request('PATCH', '/meetings/{meetingId}', {'meetingId': meeting_id}, json=data)

    def delete_meeting(self, meeting_id):
        self._request('DELETE', '/meetings/{meetingId}', {'meetingId': meeting_id})

    # webinars

    def list_webinars(self, user_id):
        resp = self._request('GET', '/users/{userId}/webinars', {'userId': user_id}, params={'page_size': 300},
                             user=user_id)
        return resp.json().get('webinars', [])

    def create_webinar(self, user_id, data, schedule_for=None):
        """Create a webinar as `user_id`; `schedule_for` as for `create_meeting`."""
        return self._create(WEBINAR, user_id, data, schedule_for)

    def get_webinar(self, webinar_id):
        return self._request('GET', '/webinars/{webinarId}', {'webinarId': webinar_id}).json()

    def update_webinar(self, webinar_id, data):
        self._request('PATCH', '/webinars/{webinarId}', {'webinarId': webinar_id}, json=data)

    def delete_webinar(self, webinar_id):
        self._request('DELETE', '/webinars/{webinarId}', {'webinarId': webinar_id})

    def _create(self, kind, user_id, data, schedule_for):
        if schedule_for is not None:
            data = {**data, 'schedule_for': schedule_for}
        # the daily limit is the scheduling user's, so that is who a ZoomRateLimited names
        return self._request('POST', f'/users/{{userId}}/{kind}s', {'userId': user_id}, json=data,
                             user=user_id).json()

    # registrants (`kind` is MEETING or WEBINAR throughout)

    def iter_registrants(self, meeting_id, status='approved', kind=MEETING, page_size=MAX_PAGE_SIZE):
        """Yield every registrant with this status ('approved', 'pending' or 'denied'), page after page.

        Raises `ZoomRegistrationDisabled` if the meeting does not take registrations.
        """
        if status not in REGISTRANT_STATUSES:
            raise ValueError(f'status must be one of {", ".join(REGISTRANT_STATUSES)}')
        yield from self._pages('GET', _path(kind, '/registrants'), _args(kind, meeting_id), 'registrants',
                               {'status': status, 'page_size': page_size})

    def list_registrants(self, meeting_id, status='approved', kind=MEETING):
        """All registrants with this status, as a list (see `iter_registrants`)."""
        return list(self.iter_registrants(meeting_id, status, kind))

    def add_registrant(self, meeting_id, registrant, kind=MEETING, auto_approve=None):
        """Register one person (`registrant` needs 'email' and 'first_name'); returns Zoom's reply with
        'registrant_id' and the personal 'join_url'. Registering an e-mail again returns its registration."""
        data = dict(registrant)
        if auto_approve is not None and kind == MEETING:  # the webinar call has no auto_approve
            data['auto_approve'] = auto_approve
        return self._request('POST', _path(kind, '/registrants'), _args(kind, meeting_id), json=data).json()

    def add_registrants(self, meeting_id, registrants, kind=MEETING, auto_approve=None):
        """Batch-register people ({'email', 'first_name', 'last_name'}) in calls of up to 30; returns
        [{'registrant_id', 'email', 'join_url'}]. Zoom allows this for scheduled meetings (type 2) and
        webinars (type 5) only. A failing call raises after the earlier batches were registered; calling again
        is safe, as Zoom returns an existing registration for a known e-mail."""
        added = []
        for start in range(0, len(registrants), BATCH_SIZE):
            data = {'registrants': [{k: r[k] for k in ('email', 'first_name', 'last_name') if k in r}
                                    for r in registrants[start:start + BATCH_SIZE]]}
            if auto_approve is not None:
                data['auto_approve'] = auto_approve
            resp = self._request('POST', _path(kind, '/batch_registrants'), _args(kind, meeting_id), json=data)
            added += resp.json().get('registrants', [])
        return added

    def get_registrant(self, meeting_id, registrant_id, kind=MEETING):
        """One registrant; `ZoomRegistrantNotFound` if there is none with that id."""
        return self._request('GET', _path(kind, '/registrants/{registrantId}'),
                             _args(kind, meeting_id, registrantId=registrant_id)).json()

    def delete_registrant(self, meeting_id, registrant_id, kind=MEETING):
        self._request('DELETE', _path(kind, '/registrants/{registrantId}'),
                      _args(kind, meeting_id, registrantId=registrant_id))

    def update_registrant_status(self, meeting_id, action, registrants, kind=MEETING):
        """Apply 'approve', 'cancel' (withdraw an approval) or 'deny' to registrants given by id or e-mail,
        in calls of up to 30."""
        if action not in REGISTRANT_ACTIONS:
            raise ValueError(f'action must be one of {", ".join(REGISTRANT_ACTIONS)}')
        refs = [{'email': r} if '@' in r else {'id': r} for r in registrants]
        for start in range(0, len(refs), BATCH_SIZE):
            self._request('PUT', _path(kind, '/registrants/status'), _args(kind, meeting_id),
                          json={'action': action, 'registrants': refs[start:start + BATCH_SIZE]})

    def get_registration_questions(self, meeting_id, kind=MEETING):
        """{'questions': [{'field_name', 'required'}], 'custom_questions': [{'title', 'type', 'required',
        'answers'}]}."""
        return self._request('GET', _path(kind, '/registrants/questions'), _args(kind, meeting_id)).json()

    def update_registration_questions(self, meeting_id, questions=(), custom_questions=(), kind=MEETING):
        self._request('PATCH', _path(kind, '/registrants/questions'), _args(kind, meeting_id),
                      json={'questions': list(questions), 'custom_questions': list(custom_questions)})

    # after a meeting: participants and recordings

    def iter_past_participants(self, meeting_uuid, kind=MEETING, page_size=MAX_PAGE_SIZE):
        """Yield the participant rows (one per join) of an ended meeting or webinar instance, page after page.

        Pass the instance UUID (from `meeting.ended`); it is double-encoded when Zoom requires it. Raises
        `ZoomPlanRequired` when the account's plan has no such report and `ZoomNotFound` for an instance that
        does not exist or has not ended.
        """
        yield from self._pages('GET', _path(kind, '/participants', past=True), _args(kind, _instance_ref(meeting_uuid)),
                               'participants', {'page_size': page_size})

    def list_past_participants(self, meeting_uuid, kind=MEETING):
        """Every participant row of an ended instance, as a list (see `iter_past_participants`)."""
        return list(self.iter_past_participants(meeting_uuid, kind))

    def get_meeting_recordings(self, meeting_ref):
        """The cloud recording of a meeting (id: its latest instance; or an instance UUID): 'share_url',
        'recording_files', ... Raises `ZoomNoRecording` when there is none."""
        path_args = {'meetingId': _instance_ref(meeting_ref)}
        return self._request('GET', '/meetings/{meetingId}/recordings', path_args).json()

    def _pages(self, method, template, path_args, item_key, params):
        """Follow Zoom's next_page_token until the last page, yielding the items."""
        params = dict(params)
        while True:
            data = self._request(method, template, path_args, params=params).json()
            yield from data.get(item_key, [])
            token = data.get('next_page_token')
            if not token:
                return
            params['next_page_token'] = token

    # core

    def _request(self, method, template, path_args=None, *, json=None, params=None, user=None):
        """Send one API call with the retry policy; return the `requests.Response` or raise a `ZoomError`.

        - 401: drop the token, get a new one and retry once.
        - 429 per-second: wait Retry-After (capped) and retry; daily limit: never retried.
        - 5xx, connection errors, timeouts: retried with backoff for idempotent methods only.
        """
        path = template.format(**{k: quote(str(v), safe='@') for k, v in (path_args or {}).items()})
        idempotent = method in IDEMPOTENT_METHODS
        auth_retried = False
        rate_retries = error_retries = 0
        maybe_applied = False  # a write was sent and no answer tells whether Zoom carried it out
        while True:
            if not self._deadline.fits(0):
                raise self._out_of_time(method, maybe_applied)
            token = self.auth.get_token()
            url = self.base_url + path
            self.stats[(method, template)] += 1
            start = time.monotonic()
            try:
                resp = self.session.request(method, url, json=json, params=params,
                                            timeout=self._deadline.timeout(self.timeout),
                                            headers={'Authorization': f'Bearer {token}', 'Accept': 'application/json'})
            except requests.RequestException as exc:
                duration = (time.monotonic() - start) * 1000
                logger.debug('%s %s -> %s after %.0f ms', method, template, type(exc).__name__, duration)
                maybe_applied = maybe_applied or (method != 'GET' and not _never_sent(exc))
                if idempotent and error_retries < len(ERROR_RETRY_DELAYS) and \
                        self._deadline.fits(ERROR_RETRY_DELAYS[error_retries]):
                    delay = ERROR_RETRY_DELAYS[error_retries]
                    error_retries += 1
                    logger.warning('Zoom %s %s failed (%s), retry %d in %.1f s', method, template,
                                   type(exc).__name__, error_retries, delay)
                    time.sleep(delay)
                    continue
                raise self._connection_error(method, exc, maybe_applied)
            logger.debug('%s %s -> %d in %.0f ms', method, template, resp.status_code,
                         (time.monotonic() - start) * 1000)

            if resp.ok:
                return resp
            if resp.status_code == 401 and not auth_retried:
                # expired or revoked token: a 401 means nothing was done, so even a POST may be repeated
                logger.info('Zoom %s %s got HTTP 401, refreshing the access token', method, template)
                self.auth.invalidate(token)
                auth_retried = True
                continue
            err = error_from_response(resp, user=user)
            if isinstance(err, ZoomRateLimited) and not err.daily and rate_retries < MAX_RATE_LIMIT_RETRIES:
                # a 429 means the call was not processed, so even a POST may be repeated
                delay = min(err.retry_after if err.retry_after is not None else 1.0, MAX_RATE_LIMIT_WAIT)
                if self._deadline.fits(delay):
                    rate_retries += 1
                    logger.warning('Zoom %s %s rate limited (per-second), retry %d in %.1f s', method, template,
                                   rate_retries, delay)
                    time.sleep(delay)
                    continue
            if resp.status_code >= 500:
                # a server error does not prove that nothing was done
                maybe_applied = maybe_applied or method != 'GET'
            if resp.status_code >= 500 and idempotent and error_retries < len(ERROR_RETRY_DELAYS) and \
                    self._deadline.fits(ERROR_RETRY_DELAYS[error_retries]):
                delay = ERROR_RETRY_DELAYS[error_retries]
                error_retries += 1
                logger.warning('Zoom %s %s got HTTP %d, retry %d in %.1f s', method, template, resp.status_code,
                               error_retries, delay)
                time.sleep(delay)
                continue
            if isinstance(err, ZoomUnavailable):
                err.outcome_unknown = maybe_applied
            if isinstance(err, ZoomRateLimited) and err.daily:
                logger.warning('Zoom %s %s hit the daily rate limit (user %s, resets %s)', method, template,
                               user or 'unknown', err.resets_at)
            raise err

    def _connection_error(self, method, exc, maybe_applied):
        if isinstance(exc, requests.ConnectTimeout):
            msg = 'Could not connect to Zoom (timed out)'
        elif isinstance(exc, requests.Timeout):
            msg = 'Zoom did not answer in time'
        else:
            msg = f'Connection to Zoom failed ({type(exc).__name__})'
        if maybe_applied:
            msg += '; the outcome of the request is unknown (it may or may not have been carried out)'
        err = ZoomUnavailable(msg)
        err.outcome_unknown = maybe_applied
        return err

    def _out_of_time(self, method, maybe_applied):
        msg = 'Zoom did not answer within the time allowed for this action'
        if maybe_applied:
            msg += '; the outcome of the request is unknown (it may or may not have been carried out)'
        err = ZoomUnavailable(msg)
        err.outcome_unknown = maybe_applied
        return err


def _never_sent(exc):
    """Whether a failed request certainly never reached Zoom (no connection was made)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    cause = exc.args[0] if isinstance(exc, requests.ConnectionError) and exc.args else None
    return isinstance(getattr(cause, 'reason', cause), NewConnectionError)
