"""Surfaces outside the VC pages that can carry a join link (iCal, HTTP API, e-mails): all use protection.py."""


def connect(plugin):
    """Connect the plugin's signal handlers for the non-VC surfaces."""
