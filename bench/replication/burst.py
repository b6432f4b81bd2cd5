#!/usr/bin/env python3
"""The driver of bench/replication/burst.sh (read there what it measures): standard library only."""
import argparse
import glob
import http.client
import json
import os
import shutil
import statistics
import subprocess
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

ap = argparse.ArgumentParser()
ap.add_argument("--offset", type=int, default=4000)
ap.add_argument("--versions", type=int, default=1000)
ap.add_argument("--sequential", type=int, default=50)
ap.add_argument("--work", default="/tmp/burst-bench")
ap.add_argument("--spans", default="")
ap.add_argument("--machine", default="")
ap.add_argument("--clients", type=int, default=8)
ap.add_argument("--give-up", type=int, default=900)
ap.add_argument("--run-dir", default="")
ap.add_argument("--poll", type=float, default=0.5)
# versions PUT (by the same clients) and replicated before anything is measured: the services' JIT compiles their
# version paths during the first few hundred (a quarter of the stack's CPU in a burst right after start)
ap.add_argument("--warmup", type=int, default=1000)
# shell commands run right before the first burst PUT and right after the last region is Completed (a profiler's
# start and stop, say)
ap.add_argument("--on-start", default="")
ap.add_argument("--on-end", default="")
a = ap.parse_args()

OFF = a.offset
CAT = ("localhost", 8081 + OFF)
REP = ("localhost", 8082 + OFF)
KC = ("localhost", 8180 + OFF)
PG = 55432 + OFF
SUB = "c0de0000-0000-4000-8000-00000000c001"
RUN = str(int(time.time()))
RG = f"/subscriptions/{SUB}/resourceGroups/rg-burst-{RUN}"
G = RG + "/providers/Microsoft.Compute/galleries/burst"
DEF = G + "/images/burst"
API = "api-version=2024-03-03"
MIB = 1 << 20
# the sources live in westeurope, the version's location (which must be a target): its job there finds the content in
# place and names it; northeurope's copies every version's 1 MiB (the bytes the cp baseline writes)
REGIONS = ["westeurope", "northeurope"]
local = threading.local()


class Token:
    def __init__(self):
        self.value, self.at, self.lock = None, 0, threading.Lock()

    def get(self):
        with self.lock:
            if self.value is None or time.time() - self.at > 60:
                c = http.client.HTTPConnection(*KC, timeout=30)
                body = urllib.parse.urlencode({"grant_type": "password", "client_id": "gallery-cli",
                                               "username": "alice", "password": "alice"})
                c.request("POST", "/realms/contoso/protocol/openid-connect/token", body,
                          {"Content-Type": "application/x-www-form-urlencoded"})
                r = c.getresponse()
                self.value, self.at = json.loads(r.read())["access_token"], time.time()
                c.close()
            return self.value


TOKEN = Token()


def call(host, method, path, body=None, headers=None, ok=(200, 201, 202)):
    """One request on this thread's keep-alive connection to host; answers (status, parsed JSON or None)."""
    conns = getattr(local, "conns", None)
    if conns is None:
        conns = local.conns = {}
    h = {"Authorization": "Bearer " + TOKEN.get()}
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    for attempt in range(3):
        c = conns.get(host)
        if c is None:
            c = conns[host] = http.client.HTTPConnection(*host, timeout=60)
        try:
            c.request(method, path, body, h)
            r = c.getresponse()
            data = r.read()
            break
        except (http.client.HTTPException, ConnectionError, OSError):
            c.close()
            conns.pop(host, None)
            if attempt == 2:
                raise
    if ok and r.status not in ok:
        raise RuntimeError(f"{method} {path} answered {r.status}: {data[:300]!r}")
    try:
        return r.status, json.loads(data) if data else None
    except ValueError:
        return r.status, None


def psql(sql):
    env = dict(os.environ, PGPASSWORD="")
    return subprocess.run(["psql", "-qtA", "-h", "127.0.0.1", "-p", str(PG), "-U", "postgres", "catalog", "-c", sql],
                          env=env, check=True, capture_output=True, text=True).stdout.strip()


