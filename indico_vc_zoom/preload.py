"""What Indico's Videoconference management page reads for each listed meeting, loaded in one go before the list.

Indico's ``vc/manage_event.html`` counts every room's links (``vc_room.events | count``) and our hooks read the
other events of shared meetings and each meeting's host: lazily, that is one query per meeting (and per shared
event and host). The page has no hook before its query, but one before its list (``before-vc-list``): there the
plugin loads all rooms of the event with their links, the links' events and linked objects, and the hosts, in a
fixed number of queries. The rooms are already in the session (Indico's query), so SQLAlchemy fills their unloaded
``events`` collections from ours and the rows that follow need no query.
"""

from indico.modules.users import User
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomEventAssociation
from sqlalchemy.orm import joinedload, selectinload

from indico_vc_zoom.request_cache import request_cached


def _host_user_id(identifier):
    # 'User:<id>' (Indico 3.2) or 'User:<id>:<signature>' (3.3); anything else is not preloaded
    parts = (identifier or '').split(':')
    return int(parts[1]) if len(parts) >= 2 and parts[0] == 'User' and parts[1].isdigit() else None


def preload_management_list(event, service_name):
    """Load the event's meetings with what each row of the list reads; kept alive for the rest of the request."""
    def _load():
        link_options = (joinedload(VCRoomEventAssociation.event), joinedload(VCRoomEventAssociation.linked_contrib),
                        joinedload(VCRoomEventAssociation.linked_block))
        rooms = (VCRoom.query
                 .filter(VCRoom.type == service_name,
                         VCRoom.events.any(VCRoomEventAssociation.event_id == event.id))
                 .options(selectinload(VCRoom.events).options(*link_options))
                 .all())
        host_ids = {_host_user_id(room.data.get('host')) for room in rooms} - {None}
        # the session holds loaded objects weakly: keep the hosts referenced so the rows find them loaded
        hosts = User.query.filter(User.id.in_(host_ids)).all() if host_ids else []
        return rooms, hosts

    request_cached(('preloaded management list', event), _load)
