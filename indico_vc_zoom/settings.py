"""The plugin's settings: their defaults and the one proxy every module reads them through.

This module sits at the bottom of the package: anything may import it, it imports nothing of ours but the
visibility modes. ``ZoomPlugin.settings`` *is* :data:`zoom_settings`, so the admin form, scripts and the code
read and write the same rows (module ``plugin_vc_zoom``), exactly as Indico's own per-plugin proxy would.
"""

from indico.core.settings import SettingsProxy
from indico.modules.vc import VCPluginMixin

from indico_vc_zoom.visibility import LOGGED_IN


#: Indico's settings module name for the plugin ``vc_zoom`` (what ``IndicoPlugin.settings`` would use)
SETTINGS_MODULE = 'plugin_vc_zoom'
DEFAULT_API_URL = 'https://api.zoom.us/v2'
DEFAULT_OAUTH_URL = 'https://zoom.us/oauth/token'
#: the settings a Zoom client is built from
CLIENT_SETTINGS = ('account_id', 'client_id', 'client_secret', 'api_key', 'api_secret', 'api_url', 'oauth_url',
                   'read_timeout')

DEFAULT_SETTINGS = VCPluginMixin.default_settings | {
    'account_id': '',
    'client_id': '',
    'client_secret': '',
    'api_key': '',
    'api_secret': '',
    'api_url': DEFAULT_API_URL,
    'oauth_url': DEFAULT_OAUTH_URL,
    'assistant_id': '',
    'email_domains': [],
    'identity_provider': '',
    'enterprise_domain': '',
    'webhook_token': '',
    'webhook_legacy_token': False,
    'allow_webinars': False,
    'allow_registration': False,
    'passcode_length': 10,
    'default_visibility': LOGGED_IN,
    'waiting_room': False,
    'mute_audio': True,
    'mute_host_video': True,
    'mute_participant_video': True,
    'join_before_host': True,
    # the reconcile (periodic task, `indico zoom refresh`) stays under this many Zoom calls per second
    'reconcile_calls_per_second': 10,
    'show_dial_in': True,
    # seconds to wait for one Zoom answer, and for all the Zoom calls of one user action (a dialog, a button)
    'read_timeout': 15,
    'action_time_limit': 20,
}
#: settings stored as ACLs (Indico's VC framework: who manages the service, who may create meetings)
ACL_SETTINGS = frozenset(VCPluginMixin.acl_settings)

zoom_settings = SettingsProxy(SETTINGS_MODULE, DEFAULT_SETTINGS, strict=True, acls=ACL_SETTINGS)
