"""Database sessions that never turn a change the request already saved into an error.

The session is written when the response goes out, after the view's own transaction has
committed. If the database connection drops in between, Django's store answers "400 Bad
Request (session was deleted)" for a change that is in fact saved, and the volunteer sends it
again. This store reconnects and tries once more; if that fails too, it logs and lets the
response through: what is lost is only the session's own data, never the change.
"""

import logging

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import CreateError, UpdateError
from django.db import Error as DatabaseFault
from django.db import connections, router

logger = logging.getLogger(__name__)


class SessionStore(db.SessionStore):
    def save(self, must_create: bool = False) -> None:
        try:
            super().save(must_create=must_create)
            return
        except CreateError:
            raise  # a key already taken: create() picks another
        except (UpdateError, DatabaseFault):  # a dead connection raises InterfaceError
            # A broken connection is unusable for the rest of the request: start a new one.
            connections[router.db_for_write(self.model)].close()
        try:
            super().save(must_create=must_create)
        except CreateError:
            raise
        except (UpdateError, DatabaseFault):  # a dead connection raises InterfaceError
            logger.warning("session not saved (database unreachable, or the session ended)")
