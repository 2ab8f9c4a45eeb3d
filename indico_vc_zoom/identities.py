"""Zoom logins from Indico identities: a user's login at a chosen identity provider is ``login@domain`` on Zoom.

Many institutions give Zoom accounts under an enterprise domain to their single sign-on logins, while people's
Indico e-mail addresses differ from it. With an identity provider and a Zoom enterprise domain set, those addresses
are tried first; the e-mail addresses (``email_domains``) follow (see hosts.py, which caches every answer).
"""

import re

from indico.core.auth import multipass

from indico_vc_zoom.settings import zoom_settings


#: what may stand before the ``@`` of an address made from a login
LOGIN_RE = re.compile(r'^[a-z0-9](?:[a-z0-9._+-]*[a-z0-9])?$')


def provider_choices():
    """``(name, title)`` of Indico's identity providers, for the settings form."""
    providers = multipass.identity_providers
    return sorted(((name, provider.title) for name, provider in providers.items()), key=lambda choice: choice[1])


def identity_logins(user):
    """The Zoom addresses made from ``user``'s identities at the chosen provider (none when not set up)."""
    provider = zoom_settings.get('identity_provider')
    domain = zoom_settings.get('enterprise_domain')
    if not provider or not domain:
        return []
    # some providers identify people by an address: its local part is the login
    logins = sorted({identity.identifier.partition('@')[0].lower() for identity in user.identities
                     if identity.provider == provider})
    return [f'{login}@{domain}' for login in logins if LOGIN_RE.match(login)]


def with_identity_logins(user, emails):
    """The addresses to try for ``user``: those from their identity first, then ``emails``, each once."""
    return list(dict.fromkeys([*identity_logins(user), *emails]))
