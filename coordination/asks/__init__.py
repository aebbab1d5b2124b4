"""Requests from arrivals: a person asks for a place at /ask/ and follows it by a private link.

models      Ask: one-to-one with the Household it creates (code, token hash, where they are)
selectors   an ask by its token, its public status ("about N groups before you", held, in)
services    ask_create (household + ask, code retried on collision), ask_cancel
forms       the /ask/ form (light: no Bootstrap, no crispy), with bounds and a honeypot
views       /ask/, /ask/sent/, /ask/s/<token>/ (status, fragment), cancelling
admin       read-only list of asks (code, where, status), no token
"""
