"""Who may see a meeting's join link: the one decision every surface (pages, iCal, API, e-mails) asks.

Templates never decide on their own; they receive a :class:`JoinLinkAccess` and print only what it holds, so
hidden data is absent from the response bytes rather than hidden by CSS or JavaScript. Nobody sees the link of a
meeting linked to something they cannot access (the event, a contribution, a session block), whatever its
visibility says. What the decision asks Indico about the viewer (access, management, registration, identity) is
the same for every meeting of a page, so it is asked once per request (``request_cache.py``).
"""

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from indico.modules.vc.models.vc_rooms import VCRoomLinkType, VCRoomStatus

from indico_vc_zoom.dialin import DialIn, dial_in_of
from indico_vc_zoom.registration.config import is_registration_mode
from indico_vc_zoom.registration.links import personal_join_url
from indico_vc_zoom.request_cache import request_cached
from indico_vc_zoom.settings import zoom_settings
from indico_vc_zoom.visibility import EVERYONE, LOGGED_IN, NO_ONE, REGISTERED, VISIBILITY_CHOICES, VISIBILITY_MODES


# the visibility modes are part of this module's API: callers ask one module about the join link
__all__ = ['EVERYONE', 'INACCESSIBLE', 'LOGGED_IN', 'NO_ONE', 'NOTHING', 'REGISTERED', 'VISIBILITY_CHOICES',
           'VISIBILITY_MODES', 'JoinLinkAccess', 'RecordingAccess', 'can_access_linked', 'full_access',
           'get_visibility', 'is_privileged', 'join_link_access', 'recording_access', 'recording_visibility',
           'strip_passcode', 'visibility_labels']


@dataclass(frozen=True)
class JoinLinkAccess:
    """What a viewer may see of one meeting association. ``None`` means: must not appear anywhere."""

    #: the full join link, passcode embedded (``pwd=``)
    join_url: str | None = None
    #: the meeting passcode
    passcode: str | None = None
    #: the join link with the passcode removed
    public_url: str | None = None
    #: phone dial-in (numbers, meeting ID and, with the full link, the phone passcode): it lets anyone join, so
    #: it is given exactly with a link; ``None`` also when the admins switched it off
    dial_in: DialIn | None = None
    #: whether the viewer may access what the meeting is linked to (and its event); surfaces that list meetings
    #: leave out those of objects the viewer cannot access
    linked_object_access: bool = True

    @property
    def full(self):
        return self.join_url is not None

    @property
    def link(self):
        """The best link this viewer may follow, or ``None``."""
        return self.join_url or self.public_url


NOTHING = JoinLinkAccess()
#: the viewer cannot access the event or the contribution/session block the meeting is linked to
INACCESSIBLE = JoinLinkAccess(linked_object_access=False)


@lru_cache(maxsize=4096)  # a pure function of the URL, asked for every meeting of every page
def strip_passcode(url):
    """Remove the ``pwd`` query parameter from a Zoom join URL."""
    if not url:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != 'pwd']
    return urlunsplit(parts._replace(query=urlencode(query)))


def get_visibility(event_vc_room):
    mode = (event_vc_room.data or {}).get('password_visibility')
    return mode if mode in VISIBILITY_MODES else zoom_settings.get('default_visibility')


def visibility_labels():
    """``{mode: label}`` in the viewer's language, translated once per request (pages show one per meeting)."""
    return request_cached(('visibility labels',), lambda: {mode: str(label) for mode, label in VISIBILITY_CHOICES})


def _can_access(user, obj):
    return request_cached(('can_access', user, obj), lambda: obj.can_access(user))


def _can_manage(user, event):
    return request_cached(('can_manage', user, event), lambda: event.can_manage(user))


def _can_manage_vc(user, plugin):
    return request_cached(('can_manage_vc', user, plugin), lambda: plugin.can_manage_vc(user))


def _is_registered(user, event):
    return request_cached(('is_user_registered', user, event), lambda: event.is_user_registered(user))


def _identifier(user):
    # Indico 3.3 signs the identifier (an HMAC per call)
    return request_cached(('identifier', user), lambda: user.identifier)


