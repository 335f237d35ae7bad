"""The admin's form base: field messages in Chinese, including Flask-Admin's own."""

from __future__ import annotations

from flask_admin.babel import Translations as WTFormsTranslations
from flask_admin.form import BaseForm
from flask_babel import Domain

from hostapp.i18n import compiled_translations


class FormTranslations:
    """Our ``forms`` catalogue first, then WTForms' own (what Flask-Admin uses alone)."""

    def __init__(self) -> None:
        self._ours = Domain(str(compiled_translations()), domain="forms")
        self._wtforms = WTFormsTranslations()

    def gettext(self, string: str) -> str:
        """Translate a field message."""
        translated = self._ours.get_translations().ugettext(string)
        return translated if translated != string else self._wtforms.gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate a field message with a count."""
        translated = self._ours.get_translations().ungettext(singular, plural, n)
        if translated not in (singular, plural):
            return translated
        return self._wtforms.ngettext(singular, plural, n)


class ChineseForm(BaseForm):
    """Flask-Admin's form base with :class:`FormTranslations`."""

    class Meta(BaseForm.Meta):
        _translations = FormTranslations()
