// Spec tests for mounts, root.readonly, rootfsPropagation, maskedPaths, readonlyPaths and
// linux.sysctl (config.md "Root", "Mounts"; config-linux.md "Default Filesystems",
// "Rootfs Mount Propagation", "Masked Paths", "Readonly Paths", "Sysctl"), checked from inside
// the container through the probe's mountinfo.
#include "checks.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

using namespace spectest;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

RunResult run_args(Bundle& b, std::vector<std::string> args) {
    b.set_args(std::move(args));
    return b.run();
}

// The last mountinfo entry at `point` (the one visible there), or null.
json mount_at(const json& rep, const std::string& point) {
    json found;
    for (const auto& m : rep["mounts"])
        if (m["mount_point"] == point) found = m;
    return found;
}

int mount_index(const json& rep, const std::string& point) {
    int idx = -1;
    for (size_t i = 0; i < rep["mounts"].size(); ++i)
        if (rep["mounts"][i]["mount_point"] == point) idx = static_cast<int>(i);
    return idx;
}

bool has_option(const std::string& list, const std::string& opt) {
    std::string padded = "," + list + ",";
    return padded.find("," + opt + ",") != std::string::npos;
}

bool has_optional_prefix(const json& m, const std::string& prefix) {
    for (const auto& o : m["optional"])
        if (o.get<std::string>().rfind(prefix, 0) == 0) return true;
    return false;
}

json tmpfs(const std::string& dest, const std::string& source, json options = json::array()) {
    return {{"destination", dest}, {"type", "tmpfs"}, {"source", source}, {"options", options}};
}

json bind_mount(const std::string& dest, const std::string& source, json options) {
    return {{"destination", dest}, {"type", "none"}, {"source", source}, {"options", options}};
}

bool host_has_mount_source(const std::string& source) {
    std::string mi = read_text("/proc/self/mountinfo");
    return mi.find(" " + source + " ") != std::string::npos;
}

} // namespace

TEST_CASE("the default filesystems are mounted", "[mounts]") {
    Bundle b;
    json rep = run_report(b);
    json proc = mount_at(rep, "/proc");
    json sys = mount_at(rep, "/sys");
    json pts = mount_at(rep, "/dev/pts");
    json shm = mount_at(rep, "/dev/shm");
    REQUIRE(proc.is_object());
    REQUIRE(sys.is_object());
    REQUIRE(pts.is_object());
    REQUIRE(shm.is_object());
    CHECK(proc["fs_type"] == "proc");
    CHECK(sys["fs_type"] == "sysfs");
    CHECK(has_option(sys["options"], "ro"));
    CHECK(pts["fs_type"] == "devpts");
    CHECK(shm["fs_type"] == "tmpfs");
    CHECK(shm["source"] == "shm");
    CHECK(has_option(shm["options"], "nosuid"));
    CHECK(has_option(shm["options"], "nodev"));
    CHECK(has_option(shm["options"], "noexec"));
}

TEST_CASE("mounts appear in the listed order", "[mounts]") {
    Bundle b;
    b.config["mounts"].push_back(tmpfs("/zz", "first"));
    b.config["mounts"].push_back(tmpfs("/zz/inner", "second"));
    b.config["mounts"].push_back(tmpfs("/aa", "third"));
    json rep = run_report(b);
    std::vector<std::string> order{"/proc", "/dev", "/dev/pts",  "/dev/shm",
                                   "/sys",  "/zz",  "/zz/inner", "/aa"};
    int prev = -1;
    for (const auto& p : order) {
        int idx = mount_index(rep, p);
        INFO("mount point " << p);
        REQUIRE(idx >= 0);
        CHECK(idx > prev);
        prev = idx;
    }
    // /zz/inner was mounted inside the /zz tmpfs: it is visible (not hidden by its parent).
    CHECK(mount_at(rep, "/zz/inner")["parent"] == mount_at(rep, "/zz")["id"]);
}

TEST_CASE("a mount source is passed verbatim", "[mounts]") {
    Bundle b;
    b.config["mounts"].push_back(tmpfs("/mnt/verbatim", "mysource"));
    json rep = run_report(b);
    json m = mount_at(rep, "/mnt/verbatim");
    REQUIRE(m.is_object());
    CHECK(m["source"] == "mysource");
    CHECK(m["fs_type"] == "tmpfs");
}

