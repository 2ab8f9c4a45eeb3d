"""Registrants of meetings and webinars (issue 13.5): registration, approval, listing, limits and errors."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest


def _registration_meeting(api, approval_type=0, kind='meeting', **fields):
    return api.create(kind, type=fields.pop('type', 2 if kind == 'meeting' else 5),
                      start_time='2030-05-01T10:00:00Z', settings={'approval_type': approval_type}, **fields)


def _add(api, meeting, email, kind='meeting', **fields):
    resp = api.post(f'/{kind}s/{meeting["id"]}/registrants', json={'email': email, 'first_name': 'F', **fields})
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_registration_not_enabled(api, sim):
    """Zoom documents, for a meeting that does not require registration: list 300 'This meeting has not set
    registration as required: {id}'; add/batch 404 'Registration has not been enabled for this meeting: {id}'
    (batch with code 404); delete 400 code 404; webinar add 400/3000 'This webinar does not have registration
    as required'; webinar batch 400/3000 'Registration not enabled for this webinar'."""
    meeting = api.create(start_time='2030-05-01T10:00:00Z')  # approval_type 2: no registration
    assert 'registration_url' not in meeting
    base = f'/meetings/{meeting["id"]}'
    mid = meeting['id']
    resp = api.get(f'{base}/registrants')
    assert (resp.status_code, resp.json()) == (400, {'code': 300, 'message': f'This meeting has not set '
                                                                               f'registration as required: {mid}.'})
    resp = api.post(f'{base}/registrants', json={'email': 'r@example.com', 'first_name': 'R'})
    assert (resp.status_code, resp.json()) == (404, {'code': 404, 'message': f'Registration has not been enabled '
                                                                               f'for this meeting: {mid}.'})
    resp = api.post(f'{base}/batch_registrants', json={'registrants': [{'email': 'r@example.com', 'first_name': 'R'}]})
    assert (resp.status_code, resp.json()['code']) == (404, 404)
    resp = api.delete(f'{base}/registrants/abc')
    assert (resp.status_code, resp.json()['code']) == (400, 404)
    webinar = api.create('webinar')
    resp = api.post(f'/webinars/{webinar["id"]}/registrants', json={'email': 'r@example.com', 'first_name': 'R'})
    assert resp.status_code == 400
    assert resp.json() == {'code': 3000, 'message': f'This webinar does not have registration as required: '
                                                    f'{webinar["id"]}.'}
    resp = api.post(f'/webinars/{webinar["id"]}/batch_registrants',
                    json={'registrants': [{'email': 'r@example.com', 'first_name': 'R'}]})
    assert (resp.status_code, resp.json()['code']) == (400, 3000)
    assert 'Registration not enabled for this webinar' in resp.json()['message']


def test_automatic_approval_and_personal_join_links(api, sim):
    meeting = _registration_meeting(api, approval_type=0)
    assert re.fullmatch(rf'{re.escape(sim.url)}/meeting/register/[\w-]+', meeting['registration_url'])
    first = _add(api, meeting, 'one@example.com', last_name='One', org='CERN',
                 custom_questions=[{'title': 'Why?', 'value': 'Curious'}])
    second = _add(api, meeting, 'two@example.com')
    assert set(first) == {'id', 'join_url', 'registrant_id', 'start_time', 'topic', 'occurrences'}
    assert first['id'] == meeting['id']
    assert first['topic'] == meeting['topic'] and first['start_time'] == '2030-05-01T10:00:00Z'
    tokens = [parse_qs(urlsplit(r['join_url']).query)['tk'][0] for r in (first, second)]
    assert tokens[0] != tokens[1]
    assert first['join_url'].startswith(f'{sim.url}/j/{meeting["id"]}?tk=')
    assert first['join_url'].endswith(f'&pwd={meeting["encrypted_password"]}')
    got = api.get(f'/meetings/{meeting["id"]}/registrants/{first["registrant_id"]}').json()
    assert (got['id'], got['email'], got['last_name'], got['org'], got['status']) == (
        first['registrant_id'], 'one@example.com', 'One', 'CERN', 'approved')
    assert got['custom_questions'] == [{'title': 'Why?', 'value': 'Curious'}]
    assert got['join_url'] == first['join_url']
    listed = api.get(f'/meetings/{meeting["id"]}/registrants').json()
    assert [r['email'] for r in listed['registrants']] == ['one@example.com', 'two@example.com']
    assert (listed['total_records'], listed['page_size'], listed['next_page_token']) == (2, 30, '')
    view = sim.meetings()[0]['_simulator']['registrants']
    assert [(r['email'], r['status']) for r in view] == [('one@example.com', 'approved'),
                                                         ('two@example.com', 'approved')]
    # registering the same e-mail again gives back the same registration
    assert _add(api, meeting, 'ONE@example.com')['registrant_id'] == first['registrant_id']


