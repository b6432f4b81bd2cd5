#!/usr/bin/env bash
# Front door benchmarks (issue 15), each figure beside its baseline measured in the same run:
#   a. resolve latest of a definition with 1,000 versions (bench/catalog's call, real Keycloak token) under wrk through
#      the door (https, and its http twin) vs straight to catalog-service: same wrk settings, one after the other;
#      target: the door over https >= 0.7x;
#   b. upload of the 1 GiB v1 image of ../shared/bench/make-image-pair.py (curl -T, as bench/replication/upload.sh)
#      through the door over https vs straight to replication-service, alternating; target >= 0.8x.
# Beside each figure: the CPU the door and the service spent on it (user + system, from /proc/<pid>/stat; the pids
# from the stack's summary.txt, in GALLERY_RUN_DIR or .local; DOOR_PID=<pid> for a door started by hand), per request
# for a, per GiB for b. PARTS=a or PARTS=b runs one of the two.
# A reference proxy beside the door, same run, where nginx is installed (Debian: apt-get install nginx-light; NGINX=off
# leaves it out): nginx with the door's routes for these two calls (keep-alive to the services, bodies streamed both
# ways, https with the stack's certificate), started here on the door's ports + 10000 and stopped again. It tells what
# any proxy hop costs on this machine, against what the door costs.
# Uses the local stack (./gallery up; started and stopped here if it is not running). GALLERY_PORT_OFFSET=N (and
# GALLERY_CA=<its run folder>/tls/ca.crt) measures a stack whose ports are all N higher, started beside another with
#   GALLERY_PORT_OFFSET=N GALLERY_RUN_DIR=/tmp/stack-N java -cp "devstack/target/classes:$(cat devstack/target/classpath.txt)" \
#     dev.imagegallery.devstack.DevStack
# Needs: wrk (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk), curl, python3, psql (postgresql-client).
set -euo pipefail
cd "$(dirname "$0")/../.."
OFF=${GALLERY_PORT_OFFSET:-0}
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-10s}
CONNS=${CONNS:-16}
RUNS=${RUNS:-2}
PARTS=${PARTS:-ab}   # a: resolve, b: upload (PARTS=b measures the uploads alone)
SIZE_MIB=${SIZE_MIB:-1024}
WORK=${BENCH_DIR:-/tmp/repl-bench}
REGION=${BENCH_REGION:-westus2}
p() { echo $(( $1 + OFF )); }
C=http://localhost:$(p 8081)
R=http://localhost:$(p 8082)
DOOR=https://localhost:$(p 8443)
DOOR_HTTP=http://localhost:$(p 8080)
CA=${GALLERY_CA:-.local/tls/ca.crt}
PG=$(p 55432)
STARTED=0
RUN=$(date +%s)
RUN_DIR=${GALLERY_RUN_DIR:-.local}
for t in wrk curl python3 psql; do command -v $t >/dev/null || { echo "$t is missing (wrk: apt-get install wrk)" >&2; exit 1; }; done
if [ "$OFF" = 0 ]; then
  if ! ./gallery status > /tmp/gallery-status.txt || ! grep -q '^running' /tmp/gallery-status.txt; then ./gallery up >/dev/null; STARTED=1; fi
fi
[ "$(curl -s --cacert "$CA" -o /dev/null -w '%{http_code}' "$DOOR/none")" = 404 ] \
  || { echo "the front door does not answer on $DOOR (CA $CA)" >&2; exit 1; }
forget_run() {
  PGPASSWORD= psql -q -h 127.0.0.1 -p "$PG" -U postgres catalog >/dev/null 2>&1 <<SQL || true
DELETE FROM version_region WHERE version_key LIKE '%/resourcegroups/rg-door-$RUN/%';
DELETE FROM image_version WHERE key LIKE '%/resourcegroups/rg-door-$RUN/%';
DELETE FROM image_definition WHERE key LIKE '%/resourcegroups/rg-door-$RUN/%';
DELETE FROM gallery WHERE key LIKE '%/resourcegroups/rg-door-$RUN/%';
SQL
}
NGINX_PID=
cleanup() {
  forget_run
  if [ -n "$NGINX_PID" ]; then kill "$NGINX_PID" 2>/dev/null || true; fi
  if [ "$STARTED" = 1 ]; then ./gallery down >/dev/null; fi
}
trap cleanup EXIT

