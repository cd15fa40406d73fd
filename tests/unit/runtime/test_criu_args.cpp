// The criu command lines of checkpoint and restore (src/runtime/criu_args.cpp).
#include "runtime/criu_args.hpp"

#include "hull/config_parse.hpp"

#include <catch2/catch.hpp>

#include <sys/sysmacros.h>

#include <algorithm>

using namespace hull;
using namespace hull::criu;

namespace {

// The value after `flag` (the first occurrence), or "<absent>".
std::string after(const std::vector<std::string>& a, std::string_view flag) {
    auto it = std::ranges::find(a, flag);
    if (it == a.end() || it + 1 == a.end()) return "<absent>";
    return *(it + 1);
}
bool has_arg(const std::vector<std::string>& a, std::string_view arg) {
    return std::ranges::find(a, arg) != a.end();
}
std::vector<std::string> all_after(const std::vector<std::string>& a, std::string_view flag) {
    std::vector<std::string> out;
    for (size_t i = 0; i + 1 < a.size(); ++i)
        if (a[i] == flag) out.push_back(a[i + 1]);
    return out;
}

Config config_with_mounts() {
    auto cfg = parse_config(R"({
      "ociVersion": "1.0.2",
      "root": {"path": "rootfs"},
      "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs"},
        {"destination": "/data/", "type": "bind", "source": "/srv/data", "options": ["rbind"]},
        {"destination": "/etc/hosts", "source": "hosts", "options": ["bind", "ro"]},
        {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup"}
      ],
      "linux": {"namespaces": [{"type": "mount"}]}
    })");
    REQUIRE(cfg);
    return *cfg;
}

} // namespace

TEST_CASE("criu: --manage-cgroups-mode and --empty-ns are checked", "[criu]") {
    CHECK(parse_cgroups_mode("") == CgroupsMode::Default);
    CHECK(parse_cgroups_mode("soft") == CgroupsMode::Soft);
    CHECK(parse_cgroups_mode("full") == CgroupsMode::Full);
    CHECK(parse_cgroups_mode("strict") == CgroupsMode::Strict);
    CHECK(parse_cgroups_mode("ignore") == CgroupsMode::Ignore);
    auto bad = parse_cgroups_mode("props");
    REQUIRE_FALSE(bad);
    CHECK_THAT(bad.error().message(), Catch::Contains("--manage-cgroups-mode"));
    CHECK(empty_ns_name("network").value() == "net");
    CHECK_FALSE(empty_ns_name("pid"));
}

TEST_CASE("criu: paths are cleaned", "[criu]") {
    CHECK(clean_path("/a//b/") == "/a/b");
    CHECK(clean_path("/a/./b/../c") == "/a/c");
    CHECK(clean_path("/") == "/");
    CHECK(clean_path("") == "/");
}

TEST_CASE("criu: bind mounts and cgroup binds are external, other mounts are not", "[criu]") {
    auto cfg = config_with_mounts();
    auto m = external_mounts(cfg, "/b",
                             {{.name = "memory", .host_dir = "/sys/fs/cgroup/memory/x"},
                              {.name = "", .host_dir = "/sys/fs/cgroup/x"}});
    REQUIRE(m.size() == 4);
    CHECK(m[0].key == "/data");
    CHECK(m[0].source == "/srv/data");
    CHECK(m[1].key == "/etc/hosts");
    CHECK(m[1].source == "/b/hosts"); // relative to the bundle
    CHECK(m[2].key == "/sys/fs/cgroup/memory");
    CHECK(m[2].source == "/sys/fs/cgroup/memory/x");
    CHECK(m[3].key == "/sys/fs/cgroup");
    CHECK(m[3].source == "/sys/fs/cgroup/x");
    // a fresh cgroup2 mount (own cgroup namespace): nothing external
    CHECK(external_mounts(cfg, "/b", {}).size() == 2);
}

TEST_CASE("criu: dump arguments", "[criu]") {
    Common c{
        .image_dir = "/img", .work_dir = "/work", .opts = Opt::TcpEstablished | Opt::FileLocks};
    DumpPlan p{.pid = 42,
               .freeze_cgroup = "/sys/fs/cgroup/hull/x",
               .mounts = {{.key = "/data", .source = "/srv/data"}}};
    auto a = dump_args(c, p);
    CHECK(a[0] == "dump");
    CHECK(after(a, "--tree") == "42");
    CHECK(after(a, "--images-dir") == "/img");
    CHECK(after(a, "--work-dir") == "/work");
    CHECK(after(a, "--log-file") == "dump.log");
    CHECK(after(a, "--freeze-cgroup") == "/sys/fs/cgroup/hull/x");
    CHECK(all_after(a, "--external") == std::vector<std::string>{"mnt[/data]:/data"});
    CHECK(has_arg(a, "--tcp-established"));
    CHECK(has_arg(a, "--file-locks"));
    CHECK(has_arg(a, "--manage-cgroups=soft"));
    CHECK_FALSE(has_arg(a, "--leave-running"));
    CHECK_FALSE(has_arg(a, "--ext-unix-sk"));
    CHECK_FALSE(has_arg(a, "--shell-job"));
    CHECK_FALSE(has_arg(a, "--track-mem"));
    CHECK_FALSE(has_arg(a, "--network-lock"));

    c.opts = Opt::LeaveRunning | Opt::ExtUnixSk | Opt::ShellJob | Opt::AutoDedup;
    c.cgroups = CgroupsMode::Strict;
    c.empty_ns = {"net"};
    c.network_lock = "nftables";
    auto b = dump_args(c, {.pid = 7});
    CHECK(has_arg(b, "--leave-running"));
    CHECK(has_arg(b, "--ext-unix-sk"));
    CHECK(has_arg(b, "--shell-job"));
    CHECK(has_arg(b, "--auto-dedup"));
    CHECK(has_arg(b, "--manage-cgroups=strict"));
    CHECK(after(b, "--empty-ns") == "net");
    CHECK(after(b, "--network-lock") == "nftables");
    CHECK(after(b, "--freeze-cgroup") == "<absent>");
}

