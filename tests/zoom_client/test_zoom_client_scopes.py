"""Granted scopes of the current token and the typed error for a missing scope (issue 20.2)."""

import pytest

from indico_vc_zoom.zoom import MemoryCache, ZoomAuthError, ZoomClient, ZoomScopeMissing

from .conftest import MEETING, token_calls


def test_granted_scopes_of_the_token(client, zoom_sim):
    zoom_sim.configure(scopes=['meeting:read:admin', 'meeting:write:admin'])
    assert client.granted_scopes() == frozenset({'meeting:read:admin', 'meeting:write:admin'})
    assert len(token_calls(zoom_sim)) == 1
    assert client.granted_scopes() == frozenset({'meeting:read:admin', 'meeting:write:admin'})
    assert len(token_calls(zoom_sim)) == 1  # the cached token's scopes, no new token


def test_scopes_come_with_a_shared_cached_token(make_s2s, zoom_sim):
    zoom_sim.configure(scopes=['user:read:admin'])
    cache = MemoryCache()
    ZoomClient(make_s2s(cache=cache)).get_user('me')
    other = ZoomClient(make_s2s(cache=cache))
    assert other.granted_scopes() == frozenset({'user:read:admin'})
    assert len(token_calls(zoom_sim)) == 1


def test_default_scopes(client):
    scopes = client.granted_scopes()
    assert {'meeting:write:admin', 'webinar:write:admin', 'user:read:admin', 'recording:read:admin'} <= scopes


def test_jwt_app_scopes_are_unknown(jwt_client):
    assert jwt_client.granted_scopes() is None


def test_missing_scope_is_typed_with_the_scopes_parsed(client, host, zoom_sim):
    """Zoom: 400 code 4711 'Invalid access token, does not contain scopes:[meeting:write:admin, meeting:write].'"""
    zoom_sim.configure(scopes=['user:read:admin'])
    with pytest.raises(ZoomScopeMissing) as exc_info:
        client.create_meeting(host, MEETING)
    err = exc_info.value
    assert isinstance(err, ZoomAuthError)
    assert (err.status_code, err.code) == (400, 4711)
    assert err.missing_scopes == ['meeting:write:admin', 'meeting:write']
    assert 'meeting:write:admin' in str(err)
    assert zoom_sim.meetings() == []
    # not retried: a missing scope does not go away with a new token
    assert len([r for r in zoom_sim.requests() if r['method'] == 'POST']) == 1
