#!/usr/bin/env python3
"""Interleaved side-by-side timing of OCI runtimes (driven by bench/compare.sh).

Every case is measured round by round: in each round every runtime runs once, in turn, so
that drift in the machine's load falls on all of them alike. Each process is started with
posix_spawn and reaped with wait4, which gives its wall time, CPU time (user + system, the
runtime and the children it reaped), peak RSS and page faults. The harness is a child
subreaper, like a container supervisor, so a detached container's init is reaped here and
its exit is seen at once.
"""
import argparse
import ctypes
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

PR_SET_CHILD_SUBREAPER = 36
DEVNULL_IN = (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0)
DEVNULL_OUT = (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0)
ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}


class Failed(Exception):
    pass


def spawn(argv, errfile):
    """Runs argv to completion: (wall ms, cpu ms, maxrss KiB, page faults)."""
    acts = [DEVNULL_IN, DEVNULL_OUT,
            (os.POSIX_SPAWN_OPEN, 2, errfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)]
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, ENV, file_actions=acts)
    _, status, ru = os.wait4(pid, 0)
    t1 = time.perf_counter_ns()
    if os.waitstatus_to_exitcode(status) != 0:
        with open(errfile) as f:
            raise Failed(f"{' '.join(argv)}: exit {os.waitstatus_to_exitcode(status)}: {f.read()[-2000:]}")
    return {"ms": (t1 - t0) / 1e6, "cpu": (ru.ru_utime + ru.ru_stime) * 1e3,
            "rss": ru.ru_maxrss, "flt": ru.ru_minflt + ru.ru_majflt}


def peak_rss(argv, errfile):
    """Peak RSS (KiB) of argv, read by /usr/bin/time. (wait4 here cannot give it: a child
    spawned from this process starts with this interpreter's peak RSS on its account.)"""
    out = errfile + ".time"
    spawn(["/usr/bin/time", "-f", "%M", "-o", out, *argv], errfile)
    return {"rss": int(open(out).read().split()[-1])}


def reap_orphans():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


class Runtime:
    def __init__(self, name, path, work):
        self.name, self.path = name, path
        self.key = name.replace("#", "")
        self.root = os.path.join(work, "state", self.key)
        self.err = os.path.join(work, f"stderr-{self.key}")
        self.work = work
        os.makedirs(self.root, exist_ok=True)

    def cmd(self, *args):
        return [self.path, "--root", self.root, *args]

    def bundle(self, case):
        return os.path.join(self.work, "bundles", f"{self.key}-{case}")

    def run(self, *args):
        return spawn(self.cmd(*args), self.err)

    def quiet(self, *args):
        subprocess.run(self.cmd(*args), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, env=ENV)


# ---------------------------------------------------------------- bundles
def make_rootfs(work):
    rootfs = os.path.join(work, "rootfs")
    for d in ("bin", "proc", "dev", "sys", "tmp", "etc"):
        os.makedirs(os.path.join(rootfs, d), exist_ok=True)
    shutil.copy2("/bin/busybox", os.path.join(rootfs, "bin", "busybox"))
    for a in ("true", "sleep", "sh"):
        os.symlink("busybox", os.path.join(rootfs, "bin", a))
    return rootfs


def podman_seccomp(caps):
    """linux.seccomp from podman's profile, resolved as podman does for x86_64 and caps."""
    prof = json.load(open("/usr/share/containers/seccomp.json"))
    kernel = tuple(int(x) for x in platform.release().split("-")[0].split(".")[:2])
    arches = []
    for m in prof.get("archMap", []):
        if m["architecture"] == "SCMP_ARCH_X86_64":
            arches = [m["architecture"], *m.get("subArchitectures", [])]
    out = []
    for s in prof["syscalls"]:
        inc, exc = s.get("includes") or {}, s.get("excludes") or {}
        if inc.get("arches") and "amd64" not in inc["arches"]:
            continue
        if exc.get("arches") and "amd64" in exc["arches"]:
            continue
        if inc.get("caps") and not all(c in caps for c in inc["caps"]):
            continue
        if exc.get("caps") and any(c in caps for c in exc["caps"]):
            continue
        if inc.get("minKernel"):
            mk = tuple(int(x) for x in inc["minKernel"].split(".")[:2])
            if kernel < mk:
                continue
        rule = {"names": s["names"], "action": s["action"]}
        if s.get("args"):
            rule["args"] = [{k: a[k] for k in ("index", "value", "valueTwo", "op")} for a in s["args"]]
        if s.get("errnoRet") is not None:
            rule["errnoRet"] = s["errnoRet"]
        out.append(rule)
    sec = {"defaultAction": prof["defaultAction"], "architectures": arches, "syscalls": out}
    if prof.get("defaultErrnoRet") is not None:
        sec["defaultErrnoRet"] = prof["defaultErrnoRet"]
    return sec


