"""Zoom videoconference plugin for Indico 3.2."""
