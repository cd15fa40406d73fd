// config.json parsing: every field group with asserted values.
#include <catch2/catch.hpp>

#include "hull/config_parse.hpp"

#include "full_config.hpp"

using namespace hull;

namespace {

Config full() {
    auto r = parse_config(test::kFullConfig);
    INFO((r ? std::string() : r.error().message()));
    REQUIRE(r);
    return *r;
}

} // namespace

TEST_CASE("config: top level, root, hostname, domainname, annotations", "[config]") {
    const Config c = full();
    CHECK(c.ociVersion == "1.3.0");
    CHECK(c.root.path == "rootfs");
    CHECK(c.root.readonly == true);
    CHECK(c.hostname == "box");
    CHECK(c.domainname == "example.org");
    CHECK(c.annotations.size() == 2);
    CHECK(c.annotations.at("org.example.key") == "value");
    CHECK(c.annotations.at("com.example.other").empty());
    CHECK(c.warnings.empty());
}

TEST_CASE("config: mounts keep order, options verbatim and id mappings", "[config]") {
    const Config c = full();
    REQUIRE(c.mounts.size() == 3);
    CHECK(c.mounts[0].destination == "/proc");
    CHECK(c.mounts[0].type == "proc");
    CHECK(c.mounts[0].source == "proc");
    CHECK(c.mounts[0].options.empty());
    CHECK(c.mounts[1].options ==
          std::vector<std::string>{"nosuid", "strictatime", "mode=755", "size=65536k"});
    const Mount& m = c.mounts[2];
    CHECK(m.source == "/srv/data");
    CHECK(m.options == std::vector<std::string>{"rbind", "ro", "idmap"});
    REQUIRE(m.uidMappings.size() == 1);
    CHECK(m.uidMappings[0] == IdMapping{0, 100000, 65536});
    REQUIRE(m.gidMappings.size() == 1);
    CHECK(m.gidMappings[0] == IdMapping{0, 200000, 65536});
}

TEST_CASE("config: process basics, user, console", "[config]") {
    const Config c = full();
    REQUIRE(c.process);
    const Process& p = *c.process;
    CHECK(p.terminal == true);
    REQUIRE(p.consoleSize);
    CHECK(p.consoleSize->height == 25);
    CHECK(p.consoleSize->width == 80);
    CHECK(p.user.uid == 1000);
    CHECK(p.user.gid == 1001);
    CHECK(p.user.umask == 18u);
    CHECK(p.user.additionalGids == std::vector<uint32_t>{5, 6});
    CHECK(p.args == std::vector<std::string>{"sh", "-c", "echo hi"});
    CHECK(p.env == std::vector<std::string>{"PATH=/usr/bin:/bin", "TERM=xterm"});
    CHECK(p.cwd == "/work");
    CHECK(p.noNewPrivileges == true);
    CHECK(p.apparmorProfile == "hull-default");
    CHECK(p.oomScoreAdj == -500);
    CHECK(p.selinuxLabel == "system_u:system_r:container_t:s0");
}

TEST_CASE("config: process capabilities and rlimits", "[config]") {
    const Process p = *full().process;
    REQUIRE(p.capabilities);
    const Capabilities& caps = *p.capabilities;
    CHECK(caps.bounding == std::vector<Capability>{Capability::AuditWrite, Capability::Kill,
                                                   Capability::NetBindService});
    CHECK(caps.effective == std::vector<Capability>{Capability::Kill});
    CHECK(caps.inheritable == std::vector<Capability>{Capability::Chown});
    CHECK(caps.permitted ==
          std::vector<Capability>{Capability::Kill, Capability::CheckpointRestore});
    CHECK(caps.ambient == std::vector<Capability>{Capability::NetBindService});
    CHECK(cap_number(Capability::CheckpointRestore) == 40);
    CHECK(cap_number(Capability::SysAdmin) == 21);
    REQUIRE(p.rlimits.size() == 2);
    CHECK(p.rlimits[0].type == RlimitType::Nofile);
    CHECK(p.rlimits[0].hard == 4096);
    CHECK(p.rlimits[0].soft == 1024);
    CHECK(p.rlimits[1].type == RlimitType::Core);
    CHECK(p.rlimits[1].hard == UINT64_MAX);
    CHECK(rlimit_resource(RlimitType::Nofile) == 7);
}

