#!/usr/bin/env bash
# Catalog benchmarks (issue 3), each figure beside a baseline measured in the same run:
#   1. resolve latest of a definition with 1,000 versions (real Keycloak token) under wrk, vs GET /ping (a bare
#      constant-JSON endpoint of the same service, same JVM, same wrk settings);
#   2. listing 10,000 versions page by page (100 per page): per-page latency, vs GET /ping with the same client;
#   3. PUT of a version to its VersionPublished on Kafka, vs a bare produce-to-consume round trip on the same broker.
# Uses the local stack (./gallery up; started and stopped here if it is not running). Needs wrk, curl, python3, psql.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-10s}
CONNS=${CONNS:-16}
STARTED=0
RUN=$(date +%s)
if ! ./gallery status > /tmp/gallery-status.txt || ! grep -q '^running' /tmp/gallery-status.txt; then ./gallery up >/dev/null; STARTED=1; fi
# The rows this run seeds count against the catalog's quotas (10,000 versions per subscription and region): drop them,
# so that runs can follow one another on the same stack.
forget_run() {
  PGPASSWORD= psql -q -h 127.0.0.1 -p 55432 -U postgres catalog >/dev/null 2>&1 <<SQL || true
DELETE FROM version_region WHERE version_key LIKE '%/resourcegroups/rg-bench-$RUN/%';
DELETE FROM image_version WHERE key LIKE '%/resourcegroups/rg-bench-$RUN/%';
DELETE FROM image_definition WHERE key LIKE '%/resourcegroups/rg-bench-$RUN/%';
DELETE FROM gallery WHERE key LIKE '%/resourcegroups/rg-bench-$RUN/%';
SQL
}
cleanup() { forget_run; if [ "$STARTED" = 1 ]; then ./gallery down >/dev/null; fi; }
trap cleanup EXIT