def test_manual_approval_and_status_changes(api, sim):
    """PUT .../registrants/status with action approve, deny or cancel (an approval withdrawn is listed denied)."""
    meeting = _registration_meeting(api, approval_type=1)
    pending = _add(api, meeting, 'p@example.com')
    _add(api, meeting, 'a@example.com', auto_approve=True)
    base = f'/meetings/{meeting["id"]}/registrants'

    def emails(status):
        return [r['email'] for r in api.get(base, params={'status': status}).json()['registrants']]

    assert (emails('pending'), emails('approved'), emails('denied')) == (['p@example.com'], ['a@example.com'], [])
    assert api.request('PUT', f'{base}/status', json={'action': 'approve',
                                                      'registrants': [{'id': pending['registrant_id']}]}
                       ).status_code == 204
    assert emails('approved') == ['p@example.com', 'a@example.com']
    assert api.request('PUT', f'{base}/status', json={'action': 'cancel',
                                                      'registrants': [{'email': 'a@example.com'}]}).status_code == 204
    assert api.request('PUT', f'{base}/status', json={'action': 'deny',
                                                      'registrants': [{'id': pending['registrant_id']}]}
                       ).status_code == 204
    assert emails('denied') == ['p@example.com', 'a@example.com']
    resp = api.request('PUT', f'{base}/status', json={'action': 'ban', 'registrants': [{'email': 'a@example.com'}]})
    assert (resp.status_code, resp.json()['code']) == (400, 300)
    resp = api.get(base, params={'status': 'cancelled'})
    assert (resp.status_code, resp.json()['code']) == (400, 300)


def test_unknown_registrant(api):
    """DELETE: Zoom documents 400/3000 'Registrant {0} was not found.'; GET and status answer 404."""
    meeting = _registration_meeting(api)
    base = f'/meetings/{meeting["id"]}/registrants'
    resp = api.get(f'{base}/nope')
    assert (resp.status_code, resp.json()) == (404, {'code': 3000, 'message': 'Registrant nope was not found.'})
    resp = api.delete(f'{base}/nope')
    assert (resp.status_code, resp.json()) == (400, {'code': 3000, 'message': 'Registrant nope was not found.'})
    resp = api.request('PUT', f'{base}/status', json={'action': 'approve', 'registrants': [{'id': 'nope'}]})
    assert (resp.status_code, resp.json()['code']) == (404, 3000)
    added = _add(api, meeting, 'x@example.com')
    assert api.delete(f'{base}/{added["registrant_id"]}').status_code == 204
    assert api.get(f'{base}/{added["registrant_id"]}').status_code == 404


