"""Zoom's two kinds of meeting (meeting, webinar), their names for people and the Zoom ``type`` numbers of each."""

from indico_vc_zoom.i18n import _


MEETING = 'meeting'
WEBINAR = 'webinar'
#: Zoom meeting types: (scheduled, recurring without fixed time) per kind
ZOOM_TYPES = {MEETING: (2, 3), WEBINAR: (5, 6)}
WEBINAR_TYPES = {5, 6, 9}


def other_kind(kind):
    return WEBINAR if kind == MEETING else MEETING


def kind_label(kind):
    """"meeting" or "webinar" in the user's language (Zoom's own words)."""
    return _('webinar') if kind == WEBINAR else _('meeting')
