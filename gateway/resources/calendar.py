"""The office calendar and the due date a service standard promises (anyone):
answered by the permits service, which keeps the offices' calendars."""
from gateway.clients.permits import PermitsClient
from gateway.contract import operation
from services.permits.schemas import DueDateView, OfficeCalendarView


class OfficeCalendar:
    def __init__(self, permits):
        self.permits = permits

    @operation("The days the office is closed between from and to (at most 400 days)",
               {200: OfficeCalendarView}, query=PermitsClient.calendar, tags=["offices"],
               description="`missing_years`: years whose cuti bersama is not known yet.")
    def on_get(self, req, resp, office_id):
        resp.media = self.permits.calendar(office_id, dict(req.params))


class DueDate:
    def __init__(self, permits):
        self.permits = permits

    @operation("The due date by the service standard for an application received at submitted_at",
               {200: DueDateView}, query=PermitsClient.due, tags=["permits"])
    def on_get(self, req, resp, code):
        resp.media = self.permits.due(code, dict(req.params))
