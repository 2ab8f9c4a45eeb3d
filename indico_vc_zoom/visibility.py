"""The join-link visibility modes a meeting link can have, and their labels."""

from indico_vc_zoom.i18n import _


EVERYONE = 'everyone'
LOGGED_IN = 'logged_in'
REGISTERED = 'registered'
NO_ONE = 'no_one'
VISIBILITY_MODES = (EVERYONE, LOGGED_IN, REGISTERED, NO_ONE)
VISIBILITY_CHOICES = [(EVERYONE, _('Everyone')),
                      (LOGGED_IN, _('Logged-in users')),
                      (REGISTERED, _('Registered participants')),
                      (NO_ONE, _('No one (only managers and the host)'))]