TOKEN=$(./gallery token alice)
SUB=c0de0000-0000-4000-8000-00000000c001
RG=/subscriptions/$SUB/resourceGroups/rg-bench-$RUN
C=http://localhost:8081
API="api-version=2024-03-03"
put() { curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$C$1?$API" -d "$2"; }
# managed images take the Compute resource provider's api-versions, never a gallery date
put_mi() { curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$C$1?api-version=2024-07-01" -d "$2"; }

# a fresh stack learns the seeded grants through Kafka within seconds: wait for them
for _ in $(seq 1 60); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(./gallery token alice)" \
      "http://localhost:8082/blobs/westeurope/c0de0000-0000-4000-8000-00000000c001/none")" = 404 ] \
    && [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(./gallery token alice)" \
      "http://localhost:8081/subscriptions/c0de0000-0000-4000-8000-00000000c001/providers/Microsoft.Compute/galleries?api-version=2024-03-03")" = 200 ] && break
  sleep 1
done
echo "setting up: a blob, a managed image, a gallery and two definitions"
head -c 65536 /dev/urandom > /tmp/bench-src-$RUN.raw
BLOB=$(curl -sf -X PUT -H "Authorization: Bearer $TOKEN" --data-binary @/tmp/bench-src-$RUN.raw \
  "http://localhost:8082/blobs/westeurope/$SUB/bench-$RUN.raw" | sed -E 's/.*"blobUri":"([^"]+)".*/\1/')
rm -f /tmp/bench-src-$RUN.raw
MI=$RG/providers/Microsoft.Compute/images/src
put_mi "$MI" '{"location":"westeurope","properties":{"storageProfile":{"osDisk":{"osType":"Linux","osState":"Generalized","blobUri":"'"$BLOB"'"}}}}'
G=$RG/providers/Microsoft.Compute/galleries/bench
put "$G" '{"location":"westeurope"}'
DEF=$G/images/resolve
put "$DEF" '{"location":"westeurope","properties":{"osType":"Linux","osState":"Generalized","identifier":{"publisher":"bench","offer":"resolve","sku":"'"$RUN"'"},"recommended":{"vCPUs":{"min":2,"max":16}}}}'
LIST=$G/images/listing
put "$LIST" '{"location":"northeurope","properties":{"osType":"Linux","osState":"Generalized","identifier":{"publisher":"bench","offer":"listing","sku":"'"$RUN"'"}}}'

echo "seeding 1,000 versions of $DEF, Completed in westeurope (SQL: this measures resolution, not replication)"
DEFKEY1=$(echo "$DEF" | tr 'A-Z' 'a-z')
SRC1=$(echo "$MI" | tr 'A-Z' 'a-z')
PGPASSWORD= psql -q -h 127.0.0.1 -p 55432 -U postgres catalog <<SQL
INSERT INTO image_version (key, resource_id, definition_key, subscription_id, name, major, minor, patch, location,
  source_id, source_blob_uri, replica_count, storage_account_type, exclude_from_latest, provisioning_state, published_at,
  digest, size_bytes)
SELECT '$DEFKEY1/versions/1.0.' || g, '$DEF/versions/1.0.' || g, '$DEFKEY1', '$SUB', '1.0.' || g, 1, 0, g, 'westeurope',
  '$SRC1', '$BLOB', 1, 'Standard_LRS', false, 'Succeeded', now(), 'sha256:bench', 65536 FROM generate_series(0, 999) g;
INSERT INTO version_region (id, version_key, definition_key, region, replica_count, storage_account_type,
  exclude_from_latest, state, progress)
SELECT '$DEFKEY1/versions/1.0.' || g || '|westeurope', '$DEFKEY1/versions/1.0.' || g, '$DEFKEY1', 'westeurope', 1,
  'Standard_LRS', false, 'Completed', 100 FROM generate_series(0, 999) g;
ANALYZE image_version; ANALYZE version_region;
SQL
export TOKEN DEF
RESOLVE="$C/subscriptions/$SUB/providers/Microsoft.Compute/locations/westeurope/resolveImageReference?$API"
for _ in $(seq 1 300); do
  v=$(curl -s -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$RESOLVE" \
      -d '{"imageReference":{"id":"'"$DEF"'"}}' | sed -nE 's/.*"exactVersion":"([^"]+)".*/\1/p')
  [ "$v" = "1.0.999" ] && break; sleep 1
done
echo "latest in westeurope: $v"

echo "== 1. resolve latest (1,000 versions) vs /ping: wrk -t2 -c$CONNS -d$DURATION (each after a ${WARMUP} warm-up)"
# a JVM just started runs both endpoints interpreted at first: warm each up (the JIT), then measure each
wrk -t2 -c"$CONNS" -d"$WARMUP" -s bench/catalog/resolve.lua "$RESOLVE" > /dev/null
wrk -t2 -c"$CONNS" -d"$WARMUP" "$C/ping" > /dev/null
wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s bench/catalog/resolve.lua "$RESOLVE" > /tmp/wrk-resolve.txt
wrk -t2 -c"$CONNS" -d"$DURATION" --latency "$C/ping" > /tmp/wrk-ping.txt
rps() { grep 'Requests/sec' "$1" | awk '{print $2}'; }
p99() { grep -E '^ +99%' "$1" | awk '{print $2}'; }
errors() { grep -E 'Non-2xx|Socket errors' "$1" || true; }
echo "resolve: $(rps /tmp/wrk-resolve.txt) req/s, p99 $(p99 /tmp/wrk-resolve.txt) $(errors /tmp/wrk-resolve.txt)"
echo "/ping:   $(rps /tmp/wrk-ping.txt) req/s, p99 $(p99 /tmp/wrk-ping.txt) $(errors /tmp/wrk-ping.txt)"
python3 -c "print('throughput ratio resolve / ping: %.2f' % ($(rps /tmp/wrk-resolve.txt) / $(rps /tmp/wrk-ping.txt)))"

echo "== 2. listing 10,000 versions page by page"
DEFKEY=$(echo "$LIST" | tr 'A-Z' 'a-z')
SRC=$(echo "$MI" | tr 'A-Z' 'a-z')
PGPASSWORD= psql -q -h 127.0.0.1 -p 55432 -U postgres catalog <<SQL
INSERT INTO image_version (key, resource_id, definition_key, subscription_id, name, major, minor, patch, location,
  source_id, source_blob_uri, replica_count, storage_account_type, exclude_from_latest, provisioning_state, published_at)
SELECT '$DEFKEY/versions/2.' || (g / 1000) || '.' || (g % 1000), '$LIST/versions/2.' || (g / 1000) || '.' || (g % 1000),
  '$DEFKEY', '$SUB', '2.' || (g / 1000) || '.' || (g % 1000), 2, g / 1000, g % 1000, 'northeurope', '$SRC', '$BLOB',
  1, 'Standard_LRS', false, 'Succeeded', now() FROM generate_series(0, 9999) g;
INSERT INTO version_region (id, version_key, definition_key, region, replica_count, storage_account_type,
  exclude_from_latest, state, progress)
SELECT '$DEFKEY/versions/2.' || (g / 1000) || '.' || (g % 1000) || '|northeurope',
  '$DEFKEY/versions/2.' || (g / 1000) || '.' || (g % 1000), '$DEFKEY', 'northeurope', 1, 'Standard_LRS', false,
  'Completed', 100 FROM generate_series(0, 9999) g;
ANALYZE image_version; ANALYZE version_region;
SQL
python3 - "$C" "$LIST" "$TOKEN" <<'PY'
import json, sys, time, urllib.request
c, lst, token = sys.argv[1:4]
def get(url):
    req = urllib.request.Request(url, headers={"Authorization": "Bearer " + token})
    t = time.perf_counter()
    with urllib.request.urlopen(req) as r:
        body = r.read()
    return (time.perf_counter() - t) * 1000, body
def pct(xs, p):
    s = sorted(xs); return s[min(len(s) - 1, int(-(-p * len(s) // 100)) - 1)]
def walk():
    pages, times, url, count = 0, [], c + lst + "/versions?api-version=2024-03-03", 0
    while url:
        ms, body = get(url)
        doc = json.loads(body); times.append(ms); pages += 1; count += len(doc["value"]); url = doc.get("nextLink")
    return pages, times, count
walk()  # warm up (the JIT), as for resolve: one whole pass, then the measured one
pages, times, count = walk()
ping = [get(c + "/ping")[0] for _ in range(pages)]
print("listing: %d versions in %d pages: per page p50 %.1f ms, p99 %.1f ms, max %.1f ms" % (count, pages, pct(times, 50), pct(times, 99), max(times)))
print("/ping with the same client (n=%d): p50 %.1f ms, p99 %.1f ms" % (pages, pct(ping, 50), pct(ping, 99)))
PY

echo "== 3. PUT version -> VersionPublished on Kafka"
BENCH_KAFKA_PASSWORD="$(sed -n 's/^kafka=//p' .local/bus/secrets.properties)" \
java -cp "devstack/kafka-dist/target/lib/*" bench/catalog/PublishLatency.java 127.0.0.1:9094 "$C" "$DEF" "$MI" "$TOKEN" 200 2>/dev/null