def test_pagination(api, sim):
    """page_size (default 30, max 300) and next_page_token; a bad token gets 400/300 'The next page token is
    invalid or expired.' (documented for past webinar participants)."""
    meeting = _registration_meeting(api)
    batch = [{'email': f'r{i:02}@example.com', 'first_name': f'R{i}'} for i in range(30)]
    resp = api.post(f'/meetings/{meeting["id"]}/batch_registrants', json={'registrants': batch})
    assert resp.status_code == 200, resp.text
    assert len(resp.json()['registrants']) == 30
    assert set(resp.json()['registrants'][0]) == {'registrant_id', 'email', 'join_url'}
    for i in range(30, 35):
        _add(api, meeting, f'r{i:02}@example.com')
    seen, token, pages = [], '', 0
    while True:
        params = {'page_size': 10, **({'next_page_token': token} if token else {})}
        page = api.get(f'/meetings/{meeting["id"]}/registrants', params=params).json()
        assert (page['total_records'], page['page_size'], page['page_count']) == (35, 10, 4)
        seen += [r['email'] for r in page['registrants']]
        pages += 1
        token = page['next_page_token']
        if not token:
            break
    assert pages == 4
    assert seen == [f'r{i:02}@example.com' for i in range(35)]
    resp = api.get(f'/meetings/{meeting["id"]}/registrants', params={'next_page_token': 'bogus'})
    assert resp.status_code == 400
    assert resp.json() == {'code': 300, 'message': 'The next page token is invalid or expired.'}
    assert api.get(f'/meetings/{meeting["id"]}/registrants', params={'page_size': 1000}).json()['page_size'] == 300


def test_batch_limits_and_types(api, sim):
    """Batch: 'Register up to 30 registrants at once'; meetings of type 2 only (400/303), webinars of type 5
    only (400/300)."""
    meeting = _registration_meeting(api)
    too_many = [{'email': f'r{i}@example.com', 'first_name': 'R'} for i in range(31)]
    resp = api.post(f'/meetings/{meeting["id"]}/batch_registrants', json={'registrants': too_many})
    assert (resp.status_code, resp.json()['code']) == (400, 300)
    recurring = _registration_meeting(api, type=8, recurrence={'type': 1, 'repeat_interval': 1, 'end_times': 2})
    resp = api.post(f'/meetings/{recurring["id"]}/batch_registrants', json={'registrants': too_many[:1]})
    assert (resp.status_code, resp.json()['code']) == (400, 303)
    webinar = _registration_meeting(api, kind='webinar', type=9,
                                    recurrence={'type': 1, 'repeat_interval': 1, 'end_times': 2})
    resp = api.post(f'/webinars/{webinar["id"]}/batch_registrants', json={'registrants': too_many[:1]})
    assert (resp.status_code, resp.json()['code']) == (400, 300)
    assert 'type 5' in resp.json()['message']


def test_batch_pending_unless_auto_approved(api):
    meeting = _registration_meeting(api, approval_type=1)
    base = f'/meetings/{meeting["id"]}'
    api.post(f'{base}/batch_registrants', json={'registrants': [{'email': 'a@example.com', 'first_name': 'A'}]})
    api.post(f'{base}/batch_registrants', json={'auto_approve': True,
                                                'registrants': [{'email': 'b@example.com', 'first_name': 'B'}]})
    assert [r['email'] for r in api.get(f'{base}/registrants', params={'status': 'pending'}).json()['registrants']] \
        == ['a@example.com']
    assert [r['email'] for r in api.get(f'{base}/registrants').json()['registrants']] == ['b@example.com']


def test_registrant_limit(api, sim):
    """Meetings: 400/3043 'Meeting has reached maximum attendee capacity.' (batch: HTTP 404), all or nothing."""
    sim.configure(registrant_limit=2)
    meeting = _registration_meeting(api)
    _add(api, meeting, 'a@example.com')
    _add(api, meeting, 'b@example.com')
    resp = api.post(f'/meetings/{meeting["id"]}/registrants', json={'email': 'c@example.com', 'first_name': 'C'})
    assert resp.status_code == 400
    assert resp.json() == {'code': 3043, 'message': 'Meeting has reached maximum attendee capacity.'}
    other = _registration_meeting(api)
    _add(api, other, 'a@example.com')
    resp = api.post(f'/meetings/{other["id"]}/batch_registrants', json={'registrants': [
        {'email': 'b@example.com', 'first_name': 'B'}, {'email': 'c@example.com', 'first_name': 'C'}]})
    assert (resp.status_code, resp.json()['code']) == (404, 3043)
    assert len(api.get(f'/meetings/{other["id"]}/registrants').json()['registrants']) == 1


