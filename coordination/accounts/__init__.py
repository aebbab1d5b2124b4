"""What the app remembers of a user beyond django.contrib.auth: the language they read.

models      UserProfile (one per user, made when first needed)
services    remember the language a user last used (at login, at the language switcher)
selectors   a user's language, for what is written to them away from a page (alert emails)
receivers   the login listener; admin: the language on the user's admin page
"""
