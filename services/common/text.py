"""Free text people type (names, addresses, notes, reports), checked before it
reaches a page, a display board or a PDF.

Refused, not stripped (the person sees what was wrong and nothing is silently
changed): control characters and NUL (Unicode category Cc; a multi-line
field keeps line feed and tab), format characters (Cf: bidi overrides and
isolates such as U+202E that reorder what a reader sees, zero-width spaces and
joiners U+200B–U+200D, U+2060, U+FEFF, soft hyphen), surrogates (Cs),
private-use (Co), unassigned code points (Cn) and the Unicode line and
paragraph separators (Zl, Zp). Indonesian and English text,
and any letters, digits, punctuation and emoji without joiners, pass.
"""
import unicodedata

from marshmallow import ValidationError, fields

REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
MULTILINE_ALLOWED = {"\n", "\t"}
MESSAGE = "contains a control or invisible character (U+{:04X})"


def unsafe_character(text, multiline=False):
    """The first character free text may not hold, or None."""
    for char in text:
        if unicodedata.category(char) in REFUSED_CATEGORIES and not (
                multiline and char in MULTILINE_ALLOWED):
            return char
    return None


class Text(fields.String):
    """A String field for what people type; ``multiline=True`` for notes."""

    def __init__(self, *args, multiline=False, **kwargs):
        self.multiline = multiline
        super().__init__(*args, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        bad = unsafe_character(text, self.multiline)
        if bad is not None:
            raise ValidationError(MESSAGE.format(ord(bad)))
        return text
