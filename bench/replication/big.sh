#!/usr/bin/env bash
# Big images end to end (issue 16): make-image-pair.py's v1 at 16 GiB, uploaded over HTTP into westeurope, published
# as a version replicated to two regions with two replicas each (westeurope, where the upload is, and northeurope),
# downloaded from northeurope and compared by SHA-256, with replication-service at its 512 MiB heap throughout (the
# local stack runs it with -Xms512m -Xmx512m). Prints each wall time beside a baseline from the same run:
#   upload          curl -T of v1                      beside cp --sparse=always of v1 + sync (the bytes the store keeps)
#   replication     PUT to aggregatedState Completed   beside that many cp --sparse=always + sync, one after another
#                                                      (as many as the copies wrote: the stores' growth / v1's data)
#   download        curl | sha256sum                   beside cat v1 | sha256sum
# and the peak heap of replication-service (jstat, every second, whole run), and the metadata the stores keep
# (manifests, index, pack directories) per GiB of distinct content (the packs), target under 1 %.
# Starts a stack of its own beside any other, as burst.sh does (devstack's DevStack: embedded PostgreSQL, a KRaft
# Kafka broker, Keycloak, the services from this checkout's packaged jars; every port shifted by BIG_PORT_OFFSET, 5000;
# run folder BIG_RUN_DIR, /tmp/big-stack, whose stores/ hold the content), and stops it again. Build first:
# ./mvnw -B -o package -DskipTests (never install).
# Needs: python3, curl, jstat (JDK),
# about 60 GiB free on the disk of BENCH_DIR and the run folder (v1 16 GiB; four stores of ~9.4 GiB each). The
# generator is stopped once v1 is written: deriving v2 would hold the image twice in memory (32 GiB), which the run
# does not need.
# The version, its definition, gallery, managed image and blob are deleted at the end and the stack's stores removed;
# v1 is kept for the next run (KEEP_IMAGE=0 removes it). SIZE_MIB=1024 runs the same on the 1 GiB image.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=$(pwd)
SIZE_MIB=${SIZE_MIB:-16384}
WORK=${BENCH_DIR:-/work/big-bench}
KEEP_IMAGE=${KEEP_IMAGE:-1}
for t in curl python3 jstat sha256sum; do command -v $t >/dev/null || { echo "$t is missing" >&2; exit 1; }; done
mkdir -p "$WORK"
PAIR="$WORK/pair-$SIZE_MIB"
if [[ ! -f "$PAIR.json" ]]; then
  # the generator writes v1 first (from its seeded generator, 16 MiB at a time), then reads it whole into memory to
  # derive v2, which this run does not need: it is stopped once v1 is written and closed, and v1's not-zero bytes
  # are counted here as the generator counts them (4 KiB blocks that are not all zeros)
  echo "making the ${SIZE_MIB} MiB image v1 (make-image-pair.py, stopped before it derives v2)"
  rm -rf "$PAIR"
  python3 /work/shared/bench/make-image-pair.py "$PAIR" --size-mib "$SIZE_MIB" --insert > /dev/null &
  GEN=$!
  want=$(( SIZE_MIB * 1048576 / 16777216 * 16777216 ))
  while kill -0 "$GEN" 2>/dev/null; do
    if [[ -f "$PAIR/v1.img" && $(stat -c %s "$PAIR/v1.img") -ge $want ]] \
       && ! ls -l /proc/$GEN/fd 2>/dev/null | grep -q 'v1.img'; then
      break
    fi
    sleep 1
  done
  kill "$GEN" 2>/dev/null; wait "$GEN" 2>/dev/null || true
  rm -f "$PAIR/v2.img"
  python3 - "$PAIR/v1.img" > "$PAIR.json.tmp" <<'PY'
import json, sys
BLOCK, READ = 4096, 16 << 20
zero, zread, n = bytes(BLOCK), bytes(READ), 0
with open(sys.argv[1], "rb") as f:
    while b := f.read(READ):
        if b == zread[:len(b)]:
            continue
        mv = memoryview(b)
        n += sum(min(BLOCK, len(b) - i) for i in range(0, len(b), BLOCK) if mv[i:i + BLOCK] != zero[:len(mv[i:i + BLOCK])])
