"""Telephone dial-in: the numbers behind settings.global_dial_in_countries, as Zoom lists them."""

import re

from .responses import validation_error


DEFAULT_COUNTRIES = ['US']
_COUNTRY_RE = re.compile(r'^[A-Z]{2}$')

# country -> (country_name as Zoom writes it, [(city, number, type)]); numbers in Zoom's '+CC digits' form
DIAL_IN = {
    'US': ('US', [('New York', '+1 6465588656', 'toll'), ('San Jose', '+1 6699006833', 'toll'),
                  ('Houston', '+1 3462487799', 'toll'), ('', '+1 8884754499', 'tollfree')]),
    'CA': ('Canada', [('Toronto', '+1 6473744685', 'toll'), ('', '+1 8557038985', 'tollfree')]),
    'CH': ('Switzerland', [('Zurich', '+41 432107042', 'toll'), ('Geneva', '+41 225800168', 'toll'),
                           ('', '+41 800002622', 'tollfree')]),
    'DE': ('Germany', [('Frankfurt', '+49 6938079883', 'toll'), ('Berlin', '+49 3056795800', 'toll'),
                       ('', '+49 8000006354', 'tollfree')]),
    'FR': ('France', [('Paris', '+33 170372246', 'toll'), ('', '+33 805082588', 'tollfree')]),
    'GB': ('United Kingdom', [('London', '+44 2039017895', 'toll'), ('', '+44 8000315717', 'tollfree')]),
    'IT': ('Italy', [('Milan', '+39 0200667245', 'toll')]),
    'NL': ('Netherlands', [('Amsterdam', '+31 207941377', 'toll')]),
    'ES': ('Spain', [('Madrid', '+34 917873431', 'toll')]),
    'JP': ('Japan', [('Tokyo', '+81 345780155', 'toll')]),
}


def check_countries(value):
    """Zoom takes ISO country codes; anything else is a field error (400/300)."""
    if not all(isinstance(c, str) and _COUNTRY_RE.match(c) for c in value):
        raise validation_error('settings.global_dial_in_countries',
                               'global_dial_in_countries must list two-letter country codes such as "US".')


def dial_in_numbers(countries):
    """settings.global_dial_in_numbers for these countries; countries without numbers add none."""
    numbers = []
    for country in countries:
        name, entries = DIAL_IN.get(country, (None, []))
        numbers += [{'country_name': name, 'city': city, 'number': number, 'type': kind, 'country': country}
                    for city, number, kind in entries]
    return numbers


def fill(settings):
    """Give a meeting's settings their dial-in countries (default US) and the matching numbers."""
    settings.setdefault('global_dial_in_countries', list(DEFAULT_COUNTRIES))
    settings['global_dial_in_numbers'] = dial_in_numbers(settings['global_dial_in_countries'])