def test_webinar_limits_and_host(api, sim):
    """Webinars: 400/3000 'You have reached the limit for the number of attendees you can add', 400/3035
    'Webinar has reached maximum attendee capacity.' on approval, 400/3027 'Host cannot register.'."""
    webinar = api.create('webinar', start_time='2030-05-01T10:00:00Z',
                         settings={'approval_type': 1, 'registrants_restrict_number': 1})
    base = f'/webinars/{webinar["id"]}/registrants'
    first = _add(api, webinar, 'a@example.com', kind='webinar')
    assert first['id'] == str(webinar['id'])  # the webinar reply has the id as a string, as the spec says
    resp = api.post(base, json={'email': 'b@example.com', 'first_name': 'B'})
    assert (resp.status_code, resp.json()['code']) == (400, 3000)
    assert 'limit for the number of attendees' in resp.json()['message']
    api.request('PUT', f'{base}/status', json={'action': 'deny', 'registrants': [{'id': first['registrant_id']}]})
    second = _add(api, webinar, 'b@example.com', kind='webinar')
    resp = api.request('PUT', f'{base}/status', json={'action': 'approve',
                                                      'registrants': [{'id': first['registrant_id']}]})
    assert (resp.status_code, resp.json()['code']) == (400, 3035)
    assert second['join_url'].startswith(f'{sim.url}/w/{webinar["id"]}?tk=')
    resp = api.post(base, json={'email': 'alice@example.com', 'first_name': 'Alice'})
    assert (resp.status_code, resp.json()) == (400, {'code': 3027, 'message': 'Host cannot register.'})


def test_registration_questions(api):
    meeting = _registration_meeting(api)
    path = f'/meetings/{meeting["id"]}/registrants/questions'
    assert api.get(path).json() == {'questions': [], 'custom_questions': []}
    body = {'questions': [{'field_name': 'org', 'required': True}],
            'custom_questions': [{'title': 'Diet', 'type': 'single', 'required': True, 'answers': ['veg', 'any']}]}
    assert api.patch(path, json=body).status_code == 204
    assert api.get(path).json() == body
    resp = api.post(f'/meetings/{meeting["id"]}/registrants', json={'email': 'q@example.com', 'first_name': 'Q'})
    assert (resp.status_code, resp.json()['errors'][0]['field']) == (400, 'org')
    resp = api.post(f'/meetings/{meeting["id"]}/registrants',
                    json={'email': 'q@example.com', 'first_name': 'Q', 'org': 'CERN'})
    assert (resp.status_code, resp.json()['errors'][0]['field']) == (400, 'custom_questions')
    _add(api, meeting, 'q@example.com', org='CERN', custom_questions=[{'title': 'Diet', 'value': 'veg'}])
    bad = api.patch(path, json={'questions': [{'field_name': 'shoe_size'}]})
    assert (bad.status_code, bad.json()['code']) == (400, 300)
    bad = api.patch(path, json={'custom_questions': [{'title': 'X', 'type': 'single_radio'}]})
    assert bad.status_code == 400  # a webinar-only type


@pytest.mark.parametrize('kind', ['meeting', 'webinar'])
def test_registrant_calls_pass_strict_mode(zoom_sim, make_api, get_token, spec_path, kind):
    zoom_sim.configure(spec=spec_path)
    api = make_api(get_token())
    obj = _registration_meeting(api, approval_type=1, kind=kind)
    base = f'/{kind}s/{obj["id"]}'
    extra = {'auto_approve': True} if kind == 'meeting' else {}
    added = api.post(f'{base}/registrants', json={'email': 'r@example.com', 'first_name': 'R', 'last_name': 'S',
                                                  'custom_questions': [{'title': 't', 'value': 'v'}], **extra})
    assert added.status_code == 201, added.text
    batch = api.post(f'{base}/batch_registrants', json={'auto_approve': False, 'registrants': [
        {'email': 'b@example.com', 'first_name': 'B', 'last_name': 'C'}]})
    assert batch.status_code == 200, batch.text
    rid = added.json()['registrant_id']
    for resp in (api.get(f'{base}/registrants', params={'status': 'pending', 'page_size': 300}),
                 api.request('PUT', f'{base}/registrants/status',
                             json={'action': 'approve', 'registrants': [{'email': 'b@example.com'}]}),
                 api.get(f'{base}/registrants/{rid}'), api.delete(f'{base}/registrants/{rid}')):
        assert resp.status_code < 300, resp.text
    bad = api.post(f'{base}/registrants', json={'email': 'r@example.com', 'first_name': 'R', 'shoe': 1})
    assert (bad.status_code, bad.json()['message']) == (400, 'Validation Failed.')


