#!/usr/bin/env python3
"""Where a runtime's `run` time goes: the same runtime on configs that each leave one piece
out, interleaved round by round (A B C ... A B C ...), medians and the difference from the
full config. Run as root, inside the namespace compare.sh sets up, or directly on a host
without a hybrid cgroup2 mount:

    unshare -m --propagation private sh -c 'umount -l /sys/fs/cgroup/unified; \
        python3 bench/attribute.py build/hull 50'
"""
import json
import os
import statistics
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare as C  # noqa: E402


def variants(base):
    def without_ns(c, kind):
        c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != kind]

    def only_proc(c):
        c["mounts"] = [m for m in c["mounts"] if m["destination"] == "/proc"]

    out = {"full (hull spec)": lambda c: None,
           "no network namespace": lambda c: without_ns(c, "network"),
           "only /proc mounted": only_proc,
           "no masked/readonly paths": lambda c: c["linux"].update(maskedPaths=[], readonlyPaths=[]),
           "rootfs not readonly": lambda c: c["root"].update(readonly=False)}
    return out


class NoCache(C.Runtime):
    def __init__(self, name, path, work, keep):
        super().__init__(name, path, work)
        self.keep = keep

    def run(self, *args):
        if not self.keep:
            C.shutil.rmtree(os.path.join(self.root, "seccomp-cache"), ignore_errors=True)
        return super().run(*args)


def main():
    hull = os.path.realpath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    work = tempfile.mkdtemp(prefix="hull-attr.")
    # The state directories on a tmpfs, as in compare.sh (and /run on most hosts): on ext4
    # every rename that replaces a state.json starts a writeback, which would be measured too.
    state = os.path.join(work, "state")
    os.makedirs(state)
    C.subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0700", "bench-state", state], check=True)
    C.ctypes.CDLL(None).prctl(C.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    rootfs = C.make_rootfs(work)
    spec = os.path.join(work, "spec")
    os.makedirs(spec)
    C.subprocess.run([hull, "spec", "--bundle", spec], check=True)
    base = json.load(open(os.path.join(spec, "config.json")))
    base["root"] = {"path": rootfs, "readonly": True}
    base["process"].update(terminal=False, args=["/bin/true"])
    rts = []
    for k, (label, edit) in enumerate(variants(base).items()):
        rt = C.Runtime(f"v{k}", hull, work)
        rt.label = label
        c = json.loads(json.dumps(base))
        edit(c)
        os.makedirs(rt.bundle("true"))
        json.dump(c, open(os.path.join(rt.bundle("true"), "config.json"), "w"))
        rts.append(rt)
    # The podman-like config with the seccomp cache kept, and with it removed before each run.
    seccomp = C.podman_seccomp(base["process"]["capabilities"]["bounding"])
    for label, keep in (("podman's seccomp profile, cache kept", True),
                        ("podman's seccomp profile, compiled each run", False)):
        rt = NoCache(f"v{len(rts)}", hull, work, keep)
        rt.label = label
        c = json.loads(json.dumps(base))
        c["linux"]["seccomp"] = seccomp
        os.makedirs(rt.bundle("true"))
        json.dump(c, open(os.path.join(rt.bundle("true"), "config.json"), "w"))
        rts.append(rt)
    floor = C.Floor(work, rootfs)
    floor.label = "floor: unshare -m -p -f -u -i -n chroot rootfs /bin/true"
    s = C.interleave(rts + [floor], n, C.case_run, "variants")
    full = statistics.median(x["ms"] for x in s["v0"])
    print(f"| config | median ms | minus full config (ms) |\n|---|---|---|")
    for rt in rts + [floor]:
        m = statistics.median(x["ms"] for x in s[rt.name])
        print(f"| {rt.label} | {m:.2f} | {m - full:+.2f} |")
    C.subprocess.run(["umount", state], check=False)
    C.shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