def make_bundles(rts, hull, work, rootfs):
    tmp = tempfile.mkdtemp(prefix="spec.", dir=work)
    subprocess.run([hull, "spec", "--bundle", tmp], check=True)
    base = json.load(open(os.path.join(tmp, "config.json")))
    # crun 1.8 accepts only ociVersion 1.0.x; the config uses nothing newer.
    base["ociVersion"] = "1.0.2"
    base["root"] = {"path": rootfs, "readonly": True}
    base["process"]["terminal"] = False
    caps = base["process"]["capabilities"]["bounding"]
    seccomp = podman_seccomp(caps)
    for rt in rts:
        for case, args in (("true", ["/bin/true"]), ("sleep", ["/bin/sleep", "1000000"]),
                           ("podman", ["/bin/true"])):
            c = json.loads(json.dumps(base))
            c["process"]["args"] = args
            if case == "podman":
                c["linux"]["seccomp"] = seccomp
                c["linux"]["resources"] = dict(c["linux"].get("resources") or {},
                                               memory={"limit": 256 << 20}, pids={"limit": 2048})
                c["linux"]["cgroupsPath"] = f"/hull-bench/{rt.key}"
            b = rt.bundle(case)
            os.makedirs(b)
            json.dump(c, open(os.path.join(b, "config.json"), "w"), indent=1)