TEST_CASE("config: process scheduler, ioPriority, execCPUAffinity", "[config]") {
    const Process p = *full().process;
    REQUIRE(p.scheduler);
    CHECK(p.scheduler->policy == SchedulerPolicy::Deadline);
    CHECK(static_cast<int>(SchedulerPolicy::Deadline) == 6);
    CHECK(p.scheduler->nice == -5);
    CHECK(p.scheduler->priority == 3);
    CHECK(p.scheduler->flags ==
          std::vector<SchedulerFlag>{SchedulerFlag::ResetOnFork, SchedulerFlag::UtilClampMax});
    CHECK(p.scheduler->runtime == 1000000u);
    CHECK(p.scheduler->deadline == 2000000u);
    CHECK(p.scheduler->period == 3000000u);
    REQUIRE(p.ioPriority);
    CHECK(p.ioPriority->class_ == IoPriorityClass::Be);
    CHECK(p.ioPriority->priority == 4);
    REQUIRE(p.execCPUAffinity);
    CHECK(p.execCPUAffinity->initial == "0-1");
    CHECK(p.execCPUAffinity->final_ == "1");
}

TEST_CASE("config: hooks", "[config]") {
    const Hooks h = full().hooks;
    REQUIRE(h.prestart.size() == 1);
    CHECK(h.prestart[0].path == "/usr/bin/pre");
    CHECK(h.prestart[0].args == std::vector<std::string>{"pre", "a"});
    CHECK(h.prestart[0].env == std::vector<std::string>{"X=1"});
    CHECK(h.prestart[0].timeout == 5);
    REQUIRE(h.createRuntime.size() == 1);
    CHECK(h.createRuntime[0].path == "/bin/cr");
    CHECK(h.createRuntime[0].args.empty());
    CHECK(!h.createRuntime[0].timeout);
    CHECK(h.createContainer.at(0).path == "/bin/cc");
    CHECK(h.startContainer.at(0).path == "/bin/sc");
    CHECK(h.poststart.at(0).path == "/bin/ps");
    CHECK(h.poststop.at(0).timeout == 1);
}

TEST_CASE("config: linux namespaces, id mappings, time offsets, sysctl", "[config]") {
    const Linux l = *full().linux;
    REQUIRE(l.namespaces.size() == 8);
    CHECK(l.namespaces[0].type == NamespaceType::Pid);
    CHECK(!l.namespaces[0].path);
    CHECK(l.namespaces[1].type == NamespaceType::Network);
    CHECK(l.namespaces[1].path == "/var/run/netns/x");
    CHECK(l.namespaces[7].type == NamespaceType::Time);
    REQUIRE(l.find_namespace(NamespaceType::User));
    CHECK(l.find_namespace(NamespaceType::Cgroup)->type == NamespaceType::Cgroup);
    CHECK(l.uidMappings == std::vector<IdMapping>{{0, 1000, 1}});
    CHECK(l.gidMappings == std::vector<IdMapping>{{0, 1000, 1}, {1, 100000, 65536}});
    REQUIRE(l.timeOffsets.size() == 2);
    CHECK(l.timeOffsets.at("boottime").secs == -3600);
    CHECK(l.timeOffsets.at("boottime").nanosecs == 5u);
    CHECK(l.timeOffsets.at("monotonic").secs == 86400);
    CHECK(!l.timeOffsets.at("monotonic").nanosecs);
    CHECK(l.sysctl.at("net.ipv4.ip_forward") == "1");
    CHECK(l.sysctl.at("kernel.msgmax") == "8192");
    CHECK(l.cgroupsPath == "/hull/test");
}