def pct(xs, p):
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, -(-p * len(s) // 100) - 1))]


def wait_for_grants():
    for _ in range(120):
        try:
            s1, _ = call(REP, "GET", f"/blobs/westeurope/{SUB}/none", ok=None)
            s2, _ = call(CAT, "GET", f"/subscriptions/{SUB}/providers/Microsoft.Compute/galleries?{API}", ok=None)
            if s1 == 404 and s2 == 200:
                return
        except Exception:
            pass
        time.sleep(1)
    raise SystemExit("the stack never learned the seeded grants")


def source(name):
    """A blob of 1 MiB of fresh random bytes in westeurope and a managed image of it; answers the image's id."""
    _, b = call(REP, "PUT", f"/blobs/westeurope/{SUB}/{name}.raw", os.urandom(MIB),
                {"Content-Type": "application/octet-stream"})
    mi = f"{RG}/providers/Microsoft.Compute/images/{name}"
    call(CAT, "PUT", mi + "?api-version=2024-07-01", {"location": "westeurope", "properties": {"storageProfile": {
        "osDisk": {"osType": "Linux", "osState": "Generalized", "blobUri": b["blobUri"]}}}})
    return mi


def put_version(name, mi):
    body = {"location": "westeurope", "properties": {
        "publishingProfile": {"targetRegions": [{"name": r, "regionalReplicaCount": 1} for r in REGIONS]},
        "storageProfile": {"source": {"id": mi}}}}
    t = time.perf_counter()
    call(CAT, "PUT", f"{DEF}/versions/{name}?{API}", body)
    return time.perf_counter() - t


def state(name):
    _, v = call(CAT, "GET", f"{DEF}/versions/{name}?{API}&$expand=ReplicationStatus")
    return v["properties"].get("replicationStatus", {}).get("aggregatedState")


TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pid, children=False):
    """CPU seconds a process has used (with its reaped children's, for PostgreSQL's backends), 0 if it is gone."""
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    t = int(f[11]) + int(f[12]) + (int(f[13]) + int(f[14]) if children else 0)
    return t / TICK


def stack_cpu():
    """CPU seconds so far of each of the stack's processes (from its summary), PostgreSQL's with its backends', and
    this driver's (its psql polls included)."""
    out = {}
    if not a.run_dir:
        return out
    try:
        line = [l for l in open(f"{a.run_dir}/summary.txt") if "processes" in l][0]
        for item in line.split("[", 1)[1].rstrip("]\n ").split(","):
            name, pid = item.strip().split("=")
            out[name] = cpu_of(int(pid))
        pm = int(open(f"{a.run_dir}/postgres/postmaster.pid").readline())
        pg = cpu_of(pm, True)
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    if int(open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()[1]) == pm:
                        pg += cpu_of(int(d))
                except OSError:
                    pass
        out["postgres"] = pg
    except (OSError, IndexError, ValueError):
        pass
    me = os.times()
    out["driver"] = me.user + me.system + me.children_user + me.children_system
    return out


def machine_cpu():
    f = open("/proc/stat").readline().split()[1:]
    busy = sum(int(x) for x in f) - int(f[3]) - int(f[4])
    return busy / TICK


def completed_count(prefix):
    return int(psql("SELECT count(*) FROM version_region WHERE state = 'Completed' AND version_key LIKE "
                    f"'{DEF.lower()}/versions/{prefix}%'"))


print(f"stack on ports +{OFF}; run {RUN}; {a.versions} burst versions, {a.sequential} sequential; {a.machine}")
wait_for_grants()
call(CAT, "PUT", f"{G}?{API}", {"location": "westeurope"})
call(CAT, "PUT", f"{DEF}?{API}", {"location": "westeurope", "properties": {
    "osType": "Linux", "osState": "Generalized",
    "identifier": {"publisher": "bench", "offer": "burst", "sku": RUN}}})

WARM = max(3, a.warmup)
print(f"setting up: {a.versions + a.sequential + WARM} blobs of 1 MiB in westeurope and their managed images "
      "(not timed)")
t = time.perf_counter()
with ThreadPoolExecutor(4) as pool:  # replication-service ingests 4 uploads at a time
    sources = list(pool.map(lambda i: source(f"b{RUN}-{i}"), range(a.versions + a.sequential + WARM)))
print(f"  ({time.perf_counter() - t:.1f} s)")

