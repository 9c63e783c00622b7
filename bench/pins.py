#!/usr/bin/env python3
"""The benchmark's view of pinning, through the platform API (as the admin when BENCH_ADMIN_PASSWORD is set).

  pins.py wait HOST REPO...        waits until every blob of the repositories has a CID; prints the seconds waited
  pins.py lag HOST REPO COUNT      for REPO/small-0..COUNT-1: seconds from the manifest push to the last blob
                                   pinned; prints p50 and p95
"""
import base64, json, os, sys, time, urllib.request
from datetime import datetime

password = os.environ.get("BENCH_ADMIN_PASSWORD")


def get(host, path):
    # The platform API takes the admin's Basic credentials on every route (a bearer token would have to grant pull on
    # each repository it reads); the gateway remembers a verified secret, so this costs no hashing per request.
    headers = {}
    if password:
        headers["Authorization"] = "Basic " + base64.b64encode(f"admin:{password}".encode()).decode()
    with urllib.request.urlopen(urllib.request.Request(f"http://{host}{path}", headers=headers), timeout=10) as r:
        return json.load(r)


def seconds(iso):
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def wait(host, names, limit=600):
    start = time.time()
    pending = [(n, b["digest"]) for n in names for b in get(host, f"/api/v1/repositories/{n}")["blobs"]]
    while pending and time.time() - start < limit:
        pending = [(n, d) for n, d in pending if not get(host, f"/api/v1/repositories/{n}/blobs/{d}").get("cid")]
        if pending:
            time.sleep(0.2)
    print(f"{time.time() - start:.3f}" if not pending else "timeout")


def lag(host, repo, count):
    lags = []
    for i in range(count):
        name = f"{repo}/small-{i}"
        info = get(host, f"/api/v1/repositories/{name}")
        pushed = max(seconds(m["pushedAt"]) for m in info["manifests"])
        pinned = [get(host, f"/api/v1/repositories/{name}/blobs/{b['digest']}").get("pinnedAt") for b in info["blobs"]]
        if not all(pinned):
            print("not all pinned")
            return
        lags.append(max(seconds(p) for p in pinned) - pushed)
    lags.sort()
    p95 = lags[min(len(lags) - 1, int(round(0.95 * (len(lags) - 1))))]
    print(f"{lags[len(lags) // 2]:.3f} {p95:.3f}")


if __name__ == "__main__":
    try:
        if sys.argv[1] == "wait":
            wait(sys.argv[2], sys.argv[3:])
        else:
            lag(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    except Exception as e:  # the table shows why instead of a number
        print(f"unavailable ({e})")
