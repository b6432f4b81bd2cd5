#!/usr/bin/env bash
# Access benchmarks (issue 5), each figure beside its baseline from the same run:
#   1. the cost of authorization on catalog-service's read path: wrk on GET gallery against the stack's
#      catalog-service (enforcing) and against a second catalog-service on :8091 with the same database, Kafka and
#      OIDC but gallery.authz.enabled=false; the figure is the p99 difference;
#   2. revocation propagation: from the DELETE of a role assignment to a 403 at catalog-service and
#      replication-service (Revocation.java), beside access-service's own refusal.
# Uses the local stack (./gallery up; started and stopped here if it is not running). Needs wrk and curl.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-15s}
CONNS=${CONNS:-16}
ROUNDS=${ROUNDS:-30}
STARTED=0
if ! ./gallery status > /tmp/gallery-status.txt || ! grep -q '^running' /tmp/gallery-status.txt; then ./gallery up >/dev/null; STARTED=1; fi
NOAUTHZ_PID=
cleanup() {
  if [ -n "$NOAUTHZ_PID" ]; then kill "$NOAUTHZ_PID" 2>/dev/null || true; wait "$NOAUTHZ_PID" 2>/dev/null || true; fi
  if [ "$STARTED" = 1 ]; then ./gallery down >/dev/null; fi
}
trap cleanup EXIT

ALICE=$(./gallery token alice)
CAROL=$(./gallery token carol)
CAROL_ID=ca201000-0000-4000-8000-000000000003
SUB=c0de0000-0000-4000-8000-00000000c001
# a fresh stack learns the seeded grants through Kafka within seconds: wait for them
for _ in $(seq 1 60); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(./gallery token alice)" \
      "http://localhost:8082/blobs/westeurope/c0de0000-0000-4000-8000-00000000c001/none")" = 404 ] \
    && [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(./gallery token alice)" \
      "http://localhost:8081/subscriptions/c0de0000-0000-4000-8000-00000000c001/providers/Microsoft.Compute/galleries?api-version=2024-03-03")" = 200 ] && break
  sleep 1
done
G=/subscriptions/$SUB/resourceGroups/rg-bench-access/providers/Microsoft.Compute/galleries/authz
curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $ALICE" -H 'Content-Type: application/json' \
  "http://localhost:8081$G?api-version=2024-03-03" -d '{"location":"westeurope"}'
head -c 4096 /dev/urandom > /tmp/bench-access.raw
curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $ALICE" --data-binary @/tmp/bench-access.raw \
  "http://localhost:8082/blobs/westeurope/$SUB/bench-access.raw"
rm -f /tmp/bench-access.raw

echo "starting a second catalog-service on :8091 without enforcement (gallery.authz.enabled=false)"
QUARKUS_HTTP_PORT=8091 QUARKUS_MANAGEMENT_PORT=9091 GALLERY_AUTHZ_ENABLED=false \
QUARKUS_DATASOURCE_REACTIVE_URL=postgresql://127.0.0.1:55432/catalog \
QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://127.0.0.1:55432/catalog \
QUARKUS_DATASOURCE_USERNAME=postgres QUARKUS_DATASOURCE_PASSWORD= KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 \
GALLERY_BUS_CLIENT_SECRET="$(sed -n 's/^catalog-service=//p' .local/bus/secrets.properties)" \
GALLERY_OIDC_TENANTS=contoso=http://localhost:8180/realms/contoso,fabrikam=http://localhost:8180/realms/fabrikam \
  java -Xmx256m -XX:+UseSerialGC -jar catalog-service/target/quarkus-app/quarkus-run.jar > .local/logs/catalog-noauthz.log 2>&1 &
NOAUTHZ_PID=$!
for _ in $(seq 1 120); do curl -sf -o /dev/null http://localhost:9091/q/health/ready && break; sleep 1; done

cat > /tmp/bench-auth.lua <<LUA
wrk.headers["Authorization"] = "Bearer $ALICE"
LUA
echo "== 1. authorization cost on GET gallery: wrk -t2 -c$CONNS -d$DURATION, enforcing vs not, twice each, alternating"
p99ms() { grep -E '^ +99%' "$1" | awk '{v=$2; if (v ~ /ms$/) {sub(/ms/,"",v); print v} else if (v ~ /us$/) {sub(/us/,"",v); print v/1000} else {sub(/s/,"",v); print v*1000}}'; }
for round in 1 2; do
  wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s /tmp/bench-auth.lua "http://localhost:8081$G?api-version=2024-03-03" > /tmp/wrk-authz-$round.txt
  wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s /tmp/bench-auth.lua "http://localhost:8091$G?api-version=2024-03-03" > /tmp/wrk-noauthz-$round.txt
  a=$(p99ms /tmp/wrk-authz-$round.txt); b=$(p99ms /tmp/wrk-noauthz-$round.txt)
  ra=$(grep Requests/sec /tmp/wrk-authz-$round.txt | awk '{print $2}'); rb=$(grep Requests/sec /tmp/wrk-noauthz-$round.txt | awk '{print $2}')
  echo "round $round: enforcing p99 ${a} ms ($ra req/s); not enforcing p99 ${b} ms ($rb req/s); extra p99 $(awk "BEGIN {print $a - $b}") ms"
done

# the second instance shares the consumer groups: stop it so that the enforcing one owns every partition again
kill "$NOAUTHZ_PID"; wait "$NOAUTHZ_PID" 2>/dev/null || true; NOAUTHZ_PID=
sleep 5
echo "== 2. revocation propagation ($ROUNDS rounds)"
java bench/access/Revocation.java "$ALICE" "$CAROL" "$SUB" "$G" "/blobs/westeurope/$SUB/bench-access.raw" "$CAROL_ID" "$ROUNDS"
