#!/bin/sh
# Entrypoint of the RabbitMQ nodes of the compose `cluster` profile: every node must hold the
# same Erlang cookie to form a cluster. It comes from .env (RABBITMQ_ERLANG_COOKIE, passed as
# RABBITMQ_COOKIE_SECRET) and is written to the cookie file the node reads, owner-only
# (the RABBITMQ_ERLANG_COOKIE variable of the image itself is deprecated since 3.9).
# Both secrets are checked here rather than `:?`-required in docker-compose.yml, so that
# `docker compose up` without the cluster profile does not ask for them.
set -eu
if [ -z "${RABBITMQ_COOKIE_SECRET:-}" ]; then
  echo "set RABBITMQ_ERLANG_COOKIE in .env (the same Erlang cookie for every RabbitMQ node)" >&2
  exit 1
fi
if [ -z "${RABBITMQ_DEFAULT_PASS:-}" ]; then
  echo "set RABBITMQ_PASSWORD in .env (the MAG nodes' RabbitMQ password)" >&2
  exit 1
fi
cookie=/var/lib/rabbitmq/.erlang.cookie
umask 077
printf '%s' "$RABBITMQ_COOKIE_SECRET" > "$cookie"
chmod 400 "$cookie"
chown rabbitmq:rabbitmq "$cookie" 2>/dev/null || true
exec docker-entrypoint.sh rabbitmq-server
