"""``indico zoom sync-registrants``: the admins' full re-sync of meetings in registration mode."""

import click
from indico.core.db import db
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomStatus

from indico_vc_zoom.registration.config import is_registration_mode
from indico_vc_zoom.registration.tasks import report_failure, run_sync
from indico_vc_zoom.zoom.errors import ZoomError


@click.command('sync-registrants')
@click.argument('vc_room_ids', nargs=-1, type=int)
def sync_registrants_command(vc_room_ids):
    """Bring the Zoom registrants of these rooms (default: every room in registration mode) in line, now."""
    query = VCRoom.query.filter(VCRoom.type == 'zoom', VCRoom.status != VCRoomStatus.deleted)
    if vc_room_ids:
        query = query.filter(VCRoom.id.in_(vc_room_ids))
    failed = False
    for vc_room in query.order_by(VCRoom.id):
        if not is_registration_mode(vc_room) or not vc_room.data.get('zoom_id'):
            continue
        try:
            result = run_sync(vc_room)
        except ZoomError as exc:
            click.secho(f'{vc_room.id} {vc_room.name}: {report_failure(vc_room, exc)}', fg='red')
            failed = True
        else:
            click.echo(f'{vc_room.id} {vc_room.name}: {result["added"]} added, {result["replaced"]} replaced, '
                       f'{result["approved"]} approved again, {result["cancelled"]} cancelled '
                       f'({result["calls"]} Zoom calls)')
        db.session.commit()
    if failed:
        raise SystemExit(1)
