"""Where Indico hooks in: the VC plugin class, whose hooks delegate to the capability modules."""

from functools import partial
from pathlib import Path

from flask import request
from indico.core import signals
from indico.core.plugins import IndicoPlugin, render_plugin_template, url_for_plugin
from indico.modules.vc import VCPluginMixin
from indico.modules.vc.models.vc_rooms import VCRoom
from indico.web.util import inject_js
from markupsafe import Markup
from sqlalchemy.event import listen

from indico_vc_zoom import (
    alternative_hosts,
    attendance,
    budget,
    checkin,
    event_page,
    forms,
    hosts,
    live_status,
    orphans,
    preload,
    recordings,
    rooms,
    schedule,
    scopes,
    surfaces,
    tasks,
)
from indico_vc_zoom.blueprint import blueprint
from indico_vc_zoom.cli import cli
from indico_vc_zoom.compat import BUTTON_CLASSES
from indico_vc_zoom.i18n import script_gettext
from indico_vc_zoom.kinds import kind_label
from indico_vc_zoom.notifications import host_emails
from indico_vc_zoom.protection import (
    full_access,
    get_visibility,
    join_link_access,
    recording_visibility,
    visibility_labels,
)
from indico_vc_zoom.registration import cloning
from indico_vc_zoom.registration import hooks as registration
from indico_vc_zoom.registration.commands import sync_registrants_command
from indico_vc_zoom.request_cache import request_cached, request_user
from indico_vc_zoom.settings import DEFAULT_SETTINGS, zoom_settings
from indico_vc_zoom.visibility import VISIBILITY_CHOICES


