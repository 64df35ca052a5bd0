"""Container HEALTHCHECK for plain Docker / Compose (Kubernetes uses its own
probes and ignores this). One image runs every component, so it asks the
gateway port (PORT, default 8000) and the nameko services' HTTP listener
(SERVICE_HTTP_ADDRESS, default 0.0.0.0:8080) for /healthz and is healthy when
either answers 200. Standard library only.
"""
import os
import sys
import urllib.request


def ports():
    yield os.environ.get("PORT", "8000")
    address = os.environ.get("SERVICE_HTTP_ADDRESS", "0.0.0.0:8080")
    yield address.rsplit(":", 1)[-1]


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
