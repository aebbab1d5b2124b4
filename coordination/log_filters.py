"""Log filters: what a log line must never carry."""

import logging
import re

# A host's link, a request's status link and a hold slip open their page to whoever has the
# path: Django's "Not Found: /host/<token>/" warnings (a mistyped or revoked link) and any
# other line keep the path without the token.
SECRET_PATH = re.compile(r"/(host|ask/s|slip)/[^/\s\"']+")


def hide_secret_paths(text: str) -> str:
    return SECRET_PATH.sub(r"/\1/…", text)


class HideSecretPaths(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = hide_secret_paths(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                hide_secret_paths(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        elif isinstance(record.args, dict):
            record.args = {
                key: hide_secret_paths(value) if isinstance(value, str) else value
                for key, value in record.args.items()
            }
        return True
