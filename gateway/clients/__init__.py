"""Typed clients per service: every call from the gateway to a service goes
through them, and they raise only the exceptions in ``gateway.clients.errors``."""
from gateway.clients.accessibility import AccessibilityClient
from gateway.clients.permits import PermitsClient
from gateway.clients.queue import QueueClient
from gateway.clients.survey import SurveyClient


class Clients:
    def __init__(self, rpc):
        self.queue = QueueClient(rpc)
        self.permits = PermitsClient(rpc)
        self.accessibility = AccessibilityClient(rpc)
        self.survey = SurveyClient(rpc)
