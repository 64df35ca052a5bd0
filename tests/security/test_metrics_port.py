"""Attack: read /metrics through the public entry (route names, traffic per
office, error rates: reconnaissance). With METRICS_PORT set, as in Kubernetes,
/metrics answers only on that port, which the ingress's Service does not
expose (tests/deploy checks the manifests), and that port serves nothing else."""
from tests.support import http


def test_metrics_are_not_on_the_public_port(stack):
    status, _, _ = http("GET", f"{stack.url}/metrics")
    assert status == 404


def test_metrics_port_serves_metrics_and_nothing_else(stack):
    port = stack.extra_env["METRICS_PORT"]
    status, hdrs, body = http("GET", f"http://127.0.0.1:{port}/metrics")
    assert status == 200 and hdrs["Content-Type"].startswith("text/plain")
    assert "senja_http_requests_total" in body
    for path in ("/api/v1/offices", "/healthz", "/"):
        assert http("GET", f"http://127.0.0.1:{port}{path}")[0] == 404, path