TEST_CASE("config: linux devices and netDevices", "[config]") {
    const Linux l = *full().linux;
    REQUIRE(l.devices.size() == 4);
    CHECK(l.devices[0].type == DeviceType::Char);
    CHECK(l.devices[0].path == "/dev/fuse");
    CHECK(l.devices[0].major == 10);
    CHECK(l.devices[0].minor == 229);
    CHECK(l.devices[0].fileMode == 438u);
    CHECK(l.devices[0].uid == 0u);
    CHECK(l.devices[0].gid == 0u);
    CHECK(l.devices[1].type == DeviceType::Block);
    CHECK(!l.devices[1].fileMode);
    CHECK(l.devices[2].type == DeviceType::Unbuffered);
    CHECK(l.devices[3].type == DeviceType::Fifo);
    CHECK(!l.devices[3].major);
    REQUIRE(l.netDevices.size() == 2);
    CHECK(l.netDevices.at("eth1").name == "ctr0");
    CHECK(!l.netDevices.at("dummy0").name);
}

TEST_CASE("config: resources devices, memory, cpu, pids", "[config]") {
    const Resources r = *full().linux->resources;
    REQUIRE(r.devices.size() == 3);
    CHECK(!r.devices[0].allow);
    CHECK(!r.devices[0].type);
    CHECK(r.devices[0].access == "rwm");
    CHECK(r.devices[1].type == DeviceRuleType::Char);
    CHECK(r.devices[1].major == 1);
    CHECK(r.devices[1].minor == 3);
    CHECK(r.devices[2].type == DeviceRuleType::Block);
    CHECK(!r.devices[2].minor);
    REQUIRE(r.memory);
    CHECK(r.memory->limit == 536870912);
    CHECK(r.memory->reservation == 268435456);
    CHECK(r.memory->swap == -1);
    CHECK(r.memory->kernel == 1048576);
    CHECK(r.memory->kernelTCP == 2097152);
    CHECK(r.memory->swappiness == 60u);
    CHECK(r.memory->disableOOMKiller == true);
    CHECK(r.memory->useHierarchy == false);
    CHECK(r.memory->checkBeforeUpdate == true);
    REQUIRE(r.cpu);
    CHECK(r.cpu->shares == 1024u);
    CHECK(r.cpu->quota == 200000);
    CHECK(r.cpu->burst == 50000u);
    CHECK(r.cpu->period == 100000u);
    CHECK(r.cpu->realtimeRuntime == 950000);
    CHECK(r.cpu->realtimePeriod == 1000000u);
    CHECK(r.cpu->cpus == "0-1");
    CHECK(r.cpu->mems == "0");
    CHECK(r.cpu->idle == 1);
    REQUIRE(r.pids);
    CHECK(r.pids->limit == 0); // 0 is a real limit, not "unset"
}

TEST_CASE("config: resources blockIO, hugepages, network, rdma, unified", "[config]") {
    const Resources r = *full().linux->resources;
    REQUIRE(r.blockIO);
    CHECK(r.blockIO->weight == 500);
    CHECK(r.blockIO->leafWeight == 300);
    REQUIRE(r.blockIO->weightDevice.size() == 2);
    CHECK(r.blockIO->weightDevice[0] == WeightDevice{254, 0, 200, 100});
    CHECK(r.blockIO->weightDevice[1] == WeightDevice{8, 0, 10, std::nullopt});
    CHECK(r.blockIO->throttleReadBpsDevice == std::vector<ThrottleDevice>{{254, 0, 1048576}});
    CHECK(r.blockIO->throttleWriteBpsDevice == std::vector<ThrottleDevice>{{254, 0, 2097152}});
    CHECK(r.blockIO->throttleReadIOPSDevice == std::vector<ThrottleDevice>{{254, 0, 100}});
    CHECK(r.blockIO->throttleWriteIOPSDevice == std::vector<ThrottleDevice>{{254, 0, 200}});
    REQUIRE(r.hugepageLimits.size() == 2);
    CHECK(r.hugepageLimits[0] == HugepageLimit{"2MB", 209715200});
    CHECK(r.hugepageLimits[1] == HugepageLimit{"1GB", 0});
    REQUIRE(r.network);
    CHECK(r.network->classID == 1048577u);
    CHECK(r.network->priorities == std::vector<InterfacePriority>{{"eth0", 500}, {"lo", 1}});
    REQUIRE(r.rdma.size() == 2);
    CHECK(r.rdma.at("mlx5_1").hcaHandles == 3u);
    CHECK(r.rdma.at("mlx5_1").hcaObjects == 10000u);
    CHECK(!r.rdma.at("mlx4_0").hcaHandles);
    CHECK(r.unified.at("memory.high") == "max");
    CHECK(r.unified.at("io.weight") == "default 100");
}

