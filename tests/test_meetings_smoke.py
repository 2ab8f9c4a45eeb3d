from datetime import timedelta

from indico.modules.vc.models.vc_rooms import VCRoom
from indico.util.date_time import now_utc


def test_create_meeting_smoke(db, smtp, zoom_plugin, zoom_host, create_event, login, zoom_sim):
    event = create_event(10, start_dt=now_utc() + timedelta(days=2), end_dt=now_utc() + timedelta(days=2, hours=2))
    event.update_principal(zoom_host, full_access=True)
    db.session.flush()
    client = login(zoom_host)
    url = f'/event/{event.id}/manage/videoconference/zoom/create'
    resp = client.get(url)
    assert resp.status_code == 200, resp.data
    resp = client.post(url, {
        'vc-name': 'My meeting', 'vc-description': 'desc', 'vc-password': '12345678',
        'vc-password_visibility': 'logged_in', 'vc-host_choice': 'myself', 'vc-linking': 'event',
        'vc-show': 'y', 'vc-meeting_type': 'meeting',
    })
    assert resp.status_code == 200, resp.data
    print(resp.json)
    room = VCRoom.query.filter_by(name='My meeting').one()
    print(room.data)
    print(zoom_sim.requests())
    assert zoom_sim.meetings()[0]['topic'] == 'My meeting'