TEST_CASE("a destination is cleaned", "[mounts]") {
    Bundle b;
    b.config["mounts"].push_back(tmpfs("/clean//me/./x/", "cleaned"));
    json rep = run_report(b);
    json m = mount_at(rep, "/clean/me/x");
    REQUIRE(m.is_object());
    CHECK(m["source"] == "cleaned");
}

TEST_CASE("mount options become flags and data", "[mounts]") {
    Bundle b;
    b.config["mounts"].push_back(tmpfs(
        "/opts", "opts", json::array({"nosuid", "noexec", "nodev", "ro", "size=1m", "mode=710"})));
    b.config["mounts"].push_back(tmpfs("/rwopts", "rwopts", json::array({"rw", "noatime"})));
    json rep = run_report(b);
    json m = mount_at(rep, "/opts");
    REQUIRE(m.is_object());
    for (const char* o : {"ro", "nosuid", "nodev", "noexec"}) {
        INFO("option " << o);
        CHECK(has_option(m["options"], o));
    }
    CHECK(has_option(m["super_options"], "size=1024k"));
    CHECK(has_option(m["super_options"], "mode=710"));
    json rw = mount_at(rep, "/rwopts");
    REQUIRE(rw.is_object());
    CHECK(has_option(rw["options"], "rw"));
    CHECK(has_option(rw["options"], "noatime"));
    CHECK_FALSE(has_option(rw["options"], "nosuid"));

    Bundle s;
    s.config = b.config;
    RunResult r = run_args(s, {"/probe", "stat", "/opts"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(parse_probe_json(r.out)["mode"] == 0710);
}

TEST_CASE("bind mounts of a host directory and a host file", "[mounts]") {
    std::string dir = temp_dir();
    write_text(dir + "/hello", "hello from the host");
    std::string file = temp_dir() + "/single.txt";
    write_text(file, "single file");
    Bundle b;
    b.config["mounts"].push_back(bind_mount("/hostdir", dir, json::array({"bind"})));
    b.config["mounts"].push_back(bind_mount("/etc/single.txt", file, json::array({"bind"})));
    RunResult r = run_args(b, {"/bin/sh", "-c",
                               "/probe cat /hostdir/hello && echo && /probe cat /etc/single.txt "
                               "&& echo && /probe write /hostdir/from-inside yes"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == "hello from the host\nsingle file\n");
    CHECK(read_text(dir + "/from-inside") == "yes");
    // The destination file was created in the rootfs as a mount point, a file not a dir.
    CHECK(fs::is_regular_file(b.host_path("/etc/single.txt")));
}

TEST_CASE("a bind,ro mount is read-only", "[mounts]") {
    std::string dir = temp_dir();
    write_text(dir + "/existing", "x");
    Bundle b;
    b.config["mounts"].push_back(bind_mount("/ro", dir, json::array({"bind", "ro"})));
    RunResult r = run_args(b, {"/probe", "write", "/ro/new", "data"});
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("Read-only file system") != std::string::npos);
    CHECK_FALSE(fs::exists(dir + "/new"));

    Bundle rep_b;
    rep_b.config = b.config;
    json rep = run_report(rep_b);
    CHECK(has_option(mount_at(rep, "/ro")["options"], "ro"));
}

TEST_CASE("rbind with rro makes submounts read-only too", "[mounts]") {
    std::string dir = temp_dir();
    fs::create_directory(dir + "/sub");
    REQUIRE(::mount("subtmp", (dir + "/sub").c_str(), "tmpfs", 0, "size=1m") == 0);
    struct Unmount {
        std::string p;
        ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
    } unmount{dir + "/sub"};

    Bundle b;
    b.config["mounts"].push_back(bind_mount("/r", dir, json::array({"rbind", "rro"})));
    RunResult r = run_args(
        b, {"/bin/sh", "-c", "/probe write /r/top x; /probe write /r/sub/inner x; exit 0"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("open /r/top: Read-only file system") != std::string::npos);
    CHECK(r.out.find("open /r/sub/inner: Read-only file system") != std::string::npos);
    CHECK_FALSE(fs::exists(dir + "/top"));
    CHECK_FALSE(fs::exists(dir + "/sub/inner"));

    // Plain rbind keeps the submount and leaves it writable.
    Bundle w;
    w.config["mounts"].push_back(bind_mount("/r", dir, json::array({"rbind"})));
    RunResult rw = run_args(w, {"/probe", "write", "/r/sub/inner", "x"});
    INFO(describe(rw));
    CHECK(rw.exit_code == 0);
    CHECK(read_text(dir + "/sub/inner") == "x");
}

TEST_CASE("tmpcopyup copies the existing content into the tmpfs", "[mounts]") {
    Bundle b;
    b.config["mounts"].push_back(tmpfs("/etc", "copyup", json::array({"tmpcopyup"})));
    RunResult r =
        run_args(b, {"/bin/sh", "-c", "/probe write /etc/new-inside x && /probe cat /etc/passwd"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("root:x:0:0:") != std::string::npos);
    CHECK_FALSE(fs::exists(b.host_path("/etc/new-inside")));

    Bundle m;
    m.config = b.config;
    json rep = run_report(m);
    json e = mount_at(rep, "/etc");
    REQUIRE(e.is_object());
    CHECK(e["fs_type"] == "tmpfs");
    CHECK(e["source"] == "copyup");
}

TEST_CASE("per-mount propagation options", "[mounts]") {
    Bundle b;
    b.config["mounts"].push_back(tmpfs("/p-shared", "pshared", json::array({"shared"})));
    b.config["mounts"].push_back(tmpfs("/p-unbindable", "punbind", json::array({"unbindable"})));
    b.config["mounts"].push_back(tmpfs("/p-private", "pprivate", json::array({"private"})));
    json rep = run_report(b);
    json sh = mount_at(rep, "/p-shared");
    json ub = mount_at(rep, "/p-unbindable");
    json pr = mount_at(rep, "/p-private");
    REQUIRE(sh.is_object());
    REQUIRE(ub.is_object());
    REQUIRE(pr.is_object());
    INFO(sh.dump() << "\n" << ub.dump() << "\n" << pr.dump());
    CHECK(has_optional_prefix(sh, "shared:"));
    CHECK(has_optional_prefix(ub, "unbindable"));
    CHECK(pr["optional"].empty());
}

TEST_CASE("rootfsPropagation sets the propagation of the root mount", "[mounts]") {
    auto root_of = [](const std::string& prop) {
        Bundle b;
        b.config["linux"]["rootfsPropagation"] = prop;
        json rep = run_report(b);
        json root = mount_at(rep, "/");
        INFO(root.dump());
        REQUIRE(root.is_object());
        return root;
    };
    SECTION("shared") {
        CHECK(has_optional_prefix(root_of("shared"), "shared:"));
    }
    SECTION("private") {
        CHECK(root_of("private")["optional"].empty());
    }
    SECTION("unbindable") {
        CHECK(has_optional_prefix(root_of("unbindable"), "unbindable"));
    }
}

TEST_CASE("root.readonly makes / read-only", "[mounts]") {
    Bundle b;
    b.config["root"]["readonly"] = true;
    RunResult r = run_args(
        b, {"/bin/sh", "-c", "/probe write /newfile x; /probe write /dev/shm/f x && echo shm-ok"});
    INFO(describe(r));
    CHECK(r.out.find("open /newfile: Read-only file system") != std::string::npos);
    CHECK(r.out.find("shm-ok") != std::string::npos);
    CHECK_FALSE(fs::exists(b.host_path("/newfile")));

    Bundle m;
    m.config = b.config;
    json rep = run_report(m);
    CHECK(has_option(mount_at(rep, "/")["options"], "ro"));
}

TEST_CASE("maskedPaths hide files and directories", "[mounts]") {
    Bundle b;
    fs::create_directory(b.host_path("/secret"));
    write_text(b.host_path("/secret/data"), "hidden");
    write_text(b.host_path("/secret-file"), "hidden too");
    b.config["linux"]["maskedPaths"] =
        json::array({"/secret", "/secret-file", "/does/not/exist", "/proc/keys"});
    RunResult r = run_args(b, {"/bin/sh", "-c",
                               "echo ls:; /probe ls /secret; echo cat:; /probe cat /secret-file; "
                               "echo end; /probe write /secret/new x"});
    INFO(describe(r));
    CHECK(r.out.rfind("ls:\ncat:\nend\n", 0) == 0);
    CHECK(r.exit_code != 0); // the masked dir is a read-only tmpfs
    CHECK(read_text(b.host_path("/secret/data")) == "hidden");

    Bundle m;
    m.config = b.config;
    fs::create_directory(m.host_path("/secret"));
    write_text(m.host_path("/secret-file"), "hidden too");
    json rep = run_report(m);
    json dir = mount_at(rep, "/secret");
    REQUIRE(dir.is_object());
    CHECK(dir["fs_type"] == "tmpfs");
    CHECK(has_option(dir["options"], "ro"));
    CHECK(mount_at(rep, "/secret-file").is_object());
    CHECK(mount_at(rep, "/proc/keys").is_object());
}

TEST_CASE("maskedPaths must be absolute", "[mounts]") {
    Bundle b;
    b.config["linux"]["maskedPaths"] = json::array({"relative/path"});
    RunResult r = b.run();
    INFO(describe(r));
    CHECK(r.exit_code != 0);
    CHECK(r.out.find("\"mounts\"") == std::string::npos);
}

TEST_CASE("readonlyPaths are read-only", "[mounts]") {
    Bundle b;
    fs::create_directory(b.host_path("/rodir"));
    b.config["linux"]["readonlyPaths"] = json::array({"/rodir", "/proc/sys", "/not/there"});
    RunResult r = run_args(
        b, {"/bin/sh", "-c", "/probe write /rodir/x 1; /probe write /tmp/y 1 && echo tmp-ok"});
    INFO(describe(r));
    CHECK(r.out.find("open /rodir/x: Read-only file system") != std::string::npos);
    CHECK(r.out.find("tmp-ok") != std::string::npos);
    CHECK_FALSE(fs::exists(b.host_path("/rodir/x")));

    Bundle m;
    m.config = b.config;
    fs::create_directory(m.host_path("/rodir"));
    json rep = run_report(m);
    CHECK(has_option(mount_at(rep, "/rodir")["options"], "ro"));
    CHECK(has_option(mount_at(rep, "/proc/sys")["options"], "ro"));
}

TEST_CASE("a destination through a symlink stays inside the rootfs", "[mounts][security]") {
    Bundle b;
    fs::create_symlink("/etc", b.host_path("/abs-link"));
    fs::create_symlink("../../../../../../../../tmp", b.host_path("/rel-link"));
    std::string src1 = "escape-abs-" + std::to_string(::getpid());
    std::string src2 = "escape-rel-" + std::to_string(::getpid());
    b.config["mounts"].push_back(tmpfs("/abs-link", src1));
    b.config["mounts"].push_back(tmpfs("/rel-link", src2));
    json rep = run_report(b);
    json abs = mount_at(rep, "/etc");
    json rel = mount_at(rep, "/tmp");
    REQUIRE(abs.is_object());
    REQUIRE(rel.is_object());
    CHECK(abs["source"] == src1);
    CHECK(rel["source"] == src2);
    CHECK_FALSE(host_has_mount_source(src1));
    CHECK_FALSE(host_has_mount_source(src2));
    CHECK(fs::exists("/etc/passwd"));
}

TEST_CASE("linux.sysctl values are written in the container's namespaces", "[mounts][sysctl]") {
    std::string host_fwd = read_text("/proc/sys/net/ipv4/ip_forward");
    std::string host_shmmax = read_text("/proc/sys/kernel/shmmax");
    Bundle b;
    std::string want_fwd = host_fwd == "1\n" ? "0" : "1";
    b.config["linux"]["sysctl"] = {{"net.ipv4.ip_forward", want_fwd},
                                   {"kernel.shmmax", "123456789"}};
    RunResult r = run_args(b, {"/bin/sh", "-c",
                               "/probe cat /proc/sys/net/ipv4/ip_forward && "
                               "/probe cat /proc/sys/kernel/shmmax"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == want_fwd + "\n123456789\n");
    CHECK(read_text("/proc/sys/net/ipv4/ip_forward") == host_fwd);
    CHECK(read_text("/proc/sys/kernel/shmmax") == host_shmmax);
}