TEST_CASE("config: seccomp", "[config]") {
    const Seccomp s = *full().linux->seccomp;
    CHECK(s.defaultAction == SeccompAction::Errno);
    CHECK(s.defaultErrnoRet == 1u);
    CHECK(s.architectures ==
          std::vector<SeccompArch>{SeccompArch::X86_64, SeccompArch::X86, SeccompArch::X32});
    CHECK(s.flags == std::vector<SeccompFlag>{SeccompFlag::Log, SeccompFlag::SpecAllow});
    CHECK(s.listenerPath == "/run/seccomp.sock");
    CHECK(s.listenerMetadata == "meta");
    REQUIRE(s.syscalls.size() == 4);
    CHECK(s.syscalls[0].names == std::vector<std::string>{"read", "write"});
    CHECK(s.syscalls[0].action == SeccompAction::Allow);
    REQUIRE(s.syscalls[1].args.size() == 2);
    CHECK(s.syscalls[1].args[0] == SeccompArg{0, 0, std::nullopt, SeccompOperator::Eq});
    CHECK(s.syscalls[1].args[1] == SeccompArg{1, 255, 8, SeccompOperator::MaskedEq});
    CHECK(s.syscalls[2].errnoRet == 13u);
    CHECK(s.syscalls[3].action == SeccompAction::Notify);
}

TEST_CASE("config: propagation, masked/readonly paths, label, intelRdt, personality, "
          "memoryPolicy",
          "[config]") {
    const Linux l = *full().linux;
    CHECK(l.rootfsPropagation == RootfsPropagation::Rslave);
    CHECK(l.maskedPaths == std::vector<std::string>{"/proc/kcore", "/sys/firmware"});
    CHECK(l.readonlyPaths == std::vector<std::string>{"/proc/sys", "/proc/sysrq-trigger"});
    CHECK(l.mountLabel == "system_u:object_r:container_file_t:s0");
    REQUIRE(l.intelRdt);
    CHECK(l.intelRdt->closID == "guaranteed");
    CHECK(l.intelRdt->l3CacheSchema == "L3:0=7f0");
    CHECK(l.intelRdt->memBwSchema == "MB:0=20");
    CHECK(l.intelRdt->schemata == std::vector<std::string>{"L2:0=ff", "L3:1=f"});
    CHECK(l.intelRdt->enableMonitoring == true);
    REQUIRE(l.personality);
    CHECK(l.personality->domain == PersonalityDomain::Linux32);
    CHECK(l.personality->flags.empty());
    REQUIRE(l.memoryPolicy);
    CHECK(l.memoryPolicy->mode == MemoryPolicyMode::Interleave);
    CHECK(static_cast<int>(MemoryPolicyMode::Interleave) == 3);
    CHECK(l.memoryPolicy->nodes == "0-1");
    CHECK(l.memoryPolicy->flags == std::vector<MemoryPolicyFlag>{MemoryPolicyFlag::StaticNodes});
}

TEST_CASE("config: minimal config, absent optionals, null treated as absent", "[config]") {
    auto r = parse_config(R"({"ociVersion": "1.0.0", "root": {"path": "/r"},
                              "hostname": null, "linux": null, "mounts": null})");
    REQUIRE(r);
    CHECK(!r->process);
    CHECK(!r->hostname);
    CHECK(!r->linux);
    CHECK(r->mounts.empty());
    CHECK(!r->root.readonly);
    CHECK(r->hooks == Hooks{});
}

TEST_CASE("config: unknown properties are ignored everywhere", "[config]") {
    auto r = parse_config(R"({"ociVersion": "1.2.0", "future": {"x": 1},
        "root": {"path": "rootfs", "zfs": true},
        "process": {"cwd": "/", "args": ["a"], "user": {"uid": 0, "gid": 0, "username": "x"},
                    "commandLine": "ignored", "newThing": [1, 2]},
        "mounts": [{"destination": "/x", "weird": 1}],
        "windows": {"layerFolders": []},
        "linux": {"resources": {"memory": {"limit": 5, "other": "x"}, "newCtl": {}},
                  "namespaces": [{"type": "pid", "extra": null}]}})");
    REQUIRE(r);
    CHECK(r->linux->resources->memory->limit == 5);
    CHECK(r->mounts.at(0).destination == "/x");
}

