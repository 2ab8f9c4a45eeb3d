"""``indico zoom …``: admin commands (check the credentials, bring stored meetings in line with Zoom)."""

import click
from indico.cli.core import cli_group

from indico_vc_zoom import reconcile, scopes
from indico_vc_zoom.connection import get_client
from indico_vc_zoom.settings import zoom_settings
from indico_vc_zoom.zoom.errors import ZoomError


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
@click.option('--pace', type=float, default=None,
              help='Zoom calls per second at most (default: the reconcile_calls_per_second setting; 0: unpaced).')
@click.option('--batch-size', type=click.IntRange(1, 1000), default=reconcile.BATCH_SIZE, show_default=True,
              help='Rooms loaded per page.')
def refresh(dry_run, pace, batch_size):
    """Compare every live Zoom meeting with Zoom and fix drift (the periodic reconcile task, run now)."""
    report = reconcile.reconcile(dry_run=dry_run, per_second=pace, batch_size=batch_size, echo=click.echo)
    click.echo(report.summary(dry_run))
