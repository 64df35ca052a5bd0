"""What the survey service accepts and answers (the gateway's OpenAPI reads these)."""
import datetime as dt

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.common.replies import always, maybe
from services.common.text import Text
from services.queue.schemas import CODE_PATTERN, Strict
from services.survey.domain import ELEMENT_CODES, SCALE

COMMENT_MAX = 500
MAX_DAYS = 400  # a year and its turn, as the calendar's spans
SESSIONS = ("day", "evening")


# Every element answered, on the regulation's four-point scale.
Scores = Strict.from_dict({code: fields.Integer(required=True, strict=True, validate=validate.OneOf(SCALE))
                           for code in ELEMENT_CODES}, name="Scores")


class SurveyAnswer(Strict):
    scores = fields.Nested(Scores, required=True,
                           metadata={"description": "U1..U9, each 1 (lowest) to 4 (highest)"})
    comment = Text(load_default="", multiline=True, validate=validate.Length(max=COMMENT_MAX),
                   metadata={"description": f"optional, at most {COMMENT_MAX} characters"})


class IkmQuery(Strict):
    """``from``/``to`` as YYYY-MM-DD (default: the last 30 days to today); ``service``
    a service or permit-type code; ``session`` day or evening."""
    start = fields.Date(load_default=None, data_key="from")
    end = fields.Date(load_default=None, data_key="to")
    service = fields.String(load_default=None, validate=validate.Regexp(CODE_PATTERN))
    session = fields.String(load_default=None, validate=validate.OneOf(SESSIONS))

    @validates_schema
    def _span(self, data, **kwargs):
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise ValidationError("must not be before from", "to")
            if (end - start).days + 1 > MAX_DAYS:
                raise ValidationError(f"at most {MAX_DAYS} days from from", "to")


def default_span(start, end, today):
    end = end or today
    return (start or end - dt.timedelta(days=29)), end


# --- replies ------------------------------------------------------------------
class Answer(Schema):
    value = always(fields.Integer)
    label = always(fields.Dict, keys=fields.String(), values=fields.String())


class Question(Schema):
    code = always(fields.String)
    element = always(fields.Dict, keys=fields.String(), values=fields.String(),
                     metadata={"description": "{id, en}"})
    question = always(fields.Dict, keys=fields.String(), values=fields.String())
    answers = always(fields.List, fields.Nested(Answer))


class QuestionsView(Schema):
    source = always(fields.String)
    comment_max = always(fields.Integer)
    questions = always(fields.List, fields.Nested(Question))


class SurveyReceipt(Schema):
    answered = always(fields.Boolean)
    office_id = always(fields.String)


class SurveyStanding(Schema):
    eligible = always(fields.Boolean, metadata={"description": "served, so may answer"})
    answered = always(fields.Boolean)


class DecisionsView(Schema):
    office_id = always(fields.String)
    start = always(fields.String, data_key="from")
    end = always(fields.String, data_key="to")
    decided = always(fields.Integer)
    on_time = always(fields.Integer, metadata={"description": "decided on or before the due date"})
    late = always(fields.Integer)


class CommentView(Schema):
    local_date = always(fields.String)
    session = always(fields.String)
    service = always(fields.String)
    comment = always(fields.String, metadata={"description": "as the citizen typed it: escape it"})


class IkmView(Schema):
    office_id = always(fields.String)
    start = always(fields.String, data_key="from")
    end = always(fields.String, data_key="to")
    service = maybe(fields.String)
    session = maybe(fields.String)
    respondents = always(fields.Integer)
    population = always(fields.Integer, metadata={"description": "those served in the span who may answer"})
    sample_required = always(fields.Integer, metadata={"description": "Krejcie & Morgan (1970) for population"})
    sample_sufficient = always(fields.Boolean)
    elements = maybe(fields.Dict, keys=fields.String(), values=fields.Float(),
                     metadata={"description": "NRR (1-4) per element U1..U9"})
    ikm = maybe(fields.Float, metadata={"description": "25-100"})
    category = maybe(fields.String, metadata={"description": "A-D (mutu pelayanan)"})
    quality = maybe(fields.String, metadata={"description": "kinerja unit pelayanan"})
    source = always(fields.String)
