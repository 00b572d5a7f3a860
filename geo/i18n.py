"""Translation of user-visible strings (gettext-style ``_()``).

Every string a person reads (app, CLI, import errors, exports) goes through :func:`_`.
Catalogs (Spanish, English) are added by the i18n work; until then ``_`` returns the
source string unchanged.
"""

from __future__ import annotations


def _(message: str) -> str:
    """Return ``message`` translated into the active language."""
    return message
