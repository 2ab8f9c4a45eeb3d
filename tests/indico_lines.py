"""What the tests must know about the Indico line they run on (3.2 or 3.3): Indico's own texts and models differ.

One place for every test-side difference; the plugin's own differences are in ``indico_vc_zoom/compat.py``.
"""

from indico_vc_zoom.compat import INDICO_33


if INDICO_33:
    from indico.modules.events.reminders.models.reminders import ReminderType

    #: Indico 3.3 reminders have a type (standard or custom text); 3.2 has only the standard one
    STANDARD_REMINDER = {'reminder_type': ReminderType.standard}
else:
    STANDARD_REMINDER = {}

#: the conference home page's videoconference box: 3.2 an "action box", 3.3 a Semantic UI segment list
CONFERENCE_HOME_BOX = 'class="vc-room-list attached"' if INDICO_33 else 'There is a videoconference for this event.'

#: Indico's own texts on the Videoconference management page (3.3 says "videoconference" where 3.2 says "room")
CORE_TEXT = {
    'create_button': 'Create Zoom videoconference' if INDICO_33 else 'Create Zoom room',
    'attach_link': 'Add existing one' if INDICO_33 else 'Add existing room',
    'created': "Zoom videoconference '{}' created" if INDICO_33 else "Zoom room '{}' created",
    'updated': "Zoom videoconference '{}' updated" if INDICO_33 else "Zoom room '{}' updated",
    'attached': ('The videoconference has been attached to the event.' if INDICO_33
                 else 'The room has been attached to the event.'),
}
