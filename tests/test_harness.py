"""Proof that the harness is real: the plugin is loaded in the test app and the database is PostgreSQL."""

from indico.core.plugins import plugin_engine
from indico.modules.vc import VCPluginMixin
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomEventAssociation, VCRoomStatus
from indico.modules.vc.util import get_vc_plugins


def test_plugin_is_loaded_as_vc_plugin(app):
    plugin = plugin_engine.get_plugin('vc_zoom')
    assert plugin is not None, 'vc_zoom not loaded: is the package pip-installed with its entry point?'
    assert isinstance(plugin, VCPluginMixin)
    assert plugin.friendly_name == 'Zoom'
    assert get_vc_plugins()['zoom'] is plugin


def test_database_round_trip(db, dummy_event, dummy_user):
    assert db.engine.dialect.name == 'postgresql'
    vc_room = VCRoom(type='zoom', name='Harness room', status=VCRoomStatus.created, created_by_user=dummy_user,
                     data={'zoom_id': 81234567890})
    assoc = VCRoomEventAssociation(vc_room=vc_room, link_object=dummy_event, show=True, data={})
    db.session.add(assoc)
    db.session.flush()
    db.session.expire_all()

    stored = VCRoomEventAssociation.query.filter_by(event_id=dummy_event.id).one()
    assert stored.vc_room.name == 'Harness room'
    assert stored.vc_room.data['zoom_id'] == 81234567890
    assert stored.vc_room.plugin is plugin_engine.get_plugin('vc_zoom')
    assert VCRoomEventAssociation.find_for_event(dummy_event).count() == 1
