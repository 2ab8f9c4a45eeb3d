"""Zoom's webhooks: ``verification`` and ``payloads`` decide (pure) what ``handling`` applies to the database."""