class ZoomPlugin(VCPluginMixin, IndicoPlugin):
    """Zoom

    Zoom meetings and webinars for Indico events: create them from an event's Videoconference page, share
    them across events, choose or change their host, and show the join link only to whom it may concern.
    """

    configurable = True
    friendly_name = 'Zoom'
    settings_form = forms.PluginSettingsForm
    vc_room_form = forms.VCRoomForm
    vc_room_attach_form = forms.VCRoomAttachForm
    default_settings = DEFAULT_SETTINGS
    #: the very proxy every module reads (same rows Indico's own per-plugin proxy would use)
    settings = zoom_settings

    def init(self):
        super().init()
        surfaces.connect(self)
        registration.connect(self)
        self.connect(signals.core.after_process, lambda sender, **kw: orphans.flush_or_delete_orphans())
        self.connect(signals.event.times_changed, self._times_changed)
        self.connect(signals.plugin.cli, self._extend_indico_cli)
        listen(VCRoom.events, 'remove', self._association_removed)
        self.template_hook('plugin-details', self._render_call_budget)
        self.template_hook('plugin-details', self._render_scope_report)
        tasks.connect()  # importing tasks registers them; their sending waits for the commit
        self.template_hook('before-vc-list', self._before_management_list)
        # published recordings next to the join button wherever Indico draws VC buttons (its hooks, not our templates)
        # (on the event pages, event_page.py draws the recording buttons in the join button's toolbar itself)
        self.template_hook('event-timetable-vc-extra-buttons', partial(self._render_recording_buttons, 'join_small'))

    def _extend_indico_cli(self, sender, **kwargs):
        cli.add_command(sync_registrants_command)
        return cli

    def _render_scope_report(self, plugin, **kwargs):
        # the hook runs on every plugin's settings page: only ours gets the scope table
        return scopes.render_settings_report() if plugin.name == self.name else None

    # Indico's list templates read these once per meeting: one URL building per request
    @property
    def logo_url(self):
        return request_cached(('logo_url',), lambda: url_for_plugin(self.name + '.static',
                                                                      filename='images/zoom_logo.svg'))

    @property
    def icon_url(self):
        return request_cached(('icon_url',), lambda: url_for_plugin(self.name + '.static',
                                                                      filename='images/zoom_icon.svg'))

    def get_blueprints(self):
        return blueprint

    # --- forms ----------------------------------------------------------------------------------------------

    def get_vc_room_form_defaults(self, event):
        return super().get_vc_room_form_defaults(event) | forms.new_room_defaults(event)

    def get_vc_room_attach_form_defaults(self, event):
        return super().get_vc_room_attach_form_defaults(event) | forms.new_link_defaults()

    def create_form(self, event, existing_vc_room=None, existing_event_vc_room=None):
        if existing_vc_room is None or existing_event_vc_room is None:
            return super().create_form(event)
        if request.method == 'GET':
            rooms.refresh_before_edit(existing_vc_room, event)
        defaults = forms.edit_form_defaults(existing_vc_room, existing_event_vc_room)
        with self.plugin_context():
            return self.vc_room_form(prefix='vc-', obj=defaults, event=event, vc_room=existing_vc_room)

    def render_form(self, **kwargs):
        html = super().render_form(**kwargs)
        # Inline scripts of the dialog HTML run while the dialog is still detached from the page (the form is not
        # found and the dialog shows its HTML as text); injected JS runs once the dialog is in the page.
        script = (Path(__file__).parent / 'client' / 'passcode.js').read_text()
        length = int(self.settings.get('passcode_length'))
        inject_js(Markup('<script>document.querySelector(\'#vc-room-form[data-vc-type="zoom"]\')'
                         '.dataset.passcodeLength = {};\n{}({});</script>').format(
            length, Markup(script), Markup(script_gettext(script))))
        return html

    def update_data_vc_room(self, vc_room, data, is_new=False):
        super().update_data_vc_room(vc_room, data, is_new=is_new)
        rooms.store_room_data(vc_room, data, is_new)

    def update_data_association(self, event, vc_room, event_vc_room, data):
        is_attach = event_vc_room.id is None and vc_room.id is not None
        if is_attach:
            registration.check_attach(vc_room, event)
        link_changed = super().update_data_association(event, vc_room, event_vc_room, data)
        rooms.store_link_data(event_vc_room, data)
        if is_attach and not rooms.is_duplicate_attach(event, vc_room, event_vc_room):
            rooms.attached(self, event, vc_room, event_vc_room)
        return link_changed  # Indico 3.3 sends its attached/detached signals on it (see compat.py)

    #: the classes of our buttons match the Indico line's page style
    button_classes = BUTTON_CLASSES

    # --- the room lifecycle: see rooms.py ---------------------------------------------------------------------

    def create_room(self, vc_room, event):
        rooms.create(vc_room, event)
        registration.room_saved(vc_room)

    def update_room(self, vc_room, event):
        rooms.update(self, vc_room, event)
        registration.room_saved(vc_room)

    def delete_room(self, vc_room, event):
        rooms.delete(vc_room, event)

    def refresh_room(self, vc_room, event):
        rooms.refresh(vc_room)

    def clone_room(self, old_event_vc_room, link_object):
        if registration.clone_needs_new_meeting(old_event_vc_room):
            # a meeting with registration serves one event: the clone gets a new one (Indico is given nothing,
            # as it would link what it gets to the old meeting)
            cloning.clone_with_new_meeting(old_event_vc_room, link_object)
            return None
        clone = super().clone_room(old_event_vc_room, link_object)
        clone.data = dict(old_event_vc_room.data or {})
        schedule.make_recurring(old_event_vc_room.vc_room)
        return clone

    def _times_changed(self, sender, obj, **kwargs):
        schedule.follow_times(obj, self.service_name)

    def _before_management_list(self, event, **kwargs):
        preload.preload_management_list(event, self.service_name)  # renders nothing

    def _association_removed(self, vc_room, assoc, initiator):
        rooms.detached(self, vc_room, assoc)

    def get_notification_cc_list(self, action, vc_room, event):
        return host_emails(vc_room)

    def get_extra_delete_msg(self, vc_room, event_vc_room):
        return rooms.extra_delete_message(vc_room, event_vc_room)

    # --- rendering: every surface goes through join_link_access ---------------------------------------------

    def access_for(self, event_vc_room, user=None):
        """What the current user (or ``user``) may see of the join link; templates call this."""
        return join_link_access(user or request_user(), event_vc_room)

    def manager_access(self, event_vc_room):
        """This plugin's e-mails go to the acting manager, the host and the admins' addresses only."""
        return full_access(event_vc_room)

    def visibility_label(self, event_vc_room):
        return visibility_labels()[get_visibility(event_vc_room)]

    def kind_label(self, vc_room):
        return kind_label((vc_room.data or {}).get('meeting_type'))

    def meeting_time(self, vc_room, event):
        return schedule.meeting_time(vc_room, event)

    def host_name(self, vc_room):
        return hosts.host_name(vc_room)

    # --- hosts: alternative hosts, user merges, the assistant's daily budget (hosts.py, budget.py) ------------

    def alternative_host_names(self, vc_room):
        return hosts.alternative_host_names(vc_room)

    def offers_alternative_host(self, vc_room):
        return alternative_hosts.offers_alternative_host(vc_room, request_user())

    def offers_registrant_sync(self, vc_room):
        return registration.offers_sync(vc_room)

    def registrant_counts(self, vc_room):
        return registration.registrant_counts(vc_room) if registration.offers_sync(vc_room) else None

    def _merge_users(self, target, source, **kwargs):
        super()._merge_users(target, source, **kwargs)
        hosts.follow_merge(target, source, self.service_name)

    def _render_call_budget(self, plugin, **kwargs):
        if plugin != self or not hosts.assistant_account():
            return ''
        return render_plugin_template('call_budget.html', usage=budget.usage(hosts.assistant_account()))

    # --- meeting runs: live status and recordings (live_status.py, recordings.py) ------------------------------

    visibility_choices = VISIBILITY_CHOICES

    def live_status(self, vc_room, event):
        return live_status.describe(vc_room, event)

    def recordings_for(self, event_vc_room, user=None):
        """``(recording, access)`` the current user (or ``user``) may see; templates call this."""
        return recordings.shown_recordings(user or request_user(), event_vc_room)

    def manager_recordings(self, vc_room, event):
        return recordings.room_recordings(vc_room, event)

    def zoom_checkins(self, vc_room, event):
        return checkin.room_checkins(vc_room, event)

    def attendance_reports(self, vc_room, event):
        return attendance.room_reports(vc_room, event)

    def attendance_label(self, report, event):
        return attendance.label(report, event.tzinfo)

    def attendance_problem(self, report):
        return attendance.problem(report)

    def attendance_rows(self, report, event):
        return attendance.table_rows(report, event.tzinfo)

    def recording_label(self, recording, event):
        return recordings.label(recording, event)

    def recording_visibility_label(self, event_vc_room, recording):
        return visibility_labels()[recording_visibility(event_vc_room, recording)]

    def _render_recording_buttons(self, size, event_vc_room, **kwargs):
        if event_vc_room.vc_room.type != self.service_name:
            return None
        shown = self.recordings_for(event_vc_room)
        if not shown:
            return None
        return render_plugin_template('recording_buttons.html', plugin=self, event_vc_room=event_vc_room,
                                      shown=shown, button_class=BUTTON_CLASSES[size])

    def render_info_box(self, vc_room, event_vc_room, event, **kwargs):
        # called per meeting by Indico's list templates: macros of one module per request (event_page.py)
        return event_page.info_box(self, vc_room, event_vc_room, event, kwargs.get('access'))

    def render_manage_event_info_box(self, vc_room, event_vc_room, event, **kwargs):
        kwargs.setdefault('access', join_link_access(request_user(), event_vc_room))
        return super().render_manage_event_info_box(vc_room, event_vc_room, event, **kwargs)

    def render_buttons(self, vc_room, event_vc_room, **kwargs):
        kwargs.setdefault('access', join_link_access(request_user(), event_vc_room))
        return super().render_buttons(vc_room, event_vc_room, **kwargs)

    def render_event_buttons(self, vc_room, event_vc_room, **kwargs):
        return event_page.event_buttons(self, vc_room, event_vc_room, kwargs.get('access'))
