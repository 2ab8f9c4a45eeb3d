"""Entries about Zoom meetings in the event log (who did what to which meeting)."""

from flask import session
from indico.modules.logs.models.entries import EventLogRealm


#: the service name shown in the log entries (the plugin's friendly name)
SERVICE = 'Zoom'


def log_action(event, kind, summary, vc_room, data=None):
    """Log ``summary`` (``{}`` is the meeting's name) in ``event``'s management log, by the acting user."""
    user = session.user if session and session.user else None
    event.log(EventLogRealm.management, kind, 'Videoconference', summary.format(vc_room.name), user,
              data={'Service': SERVICE, **(data or {})})
