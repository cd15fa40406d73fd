#!/usr/bin/env python3
"""Scale: COUNT containers left running, and what that does to each command (bench/scale.sh).

For each runtime, two state roots: one with 10 sleeping busybox containers, one with COUNT.
Then, interleaved round by round (10, COUNT, 10, COUNT, ...), `state` of one container,
`list`, and the create / start / (exit) / delete of one more are timed in each root, K times,
so that the machine's drift falls on both alike. The host memory one idle container costs is
measured while the COUNT root grows. Then everything is deleted.
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
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
        st = C.subprocess.run(rt.cmd("state", f"{rt.tag}-{k}"), capture_output=True, text=True)
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
        rt.run("run", "--detach", "--bundle", rt.bundle("sleep"), f"{rt.tag}-{k}")
        if k % 50 == 49:
            print(f"\r  {rt.name}: {k + 1} running", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


def measure(pairs, k):
    """pairs: [small, big] runtimes; medians per command for each."""
    out = [{"state": [], "create": [], "start": [], "delete": [], "list": []} for _ in pairs]
    for i in range(k):
        order = list(enumerate(pairs)) if i % 2 == 0 else list(enumerate(pairs))[::-1]
        for j, rt in order:
            out[j]["state"].append(rt.run("state", f"{rt.tag}-0")["ms"])
            out[j]["list"].append(rt.run("list")["ms"])
            r = C.case_lifecycle(rt, f"{rt.tag}-{i}")
            for key in ("create", "start", "delete"):
                out[j][key].append(r[key])
            C.reap_orphans()
        print(f"\r  {pairs[0].name}: round {i + 1}/{k}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return [{key: statistics.median(v) for key, v in o.items()} for o in out]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--runtimes", nargs="+", required=True)
    a = ap.parse_args()
    C.ctypes.CDLL(None).prctl(C.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    hull = next(spec.split("=", 1)[1] for spec in a.runtimes if spec.startswith("hull="))
    rootfs = C.make_rootfs(a.work)
    res = {}
    for spec in a.runtimes:
        name, path = spec.split("=", 1)
        small = C.Runtime(f"{name}@10", path, a.work)
        big = C.Runtime(f"{name}@{a.count}", path, a.work)
        small.tag, big.tag = "s10", f"s{a.count}"  # ids differ: cgroups are per id
        C.make_bundles([small, big], hull, a.work, rootfs)
        try:
            grow(small, 0, 10)
            m0 = meminfo()
            t0 = time.perf_counter()
            grow(big, 0, a.count)
            t_grow = time.perf_counter() - t0
            time.sleep(2)
            m1 = meminfo()
            per = (m0["MemAvailable"] - m1["MemAvailable"]) / a.count
            at10, atn = measure([small, big], a.k)
            kern = (kernel_kib(m1) - kernel_kib(m0)) / a.count
            res[name] = {"at10": at10, "atN": atn, "mem_kib": per, "grow_s": t_grow,
                         "kernel_kib": kern, "pss_kib": init_pss_kib(big, a.count)}
        finally:
            for k in range(10):
                small.quiet("delete", "--force", f"s10-{k}")
            t0 = time.perf_counter()
            for k in range(a.count):
                big.quiet("delete", "--force", f"{big.tag}-{k}")
            C.reap_orphans()
            if name in res:
                res[name]["teardown_s"] = time.perf_counter() - t0
    rows = [f"{a.count} sleeping busybox containers in one state root, 10 in another; medians of "
            f"{a.k} interleaved rounds (ms).", "",
            "| runtime | command | at 10 | at " + str(a.count) + " | ratio |", "|---|---|---|---|---|"]
    for name, r in res.items():
        for key in ("state", "create", "start", "delete", "list"):
            x, y = r["at10"][key], r["atN"][key]
            rows.append(f"| {name} | `{key}` | {x:.2f} | {y:.2f} | {y / x:.2f} |")
    rows += ["", "Host memory per idle container: kernel = growth of Slab + PageTables + KernelStack "
             "per container; process = Pss of its init; MemAvailable drop per container (noisy on "
             "a shared machine).", "",
             "| runtime | kernel + process | kernel | process | MemAvailable drop | "
             f"time to start {a.count} | delete --force of all |", "|---|---|---|---|---|---|---|"]
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
