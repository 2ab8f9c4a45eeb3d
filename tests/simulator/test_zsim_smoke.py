def test_smoke(api, sim):
    assert api.get('/users/me').status_code == 200
    assert sim.strict is False
