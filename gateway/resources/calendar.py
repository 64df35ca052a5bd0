"""The office calendar and the due date a service standard promises (anyone):
answered by the permits service, which keeps the offices' calendars."""
from gateway.errors import invalid


class OfficeCalendar:
    """GET /offices/{office_id}/calendar?from=YYYY-MM-DD&to=YYYY-MM-DD"""

    def __init__(self, permits):
        self.permits = permits

    def on_get(self, req, resp, office_id):
        missing = [(p, "required") for p in ("from", "to") if not req.get_param(p)]
        if missing:
            raise invalid(missing)
        resp.media = self.permits.office_calendar(office_id, req.get_param("from"),
                                                  req.get_param("to"))


class DueDate:
    """GET /permit-types/{code}/due-date?office_id=&submitted_at=ISO-8601"""

    def __init__(self, permits):
        self.permits = permits

    def on_get(self, req, resp, code):
        missing = [(p, "required") for p in ("office_id", "submitted_at") if not req.get_param(p)]
        if missing:
            raise invalid(missing)
        resp.media = self.permits.due_date(code, req.get_param("office_id"),
                                           req.get_param("submitted_at"))
