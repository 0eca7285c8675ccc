#!/bin/bash
# Runs once, inside the influxdb:2.7 container, after DOCKER_INFLUXDB_INIT_MODE=setup has
# created the org, the bucket and the admin token (the entrypoint exports
# DOCKER_INFLUXDB_INIT_BUCKET_ID and configures the `influx` CLI with that token).
#
# 1. Maps the InfluxQL database/retention policy "$INFLUXDB_DB/autogen" to the bucket, so the
#    InfluxQL dashboards in dashboards/grafana/ work unchanged against InfluxDB 2.x.
# 2. Creates a v1-compatible, READ-only user on that bucket for Grafana's InfluxQL data source.
set -euo pipefail

db="${INFLUXDB_DB:-mag}"
org="${DOCKER_INFLUXDB_INIT_ORG:?DOCKER_INFLUXDB_INIT_ORG is not set}"
bucket_id="${DOCKER_INFLUXDB_INIT_BUCKET_ID:?DOCKER_INFLUXDB_INIT_BUCKET_ID is not set (run by the influxdb:2.x entrypoint only)}"

echo "mag: mapping InfluxQL database ${db}/autogen to bucket ${DOCKER_INFLUXDB_INIT_BUCKET} (${bucket_id})"
influx v1 dbrp create \
  --org "${org}" \
  --bucket-id "${bucket_id}" \
  --db "${db}" \
  --rp autogen \
  --default

if [ -n "${INFLUXDB2_GRAFANA_USER:-}" ] && [ -n "${INFLUXDB2_GRAFANA_PASSWORD:-}" ]; then
  echo "mag: creating read-only v1 user ${INFLUXDB2_GRAFANA_USER} for Grafana"
  influx v1 auth create \
    --org "${org}" \
    --username "${INFLUXDB2_GRAFANA_USER}" \
    --password "${INFLUXDB2_GRAFANA_PASSWORD}" \
    --read-bucket "${bucket_id}" \
    --description "Grafana (MAG dashboards, InfluxQL, read-only)"
else
  echo "mag: INFLUXDB2_GRAFANA_USER/PASSWORD not set; no Grafana user created" >&2
fi