print(json.dumps({"v1": sys.argv[1], "v1_nonzero_bytes": n}))
PY
  mv "$PAIR.json.tmp" "$PAIR.json"
fi
v1=$(python3 -c "import json; print(json.load(open('$PAIR.json'))['v1'])")
data=$(python3 -c "import json; d=json.load(open('$PAIR.json')); print(d.get('v1_nonzero', d.get('v1_nonzero_bytes', 0)))")
size=$(stat -c %s "$v1")

OFF=${BIG_PORT_OFFSET:-5000}
RUN_DIR=${BIG_RUN_DIR:-/tmp/big-stack}
for m in catalog-service replication-service access-service billing-service front-door; do
  [ -f "$m/target/quarkus-app/quarkus-run.jar" ] || { echo "$m is not packaged: ./mvnw -B -o package -DskipTests" >&2; exit 1; }
done
mkdir -p "$RUN_DIR"
rm -rf "$RUN_DIR/stores"
echo "starting a stack on ports +$OFF (run folder $RUN_DIR; log $RUN_DIR/devstack.log)"
GALLERY_RUN_DIR="$RUN_DIR" GALLERY_PORT_OFFSET="$OFF" \
  java -Xmx128m -cp "devstack/target/classes:$(cat devstack/target/classpath.txt)" dev.imagegallery.devstack.DevStack \
  > "$RUN_DIR/devstack.log" 2>&1 &
STACK_PID=$!
for _ in $(seq 1 900); do
  [ -f "$RUN_DIR/ready" ] && break
  kill -0 "$STACK_PID" 2>/dev/null || { tail -30 "$RUN_DIR/devstack.log"; echo "the stack did not start" >&2; exit 1; }
  sleep 1
done
[ -f "$RUN_DIR/ready" ] || { echo "the stack did not start within 15 minutes" >&2; exit 1; }
R=http://localhost:$((8082 + OFF))
C=http://localhost:$((8081 + OFF))
KC=http://localhost:$((8180 + OFF))
STORES="$RUN_DIR/stores"
RPID=$(for p in $(pgrep -f "replication-service/target/quarkus-app/quarkus-run.jar"); do
  tr '\0' '\n' < /proc/$p/environ 2>/dev/null | grep -qx "GALLERY_STORE_ROOT=$STORES" && echo "$p"; done | head -1)
[[ -n "$RPID" ]] || { echo "replication-service of the stack in $RUN_DIR is not running" >&2; exit 1; }
RUN=$(date +%s)
SUB=c0de0000-0000-4000-8000-00000000c001
RG=/subscriptions/$SUB/resourceGroups/rg-big-$RUN
MI=$RG/providers/Microsoft.Compute/images/big
G=$RG/providers/Microsoft.Compute/galleries/big
DEF=$G/images/big
VER=$DEF/versions/1.0.0
API=api-version=2024-03-03
BLOB=big-$RUN.raw
token() {
  curl -sf -d grant_type=password -d client_id=gallery-cli -d username=alice -d password=alice \
    "$KC/realms/contoso/protocol/openid-connect/token" | python3 -c "import json,sys; print(json.load(sys.stdin)['access_token'])"
}
TOKEN=$(token)
call() { # METHOD PATH [BODY] [api-version]: the answer's body; fails on a status >= 400
  curl -sf -X "$1" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    "$C$2?${4:-$API}" ${3:+-d "$3"}
}
cleanup() {
  set +e
  [[ -n "${JSTAT:-}" ]] && kill "$JSTAT" 2>/dev/null
  TOKEN=$(token)
  for p in "$VER" "$DEF" "$G"; do
    call DELETE "$p" > /dev/null
    for _ in $(seq 1 120); do
      [[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$C$p?$API")" == 404 ]] && break
      sleep 1
    done
  done
  call DELETE "$MI" "" api-version=2024-07-01 > /dev/null
  curl -s -o /dev/null -X DELETE -H "Authorization: Bearer $TOKEN" "$R/blobs/westeurope/$SUB/$BLOB"
  rm -rf "$WORK/cp"
  [[ "$KEEP_IMAGE" == 1 ]] || rm -rf "$PAIR" "$PAIR.json"
  if kill -0 "$STACK_PID" 2>/dev/null; then kill -TERM "$STACK_PID"; wait "$STACK_PID" 2>/dev/null; fi
  rm -rf "$STORES"
}
trap cleanup EXIT
now() { date +%s.%N; }
el() { python3 -c "print(f'{$2-$1:.2f}')"; }
stored() { if [[ -d "$STORES" ]]; then du -sb "$STORES" | cut -f1; else echo 0; fi; } # made at the first upload
cpsync() { mkdir -p "$WORK/cp"; sync; local t; t=$(now); cp --sparse=always "$v1" "$WORK/cp/v1.img"; sync; el "$t" "$(now)"; rm -rf "$WORK/cp"; }