# the reference proxy: nginx in the foreground of its own process group (master + 2 workers), pid kept for cleanup
NG=; NG_HTTP=; NG_HTTPS=
if [ "${NGINX:-}" != off ] && command -v "${NGINX:-nginx}" >/dev/null && command -v openssl >/dev/null; then
  NG=$WORK/nginx; mkdir -p "$NG"
  openssl pkcs12 -in "$RUN_DIR/tls/localhost.p12" -nocerts -nodes -passin "file:$RUN_DIR/tls/password" \
    -out "$NG/key.pem" 2>/dev/null && openssl pkcs12 -in "$RUN_DIR/tls/localhost.p12" -clcerts -nokeys \
    -passin "file:$RUN_DIR/tls/password" -out "$NG/cert.pem" 2>/dev/null || NG=
fi
if [ -n "$NG" ]; then
  NG_HTTP=http://localhost:$(p 18080); NG_HTTPS=https://localhost:$(p 18443)
  cat > "$NG/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $NG/nginx.pid;
error_log $NG/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $NG/body; proxy_temp_path $NG/proxy; fastcgi_temp_path $NG/fcgi; uwsgi_temp_path $NG/uwsgi;
  scgi_temp_path $NG/scgi;
  upstream catalog { server 127.0.0.1:$(p 8081); keepalive 64; }
  upstream replication { server 127.0.0.1:$(p 8082); keepalive 64; }
  server {
    listen $(p 18080);
    listen $(p 18443) ssl;
    ssl_certificate $NG/cert.pem;
    ssl_certificate_key $NG/key.pem;
    client_max_body_size 0;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host \$http_host;
    proxy_set_header X-Forwarded-Host \$http_host;
    proxy_set_header X-Forwarded-Proto \$scheme;
    proxy_set_header X-Forwarded-For \$remote_addr;
    proxy_set_header x-ms-request-id \$request_id;
    add_header x-ms-request-id \$request_id always;
    proxy_request_buffering off;
    proxy_buffering off;
    location /blobs/ { proxy_pass http://replication; }
    location / { proxy_pass http://catalog; }
  }
}
CONF
  "${NGINX:-nginx}" -c "$NG/nginx.conf" -e "$NG/error.log" > "$NG/out.log" 2>&1 &
  NGINX_PID=$!
  for _ in $(seq 1 50); do [ -s "$NG/nginx.pid" ] && break; sleep 0.1; done
  [ "$(curl -s --cacert "$CA" -o /dev/null -w '%{http_code}' "$NG_HTTPS/none")" = 404 ] \
    || { echo "nginx did not start (log $NG/error.log): no reference proxy" >&2; kill "$NGINX_PID" 2>/dev/null; NGINX_PID=; NG=; }
else
  echo "nginx is not installed (apt-get install nginx-light): no reference proxy in this run" >&2
fi
# nginx's master and its workers, comma-separated
nginx_pids() { if [ -n "$NGINX_PID" ]; then echo "$NGINX_PID$(pgrep -P "$NGINX_PID" | sed 's/^/,/' | tr -d '\n')"; fi; }

token() {
  curl -sf -d grant_type=password -d client_id=gallery-cli -d username=alice -d password=alice \
    "http://localhost:$(p 8180)/realms/contoso/protocol/openid-connect/token" | sed -E 's/.*"access_token":"([^"]+)".*/\1/'
}
TOKEN=$(token)
SUB=c0de0000-0000-4000-8000-00000000c001
RG=/subscriptions/$SUB/resourceGroups/rg-door-$RUN
API="api-version=2024-03-03"
put() { curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$C$1?$API" -d "$2"; }
# managed images take the Compute resource provider's api-versions, never a gallery date
put_mi() { curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$C$1?api-version=2024-07-01" -d "$2"; }

for _ in $(seq 1 60); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$R/blobs/westeurope/$SUB/none")" = 404 ] \
    && [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
      "$C/subscriptions/$SUB/providers/Microsoft.Compute/galleries?$API")" = 200 ] && break
  sleep 1
done
echo "setting up: a blob, a managed image, a gallery, a definition with 1,000 versions (as bench/catalog/run.sh)"
head -c 65536 /dev/urandom > /tmp/door-src-$RUN.raw
BLOB=$(curl -sf -X PUT -H "Authorization: Bearer $TOKEN" --data-binary @/tmp/door-src-$RUN.raw \
  "$R/blobs/westeurope/$SUB/door-$RUN.raw" | sed -E 's/.*"blobUri":"([^"]+)".*/\1/')
rm -f /tmp/door-src-$RUN.raw
MI=$RG/providers/Microsoft.Compute/images/src
put_mi "$MI" '{"location":"westeurope","properties":{"storageProfile":{"osDisk":{"osType":"Linux","osState":"Generalized","blobUri":"'"$BLOB"'"}}}}'
G=$RG/providers/Microsoft.Compute/galleries/door
put "$G" '{"location":"westeurope"}'
DEF=$G/images/resolve
put "$DEF" '{"location":"westeurope","properties":{"osType":"Linux","osState":"Generalized","identifier":{"publisher":"bench","offer":"door","sku":"'"$RUN"'"},"recommended":{"vCPUs":{"min":2,"max":16}}}}'
DEFKEY=$(echo "$DEF" | tr 'A-Z' 'a-z')
SRC=$(echo "$MI" | tr 'A-Z' 'a-z')
PGPASSWORD= psql -q -h 127.0.0.1 -p "$PG" -U postgres catalog <<SQL
INSERT INTO image_version (key, resource_id, definition_key, subscription_id, name, major, minor, patch, location,
  source_id, source_blob_uri, replica_count, storage_account_type, exclude_from_latest, provisioning_state, published_at,
  digest, size_bytes)
SELECT '$DEFKEY/versions/1.0.' || g, '$DEF/versions/1.0.' || g, '$DEFKEY', '$SUB', '1.0.' || g, 1, 0, g, 'westeurope',
  '$SRC', '$BLOB', 1, 'Standard_LRS', false, 'Succeeded', now(), 'sha256:bench', 65536 FROM generate_series(0, 999) g;
INSERT INTO version_region (id, version_key, definition_key, region, replica_count, storage_account_type,
  exclude_from_latest, state, progress)
SELECT '$DEFKEY/versions/1.0.' || g || '|westeurope', '$DEFKEY/versions/1.0.' || g, '$DEFKEY', 'westeurope', 1,
  'Standard_LRS', false, 'Completed', 100 FROM generate_series(0, 999) g;
ANALYZE image_version; ANALYZE version_region;
SQL
export TOKEN DEF
PATH_RESOLVE="/subscriptions/$SUB/providers/Microsoft.Compute/locations/westeurope/resolveImageReference?$API"
for _ in $(seq 1 300); do
  v=$(curl -s --cacert "$CA" -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
      "$DOOR$PATH_RESOLVE" -d '{"imageReference":{"id":"'"$DEF"'"}}' | sed -nE 's/.*"exactVersion":"([^"]+)".*/\1/p')
  [ "$v" = "1.0.999" ] && break; sleep 1
done
echo "latest in westeurope through the door: $v"

# CPU ticks (user + system) a stack process has spent so far; 0 where the pid is not known (a stack of another kind)
pid_of() { sed -nE "s/.*[[ ]$1=([0-9]+).*/\1/p" "$RUN_DIR/summary.txt" 2>/dev/null | head -1; }
DOOR_PID=${DOOR_PID:-$(pid_of front-door)}; CAT_PID=$(pid_of catalog-service); REP_PID=$(pid_of replication-service)
# ticks PIDS: of one process, or the sum over comma-separated ones
ticks() {
  local t=0 pid
  for pid in ${1//,/ }; do
    if [ -r "/proc/$pid/stat" ]; then t=$((t + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); fi
  done
  echo "$t"
}
HZ=$(getconf CLK_TCK)
# cpu_us TICKS_BEFORE TICKS_AFTER COUNT: microseconds of CPU per item
cpu_us() { python3 -c "import sys; b,a,n,hz=map(float,sys.argv[1:]); print(f'{(a-b)/hz*1e6/n:.0f}' if n else '?')" "$1" "$2" "$3" "$HZ"; }
requests() { grep -E '^ *[0-9]+ requests in' "$1" | awk '{print $1}'; }
rps() { grep 'Requests/sec' "$1" | awk '{print $2}'; }
p99() { grep -E '^ +99%' "$1" | awk '{print $2}'; }
errors() { grep -E 'Non-2xx|Socket errors' "$1" | tr -s ' ' | tr '\n' ' ' || true; }
if [[ "$PARTS" == *a* ]]; then
echo "== a. resolve latest (1,000 versions): wrk -t2 -c$CONNS -d$DURATION, each after a $WARMUP warm-up"
for url in "$C" "$DOOR" "$DOOR_HTTP" $NG_HTTPS $NG_HTTP; do
  wrk -t2 -c"$CONNS" -d"$WARMUP" -s bench/catalog/resolve.lua "$url$PATH_RESOLVE" > /dev/null
done
# measure NAME URL PROXY_PIDS: the wrk run into /tmp/wrk-NAME.txt, the proxy's and catalog-service's CPU per request
measure() {
  local d0 c0 d1 c1 n
  d0=$(ticks "$3"); c0=$(ticks "$CAT_PID")
  wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s bench/catalog/resolve.lua "$2$PATH_RESOLVE" > "/tmp/wrk-$1.txt"
  d1=$(ticks "$3"); c1=$(ticks "$CAT_PID"); n=$(requests "/tmp/wrk-$1.txt")
  echo "$(cpu_us "$d0" "$d1" "$n") $(cpu_us "$c0" "$c1" "$n")" > "/tmp/wrk-$1.cpu"
}
NAMES="direct door door-http"
measure direct "$C" ""
measure door "$DOOR" "$DOOR_PID"
measure door-http "$DOOR_HTTP" "$DOOR_PID"
if [ -n "$NG" ]; then
  measure nginx "$NG_HTTPS" "$(nginx_pids)"
  measure nginx-http "$NG_HTTP" "$(nginx_pids)"
  NAMES="$NAMES nginx nginx-http"
fi
python3 - $NAMES <<'PY'
import re, sys
def wrk(name):
    t = open(f"/tmp/wrk-{name}.txt").read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    p99 = re.search(r"^\s+99%\s+(\S+)", t, re.M).group(1)
    return rps, p99
names = sys.argv[1:]
r = {n: wrk(n) for n in names}
d = r["direct"][0]
label = {"direct": "straight to catalog-service (http)", "door": "through the door (https)",
         "door-http": "through the door (http twin)", "nginx": "through nginx, reference (https)",
         "nginx-http": "through nginx, reference (http)"}
for n in names:
    rps, p99 = r[n]
    line = f"{label[n]:<40} {rps:>9.0f} req/s  p99 {p99:>8}  "
    if n == "direct":
        line += "(baseline)"
    else:
        line += f"{rps/d:.2f}x"
        if n == "door":
            line += f"  >= 0.7x {'PASS' if rps/d >= 0.7 else 'FAIL'}"
    print(line)
if "nginx" in r:
    print(f"the door against nginx, same run: {r['door'][0]/r['nginx'][0]:.2f}x over https, "
          f"{r['door-http'][0]/r['nginx-http'][0]:.2f}x over http")
PY
if [ -n "$DOOR_PID" ]; then
  for f in $NAMES; do
    read -r dcpu ccpu < "/tmp/wrk-$f.cpu"
    proxy=door; [[ "$f" == nginx* ]] && proxy=nginx
    printf '  CPU per request, %-11s %-5s %5s us   catalog-service %5s us\n' "$f:" "$proxy" "$dcpu" "$ccpu"
  done
fi
for n in $NAMES; do f=/tmp/wrk-$n.txt; e=$(errors $f); [ -z "$e" ] || echo "  $f: $e"; done
fi

[[ "$PARTS" == *b* ]] || exit 0
echo "== b. upload of make-image-pair.py's v1 (${SIZE_MIB} MiB, curl -T): through the door (https) vs straight to replication-service"
mkdir -p "$WORK"
if [[ ! -f "$WORK/pair.json" || ! -f "$WORK/pair/v1.img" ]]; then
  python3 /work/shared/bench/make-image-pair.py "$WORK/pair" --size-mib "$SIZE_MIB" --insert > "$WORK/pair.json"
fi
v1="$(python3 -c "import json; print(json.load(open('$WORK/pair.json'))['v1'])")"
cat "$v1" > /dev/null
sha="$(sha256sum "$v1" | cut -d' ' -f1)"
TOKEN=$(token)
# upload BASE NAME: prints the seconds; the blob is deleted again, so the next upload finds the region without it
upload() {
  local out code
  out="$(curl -s --cacert "$CA" -o "$WORK/upload.json" -w "%{http_code} %{time_total}" -T "$v1" \
    -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/octet-stream" -H "X-Content-SHA256: $sha" \
    "$1/blobs/$REGION/$SUB/$2")"
  code="${out%% *}"
  [[ "$code" == 201 ]] || { echo "upload of $2 to $1 answered $code: $(cat "$WORK/upload.json")" >&2; exit 1; }
  curl -sf --cacert "$CA" -o /dev/null -X DELETE -H "Authorization: Bearer $TOKEN" "$1/blobs/$REGION/$SUB/$2"
  echo "${out#* }"
}
# warm-up: both paths have taken two uploads before (after one, the door's first measured upload, its code not yet
# compiled, still came out 0.1 to 0.2x below the next ones)
for w in 1 2; do
  upload "$R" "door-warm-$RUN-a$w" > /dev/null
  upload "$DOOR" "door-warm-$RUN-b$w" > /dev/null
  if [ -n "$NG" ]; then upload "$NG_HTTPS" "door-warm-$RUN-c$w" > /dev/null; fi
done
size=$(stat -c %s "$v1")
for r in $(seq "$RUNS"); do
  r0=$(ticks "$REP_PID")
  direct=$(upload "$R" "door-direct-$RUN-$r")
  r1=$(ticks "$REP_PID"); d1=$(ticks "$DOOR_PID")
  door=$(upload "$DOOR" "door-door-$RUN-$r")
  r2=$(ticks "$REP_PID"); d2=$(ticks "$DOOR_PID")
  ng=0; n1=0; n2=0
  if [ -n "$NG" ]; then
    n1=$(ticks "$(nginx_pids)"); ng=$(upload "$NG_HTTPS" "door-nginx-$RUN-$r"); n2=$(ticks "$(nginx_pids)")
  fi
  python3 - "$direct" "$door" "$size" "$ng" <<'PY'
import sys
d, s, size, n = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
r = d / s
print(f"upload through the door (https) {size/s/1e6:>6.0f} MB/s ({s:.2f}s)   straight to replication-service "
      f"{size/d/1e6:>6.0f} MB/s ({d:.2f}s)   {r:.2f}x  >= 0.8x {'PASS' if r >= 0.8 else 'FAIL'}")
if n:
    print(f"  through nginx, reference (https) {size/n/1e6:>6.0f} MB/s ({n:.2f}s)   {d/n:.2f}x of straight; "
          f"the door {n/s:.2f}x of nginx")
PY
  if [ -n "$DOOR_PID" ]; then
    python3 - "$r0" "$r1" "$r2" "$d1" "$d2" "$size" "$HZ" <<'PY'
import sys
r0, r1, r2, d1, d2, size, hz = map(float, sys.argv[1:])
gib = size / 2**30
print(f"  CPU per GiB: door {(d2-d1)/hz/gib:.2f} s; replication-service {(r1-r0)/hz/gib:.2f} s straight, "
      f"{(r2-r1)/hz/gib:.2f} s behind the door")
PY
    if [ -n "$NG" ]; then
      python3 -c "import sys; print(f'  CPU per GiB: nginx {(float(sys.argv[2])-float(sys.argv[1]))/float(sys.argv[3])/(float(sys.argv[4])/2**30):.2f} s')" \
        "$n1" "$n2" "$HZ" "$size"
    fi
  fi
done