TEST_CASE("config: unknown capability names warn and are dropped", "[config]") {
    auto r = parse_config(R"({"ociVersion": "1.3.0", "root": {"path": "rootfs"},
        "process": {"cwd": "/", "args": ["a"], "user": {"uid": 0, "gid": 0},
                    "capabilities": {"bounding": ["CAP_KILL", "CAP_FUTURE", "CAP_BPF"]}}})");
    REQUIRE(r);
    CHECK(r->process->capabilities->bounding ==
          std::vector<Capability>{Capability::Kill, Capability::Bpf});
    REQUIRE(r->warnings.size() == 1);
    CHECK(r->warnings[0] ==
          "process.capabilities.bounding[1]: unknown capability \"CAP_FUTURE\" ignored");
}

TEST_CASE("config: accepted ociVersions", "[config]") {
    for (const char* v : {"1.0.0", "1.0.2-dev", "1.1.0", "1.2.1", "1.3.0", "1.3.0-rc.1", "1.3.7",
                          "1.0.0+build.5", "1.0.0-rc5"}) {
        INFO(v);
        CHECK(check_oci_version(v));
    }
}

TEST_CASE("config: parse_process and parse_resources", "[config]") {
    std::vector<std::string> warnings;
    auto p = parse_process(R"({"cwd": "/tmp", "args": ["ls"], "user": {"uid": 5, "gid": 6},
        "capabilities": {"effective": ["CAP_NOPE"]}, "execCPUAffinity": {"final": "0"}})",
                           &warnings);
    REQUIRE(p);
    CHECK(p->cwd == "/tmp");
    CHECK(p->user.uid == 5);
    CHECK(p->capabilities->effective.empty());
    CHECK(p->execCPUAffinity->final_ == "0");
    CHECK(warnings.size() == 1);

    auto r = parse_resources(R"({"memory": {"limit": 1024}, "pids": {"limit": -1},
                                 "cpu": {"cpus": "0"}})");
    REQUIRE(r);
    CHECK(r->memory->limit == 1024);
    CHECK(r->pids->limit == -1);
    CHECK(r->cpu->cpus == "0");
    CHECK(!r->blockIO);
}

TEST_CASE("config: enum spellings round trip", "[config]") {
    CHECK(enum_names<NamespaceType>().size() == 8);
    CHECK(enum_names<RlimitType>().size() == 16);
    CHECK(enum_names<Capability>().size() == 41);
    CHECK(enum_names<SeccompAction>().size() == 9);
    CHECK(enum_names<SeccompOperator>().size() == 7);
    CHECK(enum_names<SeccompArch>().size() == 23);
    CHECK(enum_names<SeccompFlag>().size() == 4);
    CHECK(enum_names<SchedulerPolicy>().size() == 7);
    CHECK(enum_names<SchedulerFlag>().size() == 7);
    CHECK(enum_names<IoPriorityClass>().size() == 3);
    CHECK(enum_names<MemoryPolicyMode>().size() == 7);
    CHECK(enum_names<MemoryPolicyFlag>().size() == 3);
    CHECK(enum_names<DeviceType>().size() == 4);
    CHECK(enum_names<DeviceRuleType>().size() == 3);
    CHECK(enum_names<PersonalityDomain>().size() == 2);
    CHECK(enum_names<RootfsPropagation>().size() == 8);
    for (auto n : enum_names<Capability>()) {
        auto c = parse_capability(n);
        REQUIRE(c);
        CHECK(to_string(*c) == n);
    }
    for (auto n : enum_names<RlimitType>())
        CHECK(to_string(*parse_rlimit_type(n)) == n);
    CHECK(to_string(SeccompArch::Riscv64) == "SCMP_ARCH_RISCV64");
    CHECK(to_string(Capability::DacReadSearch) == "CAP_DAC_READ_SEARCH");
    CHECK(!parse_namespace_type("PID"));
    CHECK(parse_enum<RootfsPropagation>("unbindable") == RootfsPropagation::Unbindable);
}
