// The one description of every config.json struct: JSON name, required/optional, member.
// Used by both Reader (parse) and Writer (serialise) in json_io.hpp. The order here is the
// key order of serialised output (the order of the runtime-spec's Go structs).
#pragma once

#include "hull/config.hpp"

namespace hull {

// ---- resources ----

template <class V> void fields(V& v, DeviceRule& d) {
    v.req("allow", d.allow);
    v.opt("type", d.type);
    v.opt("major", d.major);
    v.opt("minor", d.minor);
    v.opt("access", d.access);
}

template <class V> void fields(V& v, Memory& m) {
    v.opt("limit", m.limit);
    v.opt("reservation", m.reservation);
    v.opt("swap", m.swap);
    v.opt("kernel", m.kernel);
    v.opt("kernelTCP", m.kernelTCP);
    v.opt("swappiness", m.swappiness);
    v.opt("disableOOMKiller", m.disableOOMKiller);
    v.opt("useHierarchy", m.useHierarchy);
    v.opt("checkBeforeUpdate", m.checkBeforeUpdate);
}

template <class V> void fields(V& v, Cpu& c) {
    v.opt("shares", c.shares);
    v.opt("quota", c.quota);
    v.opt("burst", c.burst);
    v.opt("period", c.period);
    v.opt("realtimeRuntime", c.realtimeRuntime);
    v.opt("realtimePeriod", c.realtimePeriod);
    v.opt("cpus", c.cpus);
    v.opt("mems", c.mems);
    v.opt("idle", c.idle);
}

template <class V> void fields(V& v, Pids& p) {
    v.opt("limit", p.limit);
}

template <class V> void fields(V& v, WeightDevice& w) {
    v.req("major", w.major);
    v.req("minor", w.minor);
    v.opt("weight", w.weight);
    v.opt("leafWeight", w.leafWeight);
}

template <class V> void fields(V& v, ThrottleDevice& t) {
    v.req("major", t.major);
    v.req("minor", t.minor);
    v.req("rate", t.rate);
}

template <class V> void fields(V& v, BlockIO& b) {
    v.opt("weight", b.weight);
    v.opt("leafWeight", b.leafWeight);
    v.opt("weightDevice", b.weightDevice);
    v.opt("throttleReadBpsDevice", b.throttleReadBpsDevice);
    v.opt("throttleWriteBpsDevice", b.throttleWriteBpsDevice);
    v.opt("throttleReadIOPSDevice", b.throttleReadIOPSDevice);
    v.opt("throttleWriteIOPSDevice", b.throttleWriteIOPSDevice);
}

template <class V> void fields(V& v, HugepageLimit& h) {
    v.req("pageSize", h.pageSize);
    v.req("limit", h.limit);
}

template <class V> void fields(V& v, InterfacePriority& p) {
    v.req("name", p.name);
    v.req("priority", p.priority);
}

template <class V> void fields(V& v, Network& n) {
    v.opt("classID", n.classID);
    v.opt("priorities", n.priorities);
}

template <class V> void fields(V& v, Rdma& r) {
    v.opt("hcaHandles", r.hcaHandles);
    v.opt("hcaObjects", r.hcaObjects);
}

template <class V> void fields(V& v, Resources& r) {
    v.opt("devices", r.devices);
    v.opt("memory", r.memory);
    v.opt("cpu", r.cpu);
    v.opt("pids", r.pids);
    v.opt("blockIO", r.blockIO);
    v.opt("hugepageLimits", r.hugepageLimits);
    v.opt("network", r.network);
    v.opt("rdma", r.rdma);
    v.opt("unified", r.unified);
}

// ---- linux ----

template <class V> void fields(V& v, IdMapping& m) {
    v.req("containerID", m.containerID);
    v.req("hostID", m.hostID);
    v.req("size", m.size);
}

template <class V> void fields(V& v, LinuxNamespace& n) {
    v.req("type", n.type);
    v.opt("path", n.path);
}

template <class V> void fields(V& v, TimeOffset& t) {
    v.opt("secs", t.secs);
    v.opt("nanosecs", t.nanosecs);
}

template <class V> void fields(V& v, Device& d) {
    v.req("path", d.path);
    v.req("type", d.type);
    v.opt("major", d.major);
    v.opt("minor", d.minor);
    v.opt("fileMode", d.fileMode);
    v.opt("uid", d.uid);
    v.opt("gid", d.gid);
}

template <class V> void fields(V& v, NetDevice& n) {
    v.opt("name", n.name);
}

template <class V> void fields(V& v, IntelRdt& r) {
    v.opt("closID", r.closID);
    v.opt("l3CacheSchema", r.l3CacheSchema);
    v.opt("memBwSchema", r.memBwSchema);
    v.opt("schemata", r.schemata);
    v.opt("enableMonitoring", r.enableMonitoring);
    v.opt("enableCMT", r.enableCMT);
    v.opt("enableMBM", r.enableMBM);
}

template <class V> void fields(V& v, MemoryPolicy& m) {
    v.req("mode", m.mode);
    v.opt("nodes", m.nodes);
    v.opt("flags", m.flags);
}

template <class V> void fields(V& v, SeccompArg& a) {
    v.req("index", a.index);
    v.req("value", a.value);
    v.opt("valueTwo", a.valueTwo);
    v.req("op", a.op);
}

template <class V> void fields(V& v, SeccompSyscall& s) {
    v.req("names", s.names);
    v.req("action", s.action);
    v.opt("errnoRet", s.errnoRet);
    v.opt("args", s.args);
}

template <class V> void fields(V& v, Seccomp& s) {
    v.req("defaultAction", s.defaultAction);
    v.opt("defaultErrnoRet", s.defaultErrnoRet);
    v.opt("architectures", s.architectures);
    v.opt("flags", s.flags);
    v.opt("listenerPath", s.listenerPath);
    v.opt("listenerMetadata", s.listenerMetadata);
    v.opt("syscalls", s.syscalls);
}

template <class V> void fields(V& v, Personality& p) {
    v.req("domain", p.domain);
    v.opt("flags", p.flags);
}

template <class V> void fields(V& v, Linux& l) {
    v.opt("uidMappings", l.uidMappings);
    v.opt("gidMappings", l.gidMappings);
    v.opt("sysctl", l.sysctl);
    v.opt("resources", l.resources);
    v.opt("cgroupsPath", l.cgroupsPath);
    v.opt("namespaces", l.namespaces);
    v.opt("devices", l.devices);
    v.opt("netDevices", l.netDevices);
    v.opt("seccomp", l.seccomp);
    v.opt("rootfsPropagation", l.rootfsPropagation);
    v.opt("maskedPaths", l.maskedPaths);
    v.opt("readonlyPaths", l.readonlyPaths);
    v.opt("mountLabel", l.mountLabel);
    v.opt("intelRdt", l.intelRdt);
    v.opt("personality", l.personality);
    v.opt("timeOffsets", l.timeOffsets);
    v.opt("memoryPolicy", l.memoryPolicy);
}

// ---- process ----

template <class V> void fields(V& v, ConsoleSize& c) {
    v.req("height", c.height);
    v.req("width", c.width);
}

template <class V> void fields(V& v, User& u) {
    v.req("uid", u.uid);
    v.req("gid", u.gid);
    v.opt("umask", u.umask);
    v.opt("additionalGids", u.additionalGids);
}

template <class V> void fields(V& v, Capabilities& c) {
    v.opt("bounding", c.bounding);
    v.opt("effective", c.effective);
    v.opt("inheritable", c.inheritable);
    v.opt("permitted", c.permitted);
    v.opt("ambient", c.ambient);
}

template <class V> void fields(V& v, Rlimit& r) {
    v.req("type", r.type);
    v.req("hard", r.hard);
    v.req("soft", r.soft);
}

template <class V> void fields(V& v, Scheduler& s) {
    v.req("policy", s.policy);
    v.opt("nice", s.nice);
    v.opt("priority", s.priority);
    v.opt("flags", s.flags);
    v.opt("runtime", s.runtime);
    v.opt("deadline", s.deadline);
    v.opt("period", s.period);
}

template <class V> void fields(V& v, IoPriority& p) {
    v.req("class", p.class_);
    v.req("priority", p.priority);
}

template <class V> void fields(V& v, ExecCPUAffinity& a) {
    v.opt("initial", a.initial);
    v.opt("final", a.final_);
}

template <class V> void fields(V& v, Process& p) {
    v.opt("terminal", p.terminal);
    v.opt("consoleSize", p.consoleSize);
    v.req("user", p.user);
    v.opt("args", p.args);
    v.opt("env", p.env);
    v.req("cwd", p.cwd);
    v.opt("capabilities", p.capabilities);
    v.opt("rlimits", p.rlimits);
    v.opt("noNewPrivileges", p.noNewPrivileges);
    v.opt("apparmorProfile", p.apparmorProfile);
    v.opt("oomScoreAdj", p.oomScoreAdj);
    v.opt("scheduler", p.scheduler);
    v.opt("selinuxLabel", p.selinuxLabel);
    v.opt("ioPriority", p.ioPriority);
    v.opt("execCPUAffinity", p.execCPUAffinity);
}

// ---- top level ----

template <class V> void fields(V& v, Root& r) {
    v.req("path", r.path);
    v.opt("readonly", r.readonly);
}

template <class V> void fields(V& v, Mount& m) {
    v.req("destination", m.destination);
    v.opt("type", m.type);
    v.opt("source", m.source);
    v.opt("options", m.options);
    v.opt("uidMappings", m.uidMappings);
    v.opt("gidMappings", m.gidMappings);
}

template <class V> void fields(V& v, Hook& h) {
    v.req("path", h.path);
    v.opt("args", h.args);
    v.opt("env", h.env);
    v.opt("timeout", h.timeout);
}

template <class V> void fields(V& v, Hooks& h) {
    v.opt("prestart", h.prestart);
    v.opt("createRuntime", h.createRuntime);
    v.opt("createContainer", h.createContainer);
    v.opt("startContainer", h.startContainer);
    v.opt("poststart", h.poststart);
    v.opt("poststop", h.poststop);
}

template <class V> void fields(V& v, Config& c) {
    v.req("ociVersion", c.ociVersion);
    v.opt("process", c.process);
    v.req("root", c.root);
    v.opt("hostname", c.hostname);
    v.opt("domainname", c.domainname);
    v.opt("mounts", c.mounts);
    v.opt("hooks", c.hooks);
    v.opt("annotations", c.annotations);
    v.opt("linux", c.linux);
}

} // namespace hull
