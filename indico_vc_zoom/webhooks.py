"""Zoom webhooks: verification and handling (to be completed)."""


def handle_webhook(raw_body, headers):
    return 401, {'error': 'webhooks are not enabled'}
