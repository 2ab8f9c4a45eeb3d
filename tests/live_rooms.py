"""Creates Zoom rooms in a live instance through the plugin's own create hook (run with its INDICO_CONFIG).

``python tests/live_rooms.py COUNT EVENT_ID OUT.json``: COUNT meetings are created on the instance's Zoom
simulator and linked to the event, as the create dialog does; their room ids and Zoom ids go to OUT.json.
"""

import json
import sys
from pathlib import Path


def create_rooms(count, event_id):
    from indico.core import signals
    from indico.core.db import db
    from indico.core.plugins import plugin_engine
    from indico.modules.events.models.events import Event
    from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomEventAssociation, VCRoomStatus

    plugin = plugin_engine.get_plugin('vc_zoom')
    event = Event.get(event_id)
    creator = event.creator
    created = []
    for i in range(count):
        vc_room = VCRoom(type='zoom', status=VCRoomStatus.created, name=f'Load meeting {i}', created_by_user=creator,
                         data={'description': '', 'password': '12345678', 'host': creator.identifier,
                               'meeting_type': 'meeting', 'waiting_room': False, 'mute_audio': False,
                               'mute_host_video': False, 'mute_participant_video': False,
                               'join_before_host': False})
        VCRoomEventAssociation(vc_room=vc_room, linked_event=event, show=True,
                               data={'password_visibility': 'everyone', 'public_link': False})
        with plugin.plugin_context():
            plugin.create_room(vc_room, event)
        db.session.commit()
        signals.core.after_process.send()  # as at the end of a request: the meeting is saved, not an orphan
        created.append({'vc_room_id': vc_room.id, 'zoom_id': vc_room.data['zoom_id']})
    return created


def main(count, event_id, out):
    from indico.web.flask.app import make_app

    app = make_app()
    with app.app_context():
        base_url = app.config['INDICO']['BASE_URL']
    with app.test_request_context(base_url=base_url):
        rooms = create_rooms(count, event_id)
    Path(out).write_text(json.dumps(rooms))


if __name__ == '__main__':
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
