"""Supervisors' list of facilities to verify again (never verified, or not for
180 days: the board shows them as unknown meanwhile)."""
from gateway.auth import staff
from gateway.contract import Many, operation
from services.accessibility.schemas import FacilityView


class UnverifiedFacilities:
    access = {"GET": staff("supervisor", office="office_id")}

    def __init__(self, accessibility):
        self.accessibility = accessibility

    @operation("Facilities to verify again (never, or not for 180 days)", {200: Many(FacilityView)},
               tags=["accessibility"])
    def on_get(self, req, resp, office_id):
        resp.media = self.accessibility.facilities_to_verify(office_id, req.context.staff)
