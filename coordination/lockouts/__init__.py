"""Login lockouts: who is locked out of logging in, until when, and unlocking them.

django-axes counts failed logins per (user name, address) pair (settings: AXES_*) and refuses
a locked pair. selectors.py reads its AccessAttempt rows, services.py unlocks a pair
(audited), views.py has the "locked" page shown at the login and the coordinators' list,
admin.py the admin's access attempts with the same audited unlock.
"""
