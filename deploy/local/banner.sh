#!/usr/bin/env bash
port=${PORT:-8000}
cat <<MSG

  Senja is running.
    Offices open now    http://127.0.0.1:${port}/
    Kiosk               http://127.0.0.1:${port}/kiosk/33.71.02
    Display board       http://127.0.0.1:${port}/display/33.71.02
    Clerk console       http://127.0.0.1:${port}/counter
    API                 http://127.0.0.1:${port}/api/v1/offices   (ready: /readyz)
  Demo staff: clerk.utara, supervisor.utara, clerk.selatan, admin
  Password:   ${SENJA_DEMO_PASSWORD:-magelang-malam}
    curl -X POST http://127.0.0.1:${port}/api/v1/auth/token \\
         -H 'Content-Type: application/json' \\
         -d '{"username":"clerk.utara","password":"${SENJA_DEMO_PASSWORD:-magelang-malam}"}'
  Ctrl-C stops everything.

MSG
