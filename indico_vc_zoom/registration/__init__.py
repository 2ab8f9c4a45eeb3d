"""Zoom registration for an event's registrants: one Zoom registrant (and personal join link) per registration."""
