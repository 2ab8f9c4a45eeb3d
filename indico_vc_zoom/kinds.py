"""Zoom's two kinds of meeting (meeting, webinar) and the Zoom ``type`` numbers of each."""


MEETING = 'meeting'
WEBINAR = 'webinar'
#: Zoom meeting types: (scheduled, recurring without fixed time) per kind
ZOOM_TYPES = {MEETING: (2, 3), WEBINAR: (5, 6)}
WEBINAR_TYPES = {5, 6, 9}


def other_kind(kind):
    return WEBINAR if kind == MEETING else MEETING
