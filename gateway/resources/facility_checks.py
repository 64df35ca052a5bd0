"""Supervisors' list of facilities to verify again (never verified, or not for
180 days: the board shows them as unknown meanwhile)."""
from gateway.auth import staff


class UnverifiedFacilities:
    """GET /offices/{office_id}/facilities/unverified"""

    access = {"GET": staff("supervisor", office="office_id")}

    def __init__(self, accessibility):
        self.accessibility = accessibility

    def on_get(self, req, resp, office_id):
        resp.media = self.accessibility.facilities_to_verify(office_id, req.context.staff)
