#!/usr/bin/env python3
"""Scale: COUNT containers left running, and what that does to each command (bench/scale.sh).

For each runtime: start 10 sleeping busybox containers, time `state` of one and the
create / start / (exit) / delete of one more, K times; grow to COUNT and time the same,
plus `list`; the host memory one idle container costs is the drop in MemAvailable while
growing from 10 to COUNT, divided by the count; then everything is deleted.
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare as C  # noqa: E402


def meminfo():
    m = {}
    for line in open("/proc/meminfo"):
        k, v = line.split(":")
        m[k] = int(v.split()[0])
    return m


def kernel_kib(m):
    return m["Slab"] + m["PageTables"] + m["KernelStack"]


def init_pss_kib(rt, count):
    """Mean Pss of the containers' init processes (all alike: a static busybox sleep)."""
    total, n = 0, 0
    for k in range(0, count, max(1, count // 20)):
        st = C.subprocess.run(rt.cmd("state", f"s-{k}"), capture_output=True, text=True)
        try:
            pid = json.loads(st.stdout)["pid"]
            for line in open(f"/proc/{pid}/smaps_rollup"):
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    n += 1
        except (ValueError, KeyError, OSError):
            pass
    return total / n if n else 0


def grow(rt, start, stop):
    for k in range(start, stop):
        rt.run("run", "--detach", "--bundle", rt.bundle("sleep"), f"s-{k}")
        if k % 50 == 49:
            print(f"\r  {rt.name}: {k + 1} running", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


def measure(rt, k, tag):
    out = {"state": [], "create": [], "start": [], "delete": [], "list": []}
    for i in range(k):
        out["state"].append(rt.run("state", "s-0")["ms"])
        out["list"].append(rt.run("list")["ms"])
        r = C.case_lifecycle(rt, f"{tag}-{i}")
        for key in ("create", "start", "delete"):
            out[key].append(r[key])
        C.reap_orphans()
    return {key: statistics.median(v) for key, v in out.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--runtimes", nargs="+", required=True)
    a = ap.parse_args()
    C.ctypes.CDLL(None).prctl(C.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    rts = [C.Runtime(*spec.split("=", 1), a.work) for spec in a.runtimes]
    hull = next(rt.path for rt in rts if rt.key == "hull")
    rootfs = C.make_rootfs(a.work)
    C.make_bundles(rts, hull, a.work, rootfs)
    res = {}
    for rt in rts:
        try:
            grow(rt, 0, 10)
            small = measure(rt, a.k, "10")
            m0 = meminfo()
            t0 = time.perf_counter()
            grow(rt, 10, a.count)
            t_grow = time.perf_counter() - t0
            time.sleep(2)
            m1 = meminfo()
            per = (m0["MemAvailable"] - m1["MemAvailable"]) / (a.count - 10)
            big = measure(rt, a.k, str(a.count))
            kern = (kernel_kib(m1) - kernel_kib(m0)) / (a.count - 10)
            res[rt.name] = {"at10": small, "atN": big, "mem_kib": per, "grow_s": t_grow,
                            "kernel_kib": kern, "pss_kib": init_pss_kib(rt, a.count)}
        finally:
            t0 = time.perf_counter()
            for k in range(a.count):
                rt.quiet("delete", "--force", f"s-{k}")
            C.reap_orphans()
            if rt.name in res:
                res[rt.name]["teardown_s"] = time.perf_counter() - t0
    rows = [f"{a.count} sleeping busybox containers; medians of {a.k} samples (ms).", "",
            "| runtime | command | at 10 | at " + str(a.count) + " | ratio |", "|---|---|---|---|---|"]
    for name, r in res.items():
        for key in ("state", "create", "start", "delete", "list"):
            x, y = r["at10"][key], r["atN"][key]
            rows.append(f"| {name} | `{key}` | {x:.2f} | {y:.2f} | {y / x:.2f} |")
    rows += ["", "Host memory per idle container: kernel = growth of Slab + PageTables + KernelStack "
             "per container; process = Pss of its init; MemAvailable drop per container (noisy on "
             "a shared machine).", "",
             "| runtime | kernel + process | kernel | process | MemAvailable drop | "
             f"time to start {a.count - 10} | delete --force of all |", "|---|---|---|---|---|---|---|"]
    for name, r in res.items():
        rows.append(f"| {name} | {(r['kernel_kib'] + r['pss_kib']) / 1024:.2f} MiB | "
                    f"{r['kernel_kib'] / 1024:.2f} MiB | {r['pss_kib'] / 1024:.2f} MiB | "
                    f"{r['mem_kib'] / 1024:.2f} MiB | {r['grow_s']:.1f} s | {r.get('teardown_s', 0):.1f} s |")
    text = "\n".join(rows)
    os.makedirs(a.out, exist_ok=True)
    open(os.path.join(a.out, "scale.md"), "w").write(text + "\n")
    json.dump(res, open(os.path.join(a.out, "scale.json"), "w"), indent=1)
    print(text)


if __name__ == "__main__":
    main()
