#!/usr/bin/env bash
# Fan-out (issue 16): 1 GiB (v1 of make-image-pair.py) copied from westeurope to 8 regions x 3 replicas at once,
# beside `cp` writing the same physical bytes in the same run. Drives the store classes in-process (FanOutBench: the
# Replicator the service runs, without HTTP, Kafka or the job table), durable (fsync'd) stores, in replication-service's
# JVM (-Xms512m -Xmx512m -XX:+UseParallelGC). Needs python3, coreutils (cp, sync) and the module compiled:
#   cd <tree> && flock /tmp/mvn.lock ./mvnw -B -o test-compile -pl replication-service -am
#   bash bench/replication/fanout.sh
# It takes /tmp/bench.lock for the whole run (no two benchmarks measure at once). Big files go under $BENCH_DIR
# (/tmp/repl-bench): each side writes about 15 GiB (24 x the image's 624 MiB of non-zero data) and is deleted before
# the next and at the end; the pair is reused when present.
set -euo pipefail
if [[ -z "${FANOUT_LOCKED:-}" ]]; then
  exec env FANOUT_LOCKED=1 flock /tmp/bench.lock bash "$0" "$@"
fi
here="$(cd "$(dirname "$0")/../.." && pwd)"
work="${BENCH_DIR:-/tmp/repl-bench}"
size="${SIZE_MIB:-1024}"
replicas="${REPLICAS:-3}"
mkdir -p "$work"
pair="$work/pair"
if [[ ! -f "$work/pair.json" || ! -f "$pair/v1.img" ]]; then
  python3 /work/shared/bench/make-image-pair.py "$pair" --size-mib "$size" --insert > "$work/pair.json"
fi
v1="$(python3 -c "import json; print(json.load(open('$work/pair.json'))['v1'])")"
# nine regions: the source and eight destinations (names and geographies of this deployment's kind; the three
# geographies make some destinations nearer to each other than to the source)
source_region=westeurope
destinations=(northeurope uksouth francecentral eastus westus2 centralus japaneast australiaeast)
regions="westeurope=Europe,northeurope=Europe,uksouth=Europe,francecentral=Europe,eastus=US,westus2=US,centralus=US,japaneast=Asia,australiaeast=Australia"
# FANOUT_CLASSES: classes put first on the class path, to measure another build of the Replicator beside this one
rocks_ver="$(sed -n 's:.*<rocksdb.version>\(.*\)</rocksdb.version>.*:\1:p' "$here/pom.xml")"
rocks_jar="$HOME/.m2/repository/org/rocksdb/rocksdbjni/$rocks_ver/rocksdbjni-$rocks_ver-linux64.jar"
[[ -f "$rocks_jar" ]] || { echo "missing $rocks_jar: ./mvnw -B test-compile -pl replication-service -am fetches it" >&2; exit 1; }
cp_="${FANOUT_CLASSES:+$FANOUT_CLASSES:}$here/replication-service/target/classes:$here/replication-service/target/test-classes:$here/events/target/classes:$rocks_jar"
[[ -f "$here/replication-service/target/test-classes/dev/imagegallery/replication/bench/FanOutBench.class" ]] || {
  echo "compile first: ./mvnw -B -o test-compile -pl replication-service -am" >&2; exit 1; }
jvm="-Xms512m -Xmx512m -XX:+UseParallelGC -Dgallery.regions=$regions"
copies=$(( ${#destinations[@]} * replicas ))
now() { date +%s.%N; }
el() { python3 -c "print(f'{$2-$1:.3f}')"; }
out="$work/fanout-cp" store="$work/fanout-store"
rm -rf "$out" "$store" "$work/warmup"
trap 'rm -rf "$out" "$store" "$work/warmup"' EXIT

cat "$v1" > /dev/null # both sides start from the page cache
# baseline: the same physical bytes as the stores write (the image's non-zero blocks, once per replica): cp with
# --sparse=always writes runs of zeros as holes, so each copy writes the image's 624 MiB of data, as a replica does
mkdir -p "$out"; sync
t=$(now); for i in $(seq 1 "$copies"); do cp --sparse=always "$v1" "$out/$i.img"; done; sync; cp_s=$(el $t $(now))
cp_written=$(du -sk "$out" | cut -f1)
rm -rf "$out"; sync

java $jvm -cp "$cp_" dev.imagegallery.replication.bench.FanOutBench "$store" "$v1" "$source_region" "$replicas" \
  "${destinations[@]}" > "$work/fanout.txt"
rm -rf "$store" "$work/warmup"; sync

python3 - "$cp_s" "$cp_written" "$copies" "$work/fanout.txt" <<'PY'
import sys
cp_s, cp_kib, copies = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
fig = dict(l.strip().split("=", 1) for l in open(sys.argv[4]) if "=" in l)
wall = float(fig["fanout_s"]); unique = int(fig["unique_bytes"]); written = int(fig["fanout_written_bytes"])
r = wall / cp_s
print(f"fan-out of v1 ({unique/2**20:.0f} MiB of distinct data) to 8 regions x {copies//8} replicas")
print(f"{'figure':<44} {'replication-service':>22} {'baseline (same run)':>34} {'ratio':>8}  target")
print(f"{'fan-out wall (writes ' + format(written/2**30, '.1f') + ' GiB)':<44} {wall:>21.2f}s "
      f"{f'{copies} x cp --sparse=always + sync {cp_s:.2f}s':>34} {r:>7.2f}x  <= 1.5x {'PASS' if r <= 1.5 else 'FAIL'}")
print(f"(cp wrote {cp_kib/2**20:.1f} GiB; heap peak used during the copy {int(fig['fanout_heap_peak_used_bytes'])/2**20:.0f} MiB of 512)")
print(f"{'destination':<16} {'read from the source':>22} {'read in all':>14} {'passes of the content':>22}")
ok = True
for k, v in fig.items():
    if k.startswith("read_from_source_bytes."):
        region = k.split(".", 1)[1]
        src = int(v); total = int(fig["read_total_bytes." + region])
        ok &= src <= unique
        print(f"{region:<16} {src/2**20:>18.1f} MiB {total/2**20:>10.1f} MiB {total/unique:>21.2f}")
print(f"source read at most once per destination region: {'PASS' if ok else 'FAIL'}")
PY