# warm-up (not timed): versions end to end, as the burst PUTs them (the JIT, connections, the consumers' first polls)
t = time.perf_counter()
with ThreadPoolExecutor(a.clients) as pool:
    list(pool.map(lambda i: put_version(f"9.0.{i}", sources[a.versions + a.sequential + i]), range(WARM)))
while completed_count("9.0.") < WARM * len(REGIONS):
    if time.perf_counter() - t > a.give_up:
        raise SystemExit("the warm-up versions did not complete")
    time.sleep(0.5)
print(f"warm-up: {WARM} versions PUT and Completed in {time.perf_counter() - t:.1f} s (not timed)")

# 2. single versions on the idle stack (first: the burst leaves work behind it)
lat, puts, names = [], [], []
for i in range(a.sequential):
    name = f"2.0.{i}"
    t0 = time.perf_counter()
    puts.append(put_version(name, sources[a.versions + i]))
    while True:
        s = state(name)
        if s == "Completed":
            break
        if s == "Failed":
            raise SystemExit(f"version {name} Failed")
        time.sleep(0.02)
    lat.append(time.perf_counter() - t0)
    names.append((name, time.time()))
    time.sleep(0.3)  # idle between versions

# 1. the burst
work = a.work
shutil.rmtree(f"{work}/cp", ignore_errors=True)
os.makedirs(f"{work}/cp/src", exist_ok=True)
for i in range(a.versions):
    with open(f"{work}/cp/src/{i}.raw", "wb") as f:
        f.write(os.urandom(MIB))
subprocess.run(["sync"], check=True)
t = time.perf_counter()
subprocess.run(["cp", "-r", f"{work}/cp/src", f"{work}/cp/northeurope"], check=True)
subprocess.run(["sync"], check=True)
cp_s = time.perf_counter() - t
shutil.rmtree(f"{work}/cp", ignore_errors=True)

print(f"burst: {a.versions} versions PUT by {a.clients} clients")
if a.on_start:
    subprocess.run(a.on_start, shell=True)
t0 = time.perf_counter()
cpu0, mach0 = stack_cpu(), machine_cpu()
accepted_at = [None]


def burst_put(i):
    return put_version(f"1.0.{i}", sources[i])


with ThreadPoolExecutor(a.clients) as pool:
    burst_puts = list(pool.map(burst_put, range(a.versions)))
put_s = time.perf_counter() - t0
want = a.versions * len(REGIONS)
done, last_report = 0, 0
while True:
    done = completed_count("1.0.")
    el = time.perf_counter() - t0
    if done >= want:
        break
    if el - last_report >= 10:
        print(f"  {el:5.0f} s: {done}/{want} regions Completed")
        last_report = el
    if el > a.give_up:
        print(f"  gave up: only {done}/{want} regions Completed after {a.give_up} s")
        break
    time.sleep(a.poll)
all_s = time.perf_counter() - t0
cpu1, mach1 = stack_cpu(), machine_cpu()
if a.on_end:
    subprocess.run(a.on_end, shell=True)
# what a client sees: every version's aggregatedState, through the API
not_done = [i for i in range(a.versions) if state(f"1.0.{i}") != "Completed"]

print()
print(f"{'figure':<58} {'replication':>16} {'baseline (same run)':>34} {'ratio':>8}  target")
r = all_s / cp_s
print(f"{'burst: 1,000 x 1 MiB to 2 regions, first PUT to all Completed' if a.versions == 1000 else f'burst: {a.versions} x 1 MiB to 2 regions, to all Completed':<58} "
      f"{all_s:>14.1f} s {'cp+sync of the bytes ' + format(cp_s, '.2f') + ' s':>34} {r:>7.1f}x  <= 60 s "
      f"{'PASS' if all_s <= 60 and not not_done else 'FAIL'}")
r = all_s / put_s
print(f"{'burst: the same':<58} {all_s:>14.1f} s {'the PUTs alone ' + format(put_s, '.1f') + ' s':>34} {r:>7.1f}x")
p50, p99 = pct(lat, 50), pct(lat, 99)
b50, b99 = pct(puts, 50), pct(puts, 99)
print(f"{'one version: PUT to Completed in 2 regions, p50':<58} {p50:>14.3f} s "
      f"{'PUT round trip p50 ' + format(b50, '.3f') + ' s':>34} {p50 / b50:>7.1f}x  <= 1 s {'PASS' if p50 <= 1 else 'FAIL'}")