TEST_CASE("criu: pre-dump and a dump on top of it", "[criu]") {
    Common c{.image_dir = "/img/1", .work_dir = "/w", .opts = Opt::PreDump | Opt::LeaveRunning};
    auto pre = dump_args(c, {.pid = 9});
    CHECK(pre[0] == "pre-dump");
    CHECK(has_arg(pre, "--track-mem"));
    CHECK(after(pre, "--log-file") == "pre-dump.log");
    CHECK_FALSE(has_arg(pre, "--leave-running")); // a pre-dump always leaves it running

    c.opts = Opt::None;
    auto dump = dump_args(c, {.pid = 9, .parent_path = "../0"});
    CHECK(dump[0] == "dump");
    CHECK(after(dump, "--prev-images-dir") == "../0");
    CHECK(has_arg(dump, "--track-mem"));
}

TEST_CASE("criu: restore arguments", "[criu]") {
    Common c{.image_dir = "/img", .work_dir = "/w", .cgroups = CgroupsMode::Full};
    RestorePlan p{.root = "/run/hull/x/criu-root",
                  .pidfile = "/w/restore.pid",
                  .cgroup_root = "/hull/x",
                  .mounts = {{.key = "/data", .source = "/srv/new"}},
                  .inherit_fds = {{1, "pipe:[77]"}}};
    auto a = restore_args(c, p);
    CHECK(a[0] == "restore");
    CHECK(has_arg(a, "--restore-detached"));
    CHECK(after(a, "--root") == "/run/hull/x/criu-root");
    CHECK(after(a, "--pidfile") == "/w/restore.pid");
    CHECK(after(a, "--cgroup-root") == "/hull/x");
    CHECK(after(a, "--log-file") == "restore.log");
    CHECK(has_arg(a, "--manage-cgroups=full"));
    CHECK(all_after(a, "--external") == std::vector<std::string>{"mnt[/data]:/srv/new"});
    CHECK(after(a, "--inherit-fd") == "fd[1]:pipe:[77]");
    CHECK(after(a, "--action-script") == "<absent>");
    CHECK(after(restore_args(c, {.root = "/r", .pidfile = "/p"}), "--cgroup-root") == "<absent>");
}

TEST_CASE("criu: the saved stdio gives the fds a restore inherits", "[criu]") {
    auto v = inherit_stdio("/dev/null\npipe:[123]\nsocket:[9]\n");
    REQUIRE(v.size() == 2);
    CHECK(v[0] == std::pair<int, std::string>{1, "pipe:[123]"});
    CHECK(v[1] == std::pair<int, std::string>{2, "socket:[9]"});
    CHECK(inherit_stdio("/dev/pts/0\n/dev/pts/0\n/dev/pts/0\n").empty());
    CHECK(inherit_stdio("").empty());
}

TEST_CASE("criu: a terminal's key, and its new slave and console handed over at restore",
          "[criu]") {
    // the key as criu prints it: tty[RDEV:DEV] in hex
    CHECK(criu::tty_key(makedev(136, 0), makedev(0, 0x2d)) == "tty[8800:2d]");
    CHECK(criu::tty_key(makedev(136, 3), 0x1a) == "tty[8803:1a]");
    criu::Common c{.image_dir = "/img", .work_dir = "/work"};
    criu::RestorePlan p{.root = "/r", .pidfile = "/work/pid"};
    p.inherit_fds.emplace_back(7, criu::tty_key(makedev(136, 0), 0x2d));
    p.mounts.push_back({.key = std::string(criu::kConsole), .source = "/dev/pts/4"});
    const auto a = criu::restore_args(c, p);
    auto has = [&](const std::string& x, const std::string& y) {
        for (size_t i = 0; i + 1 < a.size(); ++i)
            if (a[i] == x && a[i + 1] == y) return true;
        return false;
    };
    CHECK(has("--inherit-fd", "fd[7]:tty[8800:2d]"));
    CHECK(has("--external", "mnt[/dev/console]:/dev/pts/4"));
}

TEST_CASE("criu: a stdio file on a mount outside the container is handed over by its key",
          "[criu]") {
    CHECK(criu::file_key(0x16, 5) == "file[16:5]");
    CHECK(criu::file_key(22, 0x1234abcd) == "file[16:1234abcd]");
    auto v = criu::inherit_stdio("file[16:5]\npipe:[7]\n/dev/null\n");
    REQUIRE(v.size() == 2);
    CHECK(v[0] == std::pair<int, std::string>{0, "file[16:5]"});
    CHECK(v[1] == std::pair<int, std::string>{1, "pipe:[7]"});
}