# the services have learned the seeded role assignments (access-service's events)
for _ in $(seq 1 120); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$R/blobs/westeurope/$SUB/none")" == 404 ]] \
    && [[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
      "$C/subscriptions/$SUB/providers/Microsoft.Compute/galleries?$API")" == 200 ]] && break
  sleep 1
done
# the peak heap of replication-service over the whole run: used = survivor + eden + old, every second
jstat -gc "$RPID" 1000 > "$WORK/jstat.txt" 2>&1 &
JSTAT=$!
echo "v1: $((size >> 20)) MiB, $((data >> 20)) MiB of it not zero; replication-service pid $RPID, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
sha=$(sha256sum "$v1" | cut -d' ' -f1)

# 1. upload
cp_up=$(cpsync)
before=$(stored)
t=$(now)
code=$(curl -s -o "$WORK/upload.json" -w '%{http_code}' -T "$v1" -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/octet-stream' -H "X-Content-SHA256: $sha" "$R/blobs/westeurope/$SUB/$BLOB")
up=$(el "$t" "$(now)")
[[ "$code" == 201 ]] || { echo "the upload answered $code: $(cat "$WORK/upload.json")" >&2; exit 1; }
blobUri=$(python3 -c "import json; print(json.load(open('$WORK/upload.json'))['blobUri'])")
after_up=$(stored)

# 2. publish: two regions, two replicas each
TOKEN=$(token)
call PUT "$MI" '{"location":"westeurope","properties":{"storageProfile":{"osDisk":{"osType":"Linux","osState":"Generalized","blobUri":"'"$blobUri"'"}}}}' api-version=2024-07-01 > /dev/null
call PUT "$G" '{"location":"westeurope"}' > /dev/null
call PUT "$DEF" '{"location":"westeurope","properties":{"osType":"Linux","osState":"Generalized","identifier":{"publisher":"bench","offer":"big","sku":"'"$RUN"'"}}}' > /dev/null
t=$(now)
call PUT "$VER" '{"location":"westeurope","properties":{"publishingProfile":{"targetRegions":[{"name":"westeurope","regionalReplicaCount":2},{"name":"northeurope","regionalReplicaCount":2}]},"storageProfile":{"source":{"id":"'"$MI"'"}}}}' > /dev/null
state=""
for _ in $(seq 1 3600); do
  state=$(curl -s -H "Authorization: Bearer $TOKEN" "$C$VER?$API&\$expand=ReplicationStatus" \
    | python3 -c "import json,sys; print(json.load(sys.stdin)['properties'].get('replicationStatus',{}).get('aggregatedState',''))" 2>/dev/null || true)
  [[ "$state" == Completed || "$state" == Failed ]] && break
  sleep 1
  (( SECONDS % 240 == 0 )) && TOKEN=$(token)
done
repl=$(el "$t" "$(now)")
[[ "$state" == Completed ]] || { echo "replication ended $state" >&2; exit 1; }
sync
after_repl=$(stored)
copies=$(python3 -c "print(max(1, round(($after_repl - $after_up) / max(1, $data))))")
cp_repl=0
for _ in $(seq 1 "$copies"); do cp_repl=$(python3 -c "print($cp_repl + $(cpsync))"); done

# 3. download from the other region, compared
TOKEN=$(token)
t=$(now)
got=$(curl -sf -H "Authorization: Bearer $TOKEN" "$R/download/northeurope$VER?$API" | sha256sum | cut -d' ' -f1)
down=$(el "$t" "$(now)")
t=$(now); cat "$v1" | sha256sum > /dev/null; cat_s=$(el "$t" "$(now)")
kill "$JSTAT" 2>/dev/null; JSTAT=""

python3 - "$size" "$data" "$up" "$cp_up" "$repl" "$cp_repl" "$copies" "$down" "$cat_s" "$sha" "$got" \
  "$WORK/jstat.txt" "$STORES" <<'PY'
import os, sys
size, data = int(sys.argv[1]), int(sys.argv[2])
up, cp_up, repl, cp_repl, copies, down, cat_s = map(float, sys.argv[3:10])
sha, got, jstat, stores = sys.argv[10:14]
G = 1 << 30
print(f"{'figure':<44} {'replication-service':>22} {'baseline, same run':>30} {'ratio':>7}")
print(f"{'upload over HTTP (curl -T)':<44} {up:>10.1f} s {size/up/1e6:>6.0f} MB/s {'cp --sparse + sync ' + format(cp_up, '.1f') + ' s':>30} {cp_up/up:>6.2f}x")
print(f"{'2 regions x 2 replicas, PUT to Completed':<44} {repl:>10.1f} s {'':>11} {f'{int(copies)} x cp --sparse + sync {cp_repl:.1f} s':>30} {repl/cp_repl:>6.2f}x")
print(f"{'download from northeurope | sha256sum':<44} {down:>10.1f} s {size/down/1e6:>6.0f} MB/s {'cat v1 | sha256sum ' + format(cat_s, '.1f') + ' s':>30} {cat_s/down:>6.2f}x")
print(f"identical: {'yes' if got == sha else 'NO: ' + got + ' != ' + sha}")
peak, cap = 0.0, 0.0
for line in open(jstat):
    f = line.split()
    if len(f) < 10 or not f[0][0].isdigit():
        continue
    # S0C S1C S0U S1U EC EU OC OU ...
    s0c, s1c, s0u, s1u, ec, eu, oc, ou = map(float, f[:8])
    peak = max(peak, s0u + s1u + eu + ou)
    cap = max(cap, s0c + s1c + ec + oc)
print(f"replication-service heap: peak used {peak/1024:.0f} MiB of {cap/1024:.0f} MiB committed (jstat -gc every second)")
meta, content = 0, 0
kinds = {"manifests": 0, "index (RocksDB: entries, counts, journal, log)": 0, "pack directories": 0, "refs and other": 0}
for root, dirs, files in os.walk(stores):
    for n in files:
        p = os.path.join(root, n)
        try:
            b = os.stat(p).st_blocks * 512
        except OSError:
            continue
        if n.endswith(".pack"):
            content += b
        elif "/staging" not in p:
            meta += b
            kind = ("manifests" if "/manifests/" in p else "index (RocksDB: entries, counts, journal, log)"
                    if "/index/" in p else "pack directories" if n.endswith(".dir") else "refs and other")
            kinds[kind] += b
if content:
    print(f"metadata (manifests, refs, index, pack directories) {meta/1e6:.1f} MB for {content/G:.2f} GiB of distinct "
          f"content in all stores: {meta/content*100:.3f} % ({meta/(content/G)/1e6:.1f} MB per GiB)  < 1 % "
          f"{'PASS' if meta < content / 100 else 'FAIL'}")
    for k, b in kinds.items():
        print(f"  {k:<48} {b/(content/G)/1e6:6.1f} MB per GiB  {b/content*100:.3f} %")
PY