def test_no_registration_for_meetings_without_fixed_time(api, sim):
    """Types 3 and 6 (recurring, no fixed time): Zoom's registrant calls answer as for a meeting without
    registration — add 404 (code 404) 'Registration has not been enabled for this meeting: {id}', list/status
    300 'This meeting has not set registration as required: {id}' (the subset's documented answers), batch 303
    'This API can only be used for scheduled meeting(meeting type: 2)' — and the meeting has no registration_url,
    whatever approval_type says."""
    meeting = api.create(type=3, settings={'approval_type': 0})
    assert 'registration_url' not in meeting
    base = f'/meetings/{meeting["id"]}'
    resp = api.post(f'{base}/registrants', json={'email': 'r@example.com', 'first_name': 'R'})
    assert (resp.status_code, resp.json()['code']) == (404, 404)
    assert resp.json()['message'] == f'Registration has not been enabled for this meeting: {meeting["id"]}.'
    resp = api.get(f'{base}/registrants')
    assert (resp.status_code, resp.json()['code']) == (400, 300)
    # a scheduled meeting moved to "no fixed time" loses its registration too
    scheduled = _registration_meeting(api)
    assert 'registration_url' in scheduled
    assert api.patch(f'/meetings/{scheduled["id"]}', json={'type': 3}).status_code == 204
    assert 'registration_url' not in api.get(f'/meetings/{scheduled["id"]}').json()
    resp = api.post(f'/meetings/{scheduled["id"]}/registrants', json={'email': 'r@example.com', 'first_name': 'R'})
    assert (resp.status_code, resp.json()['code']) == (404, 404)


def test_daily_limit_per_registrant(api, sim):
    """Documented 429 of POST .../registrants and PUT .../registrants/status: 'You have exceeded the daily rate
    limit of "{0}" for Add meeting registrant API requests for the registrant "{1}". You can resume these API
    requests at GMT 00:00:00.' Counted per registrant and meeting; Retry-After names the next UTC midnight."""
    sim.configure(registrant_daily_limit=2)
    meeting = _registration_meeting(api)
    base = f'/meetings/{meeting["id"]}/registrants'
    for _ in range(2):
        assert api.post(base, json={'email': 'busy@example.com', 'first_name': 'B'}).status_code == 201
    resp = api.post(base, json={'email': 'BUSY@example.com', 'first_name': 'B'})
    assert resp.status_code == 429
    assert resp.json() == {'code': 429, 'message': 'You have exceeded the daily rate limit of "2" for Add meeting '
                                                   'registrant API requests for the registrant "BUSY@example.com". '
                                                   'You can resume these API requests at GMT 00:00:00.'}
    assert resp.headers['Retry-After'].endswith('T00:00:00Z')
    assert resp.headers['X-RateLimit-Type'] == 'Daily-limit'
    # another registrant of the same meeting, and the same person on another meeting, are not limited
    assert api.post(base, json={'email': 'other@example.com', 'first_name': 'O'}).status_code == 201
    second = _registration_meeting(api)
    assert _add(api, second, 'busy@example.com')['registrant_id']
    resp = api.request('PUT', f'{base}/status',
                       json={'action': 'cancel', 'registrants': [{'email': 'busy@example.com'}]})
    assert resp.status_code == 429 and "Update registrant's status" in resp.json()['message']
