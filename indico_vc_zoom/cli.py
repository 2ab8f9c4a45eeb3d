"""``indico zoom …``: admin commands (check the credentials, bring stored meetings in line with Zoom)."""

import click
from indico.cli.core import cli_group
from indico.core.db import db
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomStatus

from indico_vc_zoom import meetings, scopes
from indico_vc_zoom.connection import get_client
from indico_vc_zoom.settings import zoom_settings
from indico_vc_zoom.zoom.errors import ZoomError, ZoomNotFound


@cli_group(name='zoom')
def cli():
    """Manage the Zoom videoconference plugin."""


@cli.command()
def check():
    """Check the configured credentials, and that the Zoom app has the scopes of every feature in use."""
    try:
        client = get_client()
        client.check_credentials()
    except ZoomError as exc:
        click.secho(f'Zoom refused the configured credentials: {exc}', fg='red')
        raise SystemExit(1)
    click.secho(f'Credentials accepted; API at {client.base_url}', fg='green')
    report = scopes.check_scopes(client, zoom_settings.get_all())
    for line, ok in scopes.report_lines(report):
        click.secho(line, fg=None if ok else 'red')
    if not report.ok:
        missing = report.missing_in_use()
        if missing:
            click.secho(f'Add to the Zoom app (Zoom App Marketplace): {", ".join(missing)}', fg='red')
        raise SystemExit(1)


@cli.command()
@click.option('--dry-run', is_flag=True, help='Only report what would change.')
def refresh(dry_run):
    """Fetch every active Zoom meeting from Zoom; mark the ones deleted on Zoom as deleted (one GET each)."""
    rooms = VCRoom.query.filter(VCRoom.type == 'zoom', VCRoom.status != VCRoomStatus.deleted).all()
    gone = failed = 0
    for vc_room in rooms:
        try:
            meeting, kind = meetings.fetch_meeting(vc_room)
        except ZoomNotFound:
            gone += 1
            click.echo(f'{vc_room.name} ({vc_room.data.get("zoom_id")}): deleted on Zoom')
            if not dry_run:
                meetings.mark_deleted(vc_room)
            continue
        except ZoomError as exc:
            failed += 1
            click.secho(f'{vc_room.name}: {exc}', fg='yellow')
            continue
        if not dry_run:
            meetings.store_zoom_meeting(vc_room, meeting, kind)
    if not dry_run:
        db.session.commit()
    click.echo(f'{len(rooms)} meeting(s) checked, {gone} deleted on Zoom, {failed} error(s)'
               + (' (dry run: nothing saved)' if dry_run else ''))