print(f"{'one version: PUT to Completed in 2 regions, p99':<58} {p99:>14.3f} s "
      f"{'PUT round trip p99 ' + format(b99, '.3f') + ' s':>34} {p99 / b99:>7.1f}x  <= 3 s {'PASS' if p99 <= 3 else 'FAIL'}")
print(f"(burst PUTs: p50 {pct(burst_puts, 50) * 1000:.0f} ms, p99 {pct(burst_puts, 99) * 1000:.0f} ms; "
      f"{len(not_done)} versions not Completed through the API at the end; single-version max {max(lat):.3f} s)")

# where the burst's CPU went: every process of the stack, per version
if cpu0:
    used = {k: cpu1.get(k, 0) - v for k, v in cpu0.items()}
    total = sum(used.values())
    print(f"\nCPU over the burst ({all_s:.1f} s, {os.cpu_count()} cores; the machine busy {mach1 - mach0:.1f} s of "
          f"{all_s * os.cpu_count():.1f}), milliseconds per version:")
    for k, v in sorted(used.items(), key=lambda kv: -kv[1]):
        print(f"  {k:<22} {v:7.1f} s  {v * 1000 / a.versions:6.1f} ms")
    print(f"  {'the stack and driver':<22} {total:7.1f} s  {total * 1000 / a.versions:6.1f} ms")

# where a single version's time goes, from the services' span files
if a.spans:
    time.sleep(2)  # the span exporters write a few times a second
    spans = []
    for f in glob.glob(f"{a.spans}/*.jsonl"):
        with open(f) as fh:
            for line in fh:
                try:
                    spans.append(json.loads(line))
                except ValueError:
                    pass
    if not spans or "start" not in spans[0]:
        print("(no span timings: spans without start/end, or none written)")
        raise SystemExit(0)
    by_trace = {}
    for s in spans:
        by_trace.setdefault(s["traceId"], []).append(s)
    hops = {}
    wanted = {f"{DEF}/versions/{n}".lower() for n, _ in names}
    for trace in by_trace.values():
        plan = [s for s in trace if s["service"] == "replication-service" and s["kind"] == "CONSUMER"
                and s["attributes"].get("cloudevents.event_type") == "VersionPublished"]
        if not plan or plan[0]["attributes"].get("cloudevents.event_subject", "").lower() not in wanted:
            continue
        put = [s for s in trace if s["service"] == "catalog-service" and s["kind"] == "SERVER"]
        pub = [s for s in trace if s["service"] == "catalog-service" and s["kind"] == "PRODUCER"]
        copies = [s for s in trace if s["name"].startswith("replicate ")]
        rel = [s for s in trace if s["service"] == "replication-service" and s["kind"] == "PRODUCER"]
        status = [s for s in trace if s["service"] == "catalog-service" and s["kind"] == "CONSUMER"
                  and s["attributes"].get("cloudevents.event_type") == "ReplicaCompleted"]
        if not (put and pub and copies and rel and len(status) == len(REGIONS)):
            continue
        put, pub, plan = put[0], pub[0], plan[0]
        copy_end = max(c["end"] for c in copies)
        last_rel = max(r["start"] for r in rel)
        steps = [
            ("PUT (catalog's request)", put["end"] - put["start"]),
            ("commit to VersionPublished sent (catalog's relay)", pub["start"] - put["end"]),
            ("sent to replication's consumer", plan["start"] - pub["start"]),
            ("plan (replication's consumer)", plan["end"] - plan["start"]),
            ("planned to copy started (last region)", max(c["start"] for c in copies) - plan["end"]),
            ("copy (last region)", max(c["end"] - c["start"] for c in copies)),
            ("copy ended to ReplicaCompleted sent (relay)", last_rel - copy_end),
            ("sent to catalog's status (last region)", max(s["end"] for s in status) - last_rel),
        ]
        for k, v in steps:
            hops.setdefault(k, []).append(v / 1e6)
    if hops:
        n = len(next(iter(hops.values())))
        print(f"\nwhere one version's time goes ({n} sequential versions, from the span files), seconds:")
        print(f"  {'hop':<52} {'p50':>7} {'p99':>7}")
        for k, v in hops.items():
            print(f"  {k:<52} {pct(v, 50):7.3f} {pct(v, 99):7.3f}")
