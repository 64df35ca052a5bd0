#!/usr/bin/env bash
# Make sure a RabbitMQ broker answers at AMQP_URI (default 127.0.0.1:5672).
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
up && exit 0
if [ "$host" = "127.0.0.1" ] || [ "$host" = "localhost" ]; then
  if command -v rabbitmq-server >/dev/null 2>&1; then
    echo "RabbitMQ is down; starting the local rabbitmq-server..."
    rabbitmq-server -detached >/dev/null 2>&1
    for _ in $(seq 1 60); do up && { echo "RabbitMQ is up."; exit 0; }; sleep 1; done
  fi
fi
cat >&2 <<MSG
No RabbitMQ broker answers at $host:$port.
Install one (Debian/Ubuntu: sudo apt-get install rabbitmq-server, then rabbitmq-server -detached)
or point AMQP_URI at a running broker, e.g. AMQP_URI=amqp://user:pass@host:5672/vhost make run
MSG
exit 1
