"""Every buyer- and staff-facing string of the Telegram side, in Russian, in one place.

One module per concern (admin, alerts, broadcasts, cards, desk, posts, staff, stats, templates);
callers import each string by name from its module. Templates use `str.format` fields; values
substituted into HTML templates are escaped by the caller.
"""
