#!/bin/sh
# Creates the secrets Senja needs before the first `kubectl apply -k`, with
# random hex values (hex: safe inside AMQP/MongoDB URIs). Idempotent: an
# existing secret is left alone, so running it again never rotates anything.
#   deploy/k8s/create-secrets.sh [namespace]      (default: senja)
set -eu
NS="${1:-senja}"

rand() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

kubectl get namespace "$NS" >/dev/null 2>&1 || kubectl create namespace "$NS"

create() {  # name key=value...
  name="$1"; shift
  if kubectl -n "$NS" get secret "$name" >/dev/null 2>&1; then
    echo "secret/$name exists, kept"
    return
  fi
  args=""
  for kv in "$@"; do args="$args --from-literal=$kv"; done
  # shellcheck disable=SC2086
  kubectl -n "$NS" create secret generic "$name" $args \
    --dry-run=client -o yaml | kubectl -n "$NS" apply -f - >/dev/null
  echo "secret/$name created"
}

# token signing / HMAC key of the application
create senja-app "SENJA_SECRET=$(rand)"
# Notifications (optional): the Web Push (VAPID) key; add NOTIFY_WEBHOOK_URL and
# NOTIFY_WEBHOOK_SECRET (at least 32 bytes) to this secret to reach an SMS/WhatsApp provider.
create senja-notify "VAPID_PRIVATE_KEY=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
# RabbitMQ application user, imported by the topology operator's User senja
create senja-rabbitmq-app "username=senja" "password=$(rand)"
# MongoDB users, one per component plus backups (MongoDBCommunity users[])
for user in gateway queue permits accessibility survey backup; do
  create "senja-mongodb-senja-$user-password" "password=$(rand)"
done
