"""Dial-in (issue 20.1): telephone numbers and the numeric passcodes for phone and H.323."""

import json

import pytest


def _spec_number_keys(spec_path):
    with open(spec_path, encoding='utf-8') as f:
        spec = json.load(f)
    schema = spec['paths']['/meetings/{meetingId}']['get']['responses']['200']['content']['application/json']
    item = schema['schema']['properties']['settings']['properties']['global_dial_in_numbers']['items']
    return set(item['properties']), item['properties']['type']['enum']


def test_meeting_has_us_dial_in_numbers_by_default(api, spec_path):
    """settings.global_dial_in_numbers items are {city, country, country_name, number, type: toll|tollfree}."""
    meeting = api.create()
    settings = meeting['settings']
    assert settings['global_dial_in_countries'] == ['US']
    numbers = settings['global_dial_in_numbers']
    keys, types = _spec_number_keys(spec_path)
    assert numbers and all(set(n) == keys for n in numbers)
    assert {n['type'] for n in numbers} == set(types) == {'toll', 'tollfree'}
    assert all(n['country'] == 'US' and n['number'].startswith('+1 ') for n in numbers)
    assert any(n['city'] == 'New York' for n in numbers)
    assert api.get(f'/meetings/{meeting["id"]}').json()['settings']['global_dial_in_numbers'] == numbers


def test_chosen_countries_and_their_change(api):
    meeting = api.create(settings={'global_dial_in_countries': ['CH', 'DE']})
    numbers = meeting['settings']['global_dial_in_numbers']
    assert {n['country'] for n in numbers} == {'CH', 'DE'}
    assert {n['country_name'] for n in numbers} == {'Switzerland', 'Germany'}
    path = f'/meetings/{meeting["id"]}'
    assert api.patch(path, json={'settings': {'global_dial_in_countries': ['GB']}}).status_code == 204
    updated = api.get(path).json()['settings']
    assert updated['global_dial_in_countries'] == ['GB']
    assert [n['number'] for n in updated['global_dial_in_numbers']] == ['+44 2039017895', '+44 8000315717']


def test_webinar_dial_in(api):
    webinar = api.create('webinar', settings={'global_dial_in_countries': ['FR']})
    assert {n['country'] for n in webinar['settings']['global_dial_in_numbers']} == {'FR'}


@pytest.mark.parametrize('countries', [['USA'], ['us'], [1]])
def test_bad_country_codes(sim, api, countries):
    resp = api.post('/users/me/meetings', json={'settings': {'global_dial_in_countries': countries}})
    assert resp.status_code == 400
    assert resp.json()['errors'][0]['field'] == 'settings.global_dial_in_countries'


def test_phone_passcode_is_numeric_and_follows_the_passcode(api):
    """Zoom dials in with a numeric passcode: the meeting passcode when it is all digits, else a derived one."""
    meeting = api.create(password='Ab3*x')
    pstn = meeting['pstn_password']
    assert pstn.isdigit() and len(pstn) >= 6
    assert meeting['h323_password'] == pstn
    assert meeting['encrypted_password'] and meeting['join_url'].endswith(f'pwd={meeting["encrypted_password"]}')
    path = f'/meetings/{meeting["id"]}'
    assert api.get(path).json()['pstn_password'] == pstn  # stable
    api.patch(path, json={'password': '987654'})
    changed = api.get(path).json()
    assert changed['pstn_password'] == changed['h323_password'] == '987654'
    assert changed['encrypted_password'] != meeting['encrypted_password']
    api.patch(path, json={'password': ''})
    cleared = api.get(path).json()
    assert (cleared['pstn_password'], cleared['h323_password'], cleared['encrypted_password']) == ('', '', '')


def test_dial_in_passes_strict_mode(zoom_sim, make_api, get_token, spec_path):
    zoom_sim.configure(spec=spec_path)
    api = make_api(get_token())
    for kind in ('meeting', 'webinar'):
        resp = api.post(f'/users/me/{kind}s', json={'topic': 't', 'settings': {'global_dial_in_countries': ['US']}})
        assert resp.status_code == 201, resp.text
