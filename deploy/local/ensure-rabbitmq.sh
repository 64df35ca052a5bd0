#!/usr/bin/env bash
# Make sure a RabbitMQ broker answers at AMQP_URI (default 127.0.0.1:5672).
# A local broker that is missing is installed (Debian/Ubuntu, as root or with
# sudo) and started; one started here is marked in .run/, so `make run` stops
# it again on Ctrl-C, after everything that uses it.
set -u
uri=${AMQP_URI:-amqp://guest:guest@127.0.0.1:5672/}
hostport=$(python3 - "$uri" <<'PY'
import sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
print(f"{u.hostname or '127.0.0.1'} {u.port or 5672}")
PY
)
read -r host port <<<"$hostport"
up() { python3 -c "import socket,sys; socket.create_connection(('$host', $port), 1)" 2>/dev/null; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
up && exit 0
if [ "$host" = "127.0.0.1" ] || [ "$host" = "localhost" ]; then
  if ! command -v rabbitmq-server >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    echo "No RabbitMQ here; installing rabbitmq-server (apt-get)..."
    as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq rabbitmq-server >/dev/null
  fi
  if command -v rabbitmq-server >/dev/null 2>&1; then
    echo "RabbitMQ is down; starting the local rabbitmq-server..."
    # The Debian package may have started it as a service already.
    up || as_root rabbitmq-server -detached >/dev/null 2>&1 || rabbitmq-server -detached >/dev/null 2>&1
    for _ in $(seq 1 60); do
      if up; then
        mkdir -p .run && touch .run/rabbitmq-started
        echo "RabbitMQ is up."
        exit 0
      fi
      sleep 1
    done
  fi
fi
cat >&2 <<MSG
No RabbitMQ broker answers at $host:$port, and none could be installed here
(that needs Debian/Ubuntu and root or sudo). Install one, or point AMQP_URI at
a running broker, e.g. AMQP_URI=amqp://user:pass@host:5672/vhost make run
MSG
exit 1
