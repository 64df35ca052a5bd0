"""Container HEALTHCHECK for plain Docker / Compose (Kubernetes uses its own
probes and ignores this). One image runs every component, so it asks the
gateway port (PORT, default 8000) and the nameko services' HTTP listener
(SERVICE_HTTP_ADDRESS) for /healthz and is healthy when either answers 200.
Both come from the one settings object (the image's python has the package).
"""
import sys
import urllib.request

from services.common.config import from_env


def ports():
    settings = from_env()
    yield str(settings.port)
    yield settings.service_http_address.rsplit(":", 1)[-1]


def main():
    for port in ports():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as resp:
                if resp.status == 200:
                    return 0
        except OSError:
            continue
    return 1


if __name__ == "__main__":
    sys.exit(main())