# ---------------------------------------------------------------- cases
def interleave(rts, rounds, one, label):
    """samples[name] = list of dicts; one(rt, i) measures one sample."""
    samples = {rt.name: [] for rt in rts}
    for rt in rts:  # warm up: page cache, seccomp caches, cgroup parents
        one(rt, -1)
    for i in range(rounds):
        order = rts if i % 2 == 0 else rts[::-1]
        for rt in order:
            samples[rt.name].append(one(rt, i))
        reap_orphans()
        print(f"\r  {label}: {i + 1}/{rounds}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return samples


def case_run(rt, i, case="true"):
    if rt.key == "floor":
        return rt.run_floor()
    return rt.run("run", "--bundle", rt.bundle(case), f"b-run-{case}-{i}")


def case_rss(rt, i):
    if rt.key == "floor":
        return peak_rss(["/usr/bin/unshare", "-m", "-p", "-f", "-u", "-i", "-n", "chroot",
                         rt.rootfs, "/bin/true"], rt.err)
    return peak_rss(rt.cmd("run", "--bundle", rt.bundle("true"), f"b-rss-{i}"), rt.err)


def case_lifecycle(rt, i):
    """create, start, wait for the exit, delete: each timed, and the whole."""
    if rt.key == "floor":
        return None
    cid = f"b-life-{i}"
    pidfile = os.path.join(rt.work, f"pid-{rt.key}")
    t0 = time.perf_counter_ns()
    c = rt.run("create", "--bundle", rt.bundle("true"), "--pid-file", pidfile, cid)
    pid = int(open(pidfile).read())
    s = rt.run("start", cid)
    os.waitpid(pid, 0)
    d = rt.run("delete", cid)
    t1 = time.perf_counter_ns()
    return {"ms": (t1 - t0) / 1e6, "create": c["ms"], "start": s["ms"], "delete": d["ms"],
            "cpu": c["cpu"] + s["cpu"] + d["cpu"],
            "flt": c["flt"] + s["flt"] + d["flt"]}


def case_exec(rt, i):
    if rt.key == "floor":
        return None
    return rt.run("exec", f"b-exec-{rt.key}", "/bin/true")


def case_seq(rt, i, n):
    if rt.key == "floor":
        t0 = time.perf_counter_ns()
        for _ in range(n):
            rt.run_floor()
        return {"ms": (time.perf_counter_ns() - t0) / 1e6}
    t0 = time.perf_counter_ns()
    for k in range(n):
        rt.run("run", "--bundle", rt.bundle("true"), f"b-seq-{i}-{k}")
    return {"ms": (time.perf_counter_ns() - t0) / 1e6}


def case_par(rt, i, n):
    errs = []

    def stream(s):
        try:
            for k in range(n):
                if rt.key == "floor":
                    rt.run_floor(f"{rt.err}-{s}")
                else:
                    spawn(rt.cmd("run", "--bundle", rt.bundle("true"), f"b-par-{i}-{s}-{k}"),
                          f"{rt.err}-{s}")
        except Exception as e:  # reported by the main thread
            errs.append(e)

    t0 = time.perf_counter_ns()
    ts = [threading.Thread(target=stream, args=(s,)) for s in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errs:
        raise errs[0]
    return {"ms": (time.perf_counter_ns() - t0) / 1e6}


class Floor(Runtime):
    def __init__(self, work, rootfs):
        super().__init__("floor", "/usr/bin/unshare", work)
        self.rootfs = rootfs

    def run_floor(self, err=None):
        return spawn(["/usr/bin/unshare", "-m", "-p", "-f", "-u", "-i", "-n", "chroot",
                      self.rootfs, "/bin/true"], err or self.err)


# ---------------------------------------------------------------- report
def pct(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def stats(samples, key):
    out = {}
    for name, ss in samples.items():
        xs = [s[key] for s in ss if s is not None and key in s]
        if xs:
            out[name] = {"med": statistics.median(xs), "p10": pct(xs, 0.1), "p90": pct(xs, 0.9),
                         "min": min(xs), "max": max(xs), "xs": xs}
    return out


def paired_ratio(samples, key, a, b):
    """Median over rounds of a's sample / b's sample of the same round."""
    if a not in samples or b not in samples:
        return None
    rs = [x[key] / y[key] for x, y in zip(samples[a], samples[b])
          if x is not None and y is not None and key in x and y[key] > 0]
    return statistics.median(rs) if rs else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--seq", type=int, default=100)
    ap.add_argument("--par", type=int, default=50)
    ap.add_argument("--nbig", type=int, default=5)
    ap.add_argument("--cases", default="run,rss,life,exec,podman,seq,par")
    ap.add_argument("--runtimes", nargs="+", required=True, help="name=path ...")
    a = ap.parse_args()

    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    rts = [Runtime(*spec.split("=", 1), a.work) for spec in a.runtimes]
    hull = next(rt.path for rt in rts if rt.key == "hull")
    rootfs = make_rootfs(a.work)
    make_bundles(rts, hull, a.work, rootfs)
    floor = Floor(a.work, rootfs)
    cases = a.cases.split(",")
    ref = "crun" if any(rt.name == "crun" for rt in rts) else rts[-1].name
    res = {}
    versions = {}
    for rt in rts:
        v = subprocess.run([rt.path, "--version"], capture_output=True, text=True).stdout
        versions[rt.name] = v.splitlines()[0] if v else "?"
    print("runtimes: " + ", ".join(f"{k} ({v})" for k, v in versions.items()), file=sys.stderr)

    try:
        if "run" in cases:
            res["run"] = interleave(rts + [floor], a.n, case_run, "run /bin/true")
        if "rss" in cases:
            res["rss"] = interleave(rts + [floor], a.n, case_rss, "peak RSS (/usr/bin/time)")
        if "life" in cases:
            res["life"] = interleave(rts, a.n, case_lifecycle, "create/start/wait/delete")
        if "exec" in cases:
            for rt in rts:
                rt.run("run", "--detach", "--bundle", rt.bundle("sleep"), f"b-exec-{rt.key}")
            try:
                res["exec"] = interleave(rts, a.n, case_exec, "exec /bin/true")
            finally:
                for rt in rts:
                    rt.quiet("delete", "--force", f"b-exec-{rt.key}")
                reap_orphans()
        if "podman" in cases:
            res["podman"] = interleave(rts, a.n, lambda rt, i: case_run(rt, i, "podman"),
                                       "podman-like run")
        if "seq" in cases:
            res["seq"] = interleave(rts + [floor], a.nbig, lambda rt, i: case_seq(rt, i, a.seq),
                                    f"{a.seq} sequential runs")
        if "par" in cases:
            res["par"] = interleave(rts + [floor], a.nbig, lambda rt, i: case_par(rt, i, a.par),
                                    f"2 streams of {a.par}")
    except Failed as e:
        print(f"\nfailed: {e}", file=sys.stderr)
        sys.exit(1)

    names = [rt.name for rt in rts] + ["floor"]
    rows = []
    # (label, case, key, unit, scale)
    spec_rows = [
        ("`run` of /bin/true", "run", "ms", "ms", 1),
        ("`create`", "life", "create", "ms", 1),
        ("`start`", "life", "start", "ms", 1),
        ("`delete`", "life", "delete", "ms", 1),
        ("create+start+wait+delete", "life", "ms", "ms", 1),
        ("`exec` of /bin/true into a running container", "exec", "ms", "ms", 1),
        ("podman-like config (podman's seccomp, memory+pids limits): `run`", "podman", "ms", "ms", 1),
        (f"{a.seq} sequential runs", "seq", "ms", "s", 1e-3),
        (f"2 parallel streams of {a.par} runs", "par", "ms", "s", 1e-3),
        ("peak RSS of the runtime process (`run`, /usr/bin/time)", "rss", "rss", "MiB", 1 / 1024),
        ("CPU time of `run` (user+sys)", "run", "cpu", "ms", 1),
        ("page faults of `run`", "run", "flt", "", 1),
    ]
    hdr = "| metric | " + " | ".join(names) + " | " + " | ".join(
        f"{n} / {ref}" for n in names if n != ref) + " |"
    rows.append(hdr)
    rows.append("|" + "---|" * (1 + len(names) + len(names) - 1))
    summary = {}
    for label, case, key, unit, scale in spec_rows:
        if case not in res:
            continue
        st = stats(res[case], key)
        cells = []
        for n in names:
            if n in st:
                s = st[n]
                fmt = (lambda v: f"{v * scale:.2f}") if unit in ("ms", "MiB", "s") else (lambda v: f"{v * scale:.0f}")
                cells.append(f"{fmt(s['med'])} ({fmt(s['p10'])}–{fmt(s['p90'])})")
            else:
                cells.append("–")
        ratios = []
        for n in names:
            if n == ref:
                continue
            r = paired_ratio(res[case], key, n, ref)
            ratios.append(f"{r:.2f}" if r is not None else "–")
            if r is not None:
                summary[f"{label} {n}/{ref}"] = r
        rows.append(f"| {label}{' (' + unit + ')' if unit else ''} | " + " | ".join(cells) + " | "
                    + " | ".join(ratios) + " |")
        summary[label] = {n: st[n]["med"] * scale for n in st}
    if "run" in res and "floor" in res["run"]:
        r = paired_ratio(res["run"], "ms", "hull", "floor")
        rows.append("")
        rows.append(f"`hull run` / floor (`unshare -m -p -f -u -i -n chroot rootfs /bin/true`): **{r:.2f}**")
    table = "\n".join(rows)
    head = (f"{a.n} rounds per case ({a.nbig} for the sequential/parallel cases), each runtime once "
            f"per round, alternating order; median (p10–p90); ratios are the median of the per-round "
            f"ratios against {ref}.\n\n" + "\n".join(f"- {k}: {v}" for k, v in versions.items()) + "\n\n")
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "results.md"), "w") as f:
        f.write(head + table + "\n")
    with open(os.path.join(a.out, "samples.json"), "w") as f:
        json.dump({"versions": versions, "samples": res}, f)
    print(head + table)
    plot(res, names, a.out)


def plot(res, names, out):
    if "run" not in res or not shutil.which("gnuplot"):
        return
    dat = os.path.join(out, "latency.dat")
    run = res["run"]
    ns = [n for n in names if n in run]
    with open(dat, "w") as f:
        for i in range(len(run[ns[0]])):
            f.write(f"{i} " + " ".join(f"{run[n][i]['ms']:.3f}" for n in ns) + "\n")
    lines = ", ".join(f"'{dat}' using 1:{k + 2} with linespoints pt 7 ps 0.5 title '{n}'"
                      for k, n in enumerate(ns))
    script = f"""set terminal pngcairo size 800,420 font ',10'
set output '{os.path.join(out, "latency.png")}'
set title 'run of /bin/true: latency of each run, interleaved'
set xlabel 'round'
set ylabel 'ms'
set yrange [0:*]
set key outside right
set grid ytics
plot {lines}
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
    except Exception:
        script = script.replace("pngcairo size 800,420 font ',10'", "png size 800,420")
        subprocess.run(["gnuplot"], input=script, text=True, check=False)
    os.unlink(dat)


if __name__ == "__main__":
    main()