def is_privileged(user, event_vc_room):
    """Event managers, the meeting's host and Zoom service managers see everything of what they can access."""
    if user is None:
        return False
    vc_room = event_vc_room.vc_room
    if vc_room.data.get('host') == _identifier(user):
        return True
    if _can_manage(user, event_vc_room.event):
        return True
    return bool(vc_room.plugin and _can_manage_vc(user, vc_room.plugin))


def _mode_allows(mode, user, event):
    if mode == EVERYONE:
        return True
    if mode == LOGGED_IN:
        return user is not None
    if mode == REGISTERED:
        return user is not None and _is_registered(user, event)
    return False


def full_access(event_vc_room):
    data = event_vc_room.vc_room.data or {}
    if event_vc_room.vc_room.status == VCRoomStatus.deleted or not data.get('join_url'):
        return NOTHING
    return JoinLinkAccess(join_url=data['join_url'], passcode=data.get('password'),
                          public_url=strip_passcode(data['join_url']), dial_in=dial_in_of(data))


def can_access_linked(user, event_vc_room):
    """Whether ``user`` may access the event and the contribution / session block the meeting is linked to.

    Both are asked: an explicitly protected contribution's ACL grants access regardless of its event's.
    """
    event = event_vc_room.event
    if not _can_access(user, event):
        return False
    if event_vc_room.link_type == VCRoomLinkType.event and event_vc_room.linked_event_id == event_vc_room.event_id:
        return True  # linked to the event itself (most links): no need to load the linked object
    link_object = event_vc_room.link_object
    return link_object is event or link_object is None or _can_access(user, link_object)


def join_link_access(user, event_vc_room):
    """Decide what ``user`` (``None`` = anonymous or unknown recipient) may see of this association's link."""
    if not can_access_linked(user, event_vc_room):
        return INACCESSIBLE
    access = full_access(event_vc_room)
    if access is NOTHING:
        return NOTHING
    if is_privileged(user, event_vc_room):
        return access
    if is_registration_mode(event_vc_room.vc_room):
        return registrant_access(user, event_vc_room)
    if _mode_allows(get_visibility(event_vc_room), user, event_vc_room.event):
        return access
    if (event_vc_room.data or {}).get('public_link'):
        # like the link, the phone details come without the passcode
        return JoinLinkAccess(public_url=access.public_url,
                              dial_in=access.dial_in.without_passcode() if access.dial_in else None)
    return NOTHING


def registrant_access(user, event_vc_room):
    """Registration mode: a registrant gets their own personal link only, never the general one; others nothing."""
    personal = personal_join_url(user, event_vc_room)
    return JoinLinkAccess(join_url=personal, public_url=personal) if personal else NOTHING


# --- recordings: the same rules as the join link, with a visibility of their own --------------------------------

@dataclass(frozen=True)
class RecordingAccess:
    """What a viewer may see of one cloud recording; ``None`` fields must not appear anywhere."""

    share_url: str | None = None
    passcode: str | None = None

    @property
    def visible(self):
        return self.share_url is not None


def recording_visibility(event_vc_room, recording):
    """The recording's own visibility mode, or (by default) the join link's."""
    return recording.visibility if recording.visibility in VISIBILITY_MODES else get_visibility(event_vc_room)


def _shown_at_all(event_vc_room, recording):
    return (recording.published and not recording.removed and recording.share_url
            and recording.vc_room_id == event_vc_room.vc_room_id
            and event_vc_room.vc_room.status != VCRoomStatus.deleted)


def recording_access(user, event_vc_room, recording):
    """Decide what ``user`` (``None`` = anonymous or unknown recipient) may see of a recording of this association.

    Only a published, not removed recording of a live room is shown, to whom may access what the meeting is linked
    to and whom its visibility allows; privileged viewers see it whatever the visibility (not unpublished ones:
    managers publish them on the management page, which lists them all).
    """
    if not _shown_at_all(event_vc_room, recording):
        return RecordingAccess()
    if not can_access_linked(user, event_vc_room):
        return RecordingAccess()
    if is_privileged(user, event_vc_room) or _mode_allows(recording_visibility(event_vc_room, recording), user,
                                                          event_vc_room.event):
        return RecordingAccess(share_url=recording.share_url, passcode=recording.passcode)
    return RecordingAccess()
