"""The workbench in a browser: `qualcode serve` (textual-serve with a login in front).

A front end like :mod:`qualcode.cli` and :mod:`qualcode.tui`: the core never imports it.
:mod:`qualcode.web.users` keeps the coders' password hashes (``users.toml``),
:mod:`qualcode.web.auth` checks logins, sessions and the rate limit, and
:mod:`qualcode.web.server` runs one workbench process per browser connection, as the
coder who logged in.
"""
