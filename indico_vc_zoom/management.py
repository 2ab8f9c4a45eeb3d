"""The base of the plugin's own event-management endpoints about one meeting link (VC managers of the event only)."""

from flask import request, session
from indico.modules.events.management.controllers import RHManageEventBase
from indico.modules.vc.models.vc_rooms import VCRoomEventAssociation
from werkzeug.exceptions import Forbidden, NotFound


class RHManageZoomLink(RHManageEventBase):
    """``/event/<event_id>/manage/videoconference/<service>/<event_vc_room_id>/…``: one link of this event."""

    def _process_args(self):
        RHManageEventBase._process_args(self)
        self.event_vc_room = VCRoomEventAssociation.get_or_404(request.view_args['event_vc_room_id'])
        self.vc_room = self.event_vc_room.vc_room
        if self.event_vc_room.event != self.event or self.vc_room.type != request.view_args['service']:
            raise NotFound

    def _check_access(self):
        RHManageEventBase._check_access(self)
        if not self.vc_room.plugin.can_manage_vc_rooms(session.user, self.event):
            raise Forbidden
