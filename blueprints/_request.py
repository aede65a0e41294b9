"""The app's request class: only form bodies go through werkzeug's form parser."""

from __future__ import annotations

from flask import Request

FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class BffRequest(Request):
    @property
    def want_form_data_parsed(self) -> bool:
        # werkzeug would set up its form parser for any body with a Content-Type, to find
        # nothing in JSON, whenever something reads `request.form` of a JSON call.
        return self.mimetype in FORM_TYPES
