#!/usr/bin/env bash
# Ingest through the data plane (issue 4): `curl -T` of v1 to the running replication-service, beside `cp`+`sync` of
# the same file in the same run. run.sh measures the store code in-process; this measures what a user sees over HTTP
# (authentication, the request body stream, commit and fsync before the 201). Needs the local stack:
#   ./gallery up && bash bench/replication/upload.sh
# Each upload goes to a blob of its own in $BENCH_REGION and is deleted afterwards (Delete Blob frees its chunks), so
# the next run finds the region without v1's chunks; the script warns when the store grew less than v1's used bytes
# (the region held some of them already, which flatters the figure).
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
work="${BENCH_DIR:-/tmp/repl-bench}"
size="${SIZE_MIB:-1024}"
region="${BENCH_REGION:-westus2}"
runs="${RUNS:-3}"
url="http://localhost:8082"
curl -sf "$url/ping" > /dev/null || { echo "replication-service is not up on $url: ./gallery up" >&2; exit 1; }
mkdir -p "$work"
if [[ ! -f "$work/pair.json" || ! -f "$work/pair/v1.img" ]]; then
  python3 /work/shared/bench/make-image-pair.py "$work/pair" --size-mib "$size" --insert > "$work/pair.json"
fi
v1="$(python3 -c "import json; print(json.load(open('$work/pair.json'))['v1'])")"
token="$("$here/gallery" token alice)"
sub="$(curl -sf -H "Authorization: Bearer $token" "http://localhost:8083/subscriptions?api-version=2022-12-01" \
  | python3 -c "import json,sys; print(json.load(sys.stdin)['value'][0]['subscriptionId'])")"
packs="$here/.local/stores/$region/replica-0/packs"
now() { date +%s.%N; }
el() { python3 -c "print(f'{$2-$1:.3f}')"; }
stored() { du -sb "$packs" 2>/dev/null | cut -f1 || echo 0; }

# put FILE NAME [SHA]: prints "seconds usedBytes"; the blob is deleted again
put() {
  local out code
  out="$(curl -s -o "$work/upload.json" -w "%{http_code} %{time_total}" -T "$1" -H "Authorization: Bearer $token" \
    -H "Content-Type: application/octet-stream" ${3:+-H "X-Content-SHA256: $3"} "$url/blobs/$region/$sub/$2")"
  code="${out%% *}"
  [[ "$code" == 201 ]] || { echo "upload of $2 answered $code: $(cat "$work/upload.json")" >&2; exit 1; }
  echo "${out#* } $(python3 -c "import json; print(json.load(open('$work/upload.json'))['usedBytes'])")"
}
del() { curl -sf -o /dev/null -X DELETE -H "Authorization: Bearer $token" "$url/blobs/$region/$sub/$1"; }

cat "$v1" > /dev/null # from the page cache, as cp reads it
sha="$(sha256sum "$v1" | cut -d' ' -f1)"
# warm-up: a running service has taken uploads before (fresh random content, deleted again)
for i in 1 2 3; do
  head -c $((256 << 20)) /dev/urandom > "$work/warm.img"
  put "$work/warm.img" "bench-warm-$$-$i" > /dev/null
  del "bench-warm-$$-$i"
done
rm -f "$work/warm.img"

printf "%-34s %24s %22s %8s  %s\n" "figure" "replication-service" "baseline" "ratio" "target"
for r in $(seq "$runs"); do
  mkdir -p "$work/cp"
  sync # each side starts with nothing else waiting to be written
  t=$(now); cp "$v1" "$work/cp/v1.img"; sync; cp_s=$(el "$t" "$(now)")
  rm -rf "$work/cp"
  sync
  before=$(stored)
  read -r up_s used < <(put "$v1" "bench-v1-$$-$r" "$sha")
  grew=$(( $(stored) - before ))
  del "bench-v1-$$-$r"
  python3 - "$up_s" "$cp_s" "$(stat -c %s "$v1")" "$used" "$grew" <<'PY'
import sys
up, cp, size, used, grew = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
r = (size / up) / (size / cp)
print(f"{'upload v1 over HTTP (curl -T)':<34} {size/up/1e6:>10.0f} MB/s ({up:.2f}s) {'cp+sync ' + format(size/cp/1e6, '.0f') + ' MB/s':>22} "
      f"{r:>7.2f}x  >= 0.5x {'PASS' if r >= 0.5 else 'FAIL'}")
if grew < 0.9 * used:
    print(f"  warning: the store grew {grew >> 20} MiB for {used >> 20} MiB used: the region held some of v1 already")
PY
done
