"""Forms of the bureau's review: approve (the version the reviewer saw) and return with
field notes. The return form lists the proposal's fields; the reviewer ticks those at
fault and writes what to fix for each."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, FieldList, Form, FormField, HiddenField, IntegerField,
                     TextAreaField)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput


def version_field():
    """The application's version as the reviewer saw it: a stale one is refused."""
    return IntegerField(widget=HiddenInput(), validators=[DataRequired()])


class DecisionForm(FlaskForm):
    """A decision button: the version of the application the reviewer looked at."""
    version = version_field()


class FieldNote(Form):
    field = HiddenField(validators=[DataRequired(), Length(max=100)])
    selected = BooleanField(_l("有问题"))
    note = TextAreaField(_l("修改要求"), validators=[Optional(), Length(max=500)])


class ReturnForm(FlaskForm):
    version = version_field()
    reason = TextAreaField(_l("退回原因"), validators=[DataRequired(), Length(max=1000)],
                           description=_l("总体说明，例如哪些材料不符、如何联系管局；会发送给提交方"))
    notes = FieldList(FormField(FieldNote))

    @classmethod
    def for_fields(cls, paths: list[str], version: int, reason: str = "") -> "ReturnForm":
        """A fresh form listing `paths` (on GET, the reason possibly pre-filled, e.g. by
        the conflict workbench), or the submitted one (on POST)."""
        return cls(version=version, reason=reason, notes=[{"field": p} for p in paths])

    def field_notes(self, allowed: set[str]) -> list[dict]:
        """The ticked fields with their notes; a note without a tick counts as ticked.
        A ticked field without a note is an error on that note. Unknown paths are
        dropped."""
        notes = []
        for entry in self.notes:
            path, text = entry.field.data, (entry.note.data or "").strip()
            if path not in allowed or not (entry.selected.data or text):
                continue
            if not text:
                entry.note.errors = [*entry.note.errors, _l("请说明该字段如何修改")]
            notes.append({"field": path, "note": text})
        return notes

    def has_note_errors(self) -> bool:
        return any(entry.note.errors for entry in self.notes)
