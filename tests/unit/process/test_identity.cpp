// [process] user switch, groups, umask, cwd, fds, no_new_privs, LSM labels.
#include "process/process.hpp"
#include "process/steps.hpp"
#include "process_test_util.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/prctl.h>

#include <algorithm>
#include <vector>

using namespace hull;
using namespace hull::proctest;

namespace {

std::string groups_text() {
    std::vector<gid_t> g(static_cast<size_t>(::getgroups(0, nullptr)));
    ::getgroups(static_cast<int>(g.size()), g.data());
    std::sort(g.begin(), g.end());
    std::string s;
    for (auto x : g)
        s += (s.empty() ? "" : ",") + std::to_string(x);
    return s;
}

std::string prepare_error(const Process& p, const process::Options& opts = {}) {
    process::Warnings w;
    auto r = process::prepare(p, opts, w);
    return r ? "none" : r.error().message();
}

} // namespace

TEST_CASE("user: switch to 1000:1000 with additional gids", "[process]") {
    auto rep = run_child([](Out& out) {
        Process p = basic_process();
        p.user = User{1000, 1000, std::nullopt, {20, 10}};
        out.put("err", prepare_error(p));
        uid_t r, e, s;
        ::getresuid(&r, &e, &s);
        out.put("uids", std::to_string(r) + "," + std::to_string(e) + "," + std::to_string(s));
        gid_t gr, ge, gs;
        ::getresgid(&gr, &ge, &gs);
        out.put("gids", std::to_string(gr) + "," + std::to_string(ge) + "," + std::to_string(gs));
        out.put("groups", groups_text());
        return 0;
    });
    REQUIRE(rep.at("err") == "none");
    CHECK(rep.at("uids") == "1000,1000,1000");
    CHECK(rep.at("gids") == "1000,1000,1000");
    CHECK(rep.at("groups") == "10,20");
}

TEST_CASE("user: no additionalGids clears inherited supplementary groups", "[process]") {
    auto rep = run_child([](Out& out) {
        gid_t host[] = {4, 5};
        if (::setgroups(2, host) != 0) return 3;
        out.put("before", groups_text());
        out.put("err", prepare_error(basic_process()));
        out.put("after", groups_text());
        return 0;
    });
    REQUIRE(rep.code == 0);
    CHECK(rep.at("before") == "4,5");
    CHECK(rep.at("err") == "none");
    CHECK(rep.at("after") == "");
}

TEST_CASE("umask: applied when set, untouched when unset", "[process]") {
    auto rep = run_child([](Out& out) {
        ::umask(0077);
        out.put("err1", prepare_error(basic_process()));
        mode_t m = ::umask(0);
        ::umask(m);
        out.put("unset", static_cast<long long>(m));
        Process p = basic_process();
        p.user.umask = 0027;
        out.put("err2", prepare_error(p));
        m = ::umask(0);
        out.put("set", static_cast<long long>(m));
        return 0;
    });
    CHECK(rep.at("err1") == "none");
    CHECK(rep.at("unset") == std::to_string(0077));
    CHECK(rep.at("err2") == "none");
    CHECK(rep.at("set") == std::to_string(0027));
}

TEST_CASE("cwd: chdir, and a missing cwd is an error naming it", "[process]") {
    TempDir dir;
    auto rep = run_child([&](Out& out) {
        Process p = basic_process();
        p.cwd = dir.path();
        out.put("err", prepare_error(p));
        char buf[4096];
        out.put("cwd", ::getcwd(buf, sizeof(buf)) ? buf : "?");
        p.cwd = "/nonexistent-hull-test";
        out.put("missing", prepare_error(p));
        p.cwd = "relative/dir";
        out.put("relative", prepare_error(p));
        return 0;
    });
    CHECK(rep.at("err") == "none");
    CHECK(rep.at("cwd") == dir.path());
    CHECK(rep.at("missing") == "chdir to cwd /nonexistent-hull-test: No such file or directory");
    CHECK(rep.at("relative") == "cwd \"relative/dir\" is not an absolute path");
}

TEST_CASE("cwd: chdir happens as the new user", "[process]") {
    TempDir dir;
    std::string priv = dir / "private";
    REQUIRE(::mkdir(priv.c_str(), 0700) == 0); // root only
    auto as = [&](uint32_t uid) {
        return run_child([&, uid](Out& out) {
            Process p = basic_process();
            p.user.uid = uid;
            p.user.gid = uid;
            p.cwd = priv;
            out.put("err", prepare_error(p));
            return 0;
        });
    };
    CHECK(as(0).at("err") == "none");
    CHECK(as(1000).at("err") == "chdir to cwd " + priv + ": Permission denied");
}

TEST_CASE("fds: leaked fds become close-on-exec, kept fds survive", "[process]") {
    auto rep = run_child([](Out& out) {
        int leak[2], keep[2];
        if (::pipe(leak) != 0 || ::pipe2(keep, O_CLOEXEC) != 0) return 3;
        process::Options opts;
        int kept[] = {keep[0]};
        opts.keep_fds = kept;
        out.put("err", prepare_error(basic_process(), opts));
        out.put("leak_cloexec", (::fcntl(leak[0], F_GETFD) & FD_CLOEXEC) ? "yes" : "no");
        out.put("keep_cloexec", (::fcntl(keep[0], F_GETFD) & FD_CLOEXEC) ? "yes" : "no");
        return 0;
    });
    CHECK(rep.at("err") == "none");
    CHECK(rep.at("leak_cloexec") == "yes");
    CHECK(rep.at("keep_cloexec") == "no");
}

TEST_CASE("fds: after exec only the kept fd is open", "[process]") {
    auto rep = run_child([](Out&) {
        int leak[2], keep[2];
        if (::pipe(leak) != 0 || ::pipe2(keep, O_CLOEXEC) != 0) return 3;
        Process p = basic_process();
        std::string l = std::to_string(leak[1]), k = std::to_string(keep[1]);
        p.args = {"/bin/sh", "-c",
                  "test -e /proc/self/fd/" + l + " && exit 10; test -e /proc/self/fd/" + k +
                      " || exit 11; exit 0"};
        process::Options opts;
        int kept[] = {keep[1]};
        opts.keep_fds = kept;
        process::Warnings w;
        if (!process::prepare(p, opts, w)) return 90;
        process::exec(p);
        return 91;
    });
    CHECK(rep.code == 0);
}

TEST_CASE("noNewPrivileges only when true", "[process]") {
    auto nnp = [](std::optional<bool> v) {
        return run_child([v](Out& out) {
            Process p = basic_process();
            p.noNewPrivileges = v;
            out.put("err", prepare_error(p));
            out.put("nnp", ::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
            out.put("status", status_field("NoNewPrivs"));
            return 0;
        });
    };
    auto unset = nnp(std::nullopt);
    CHECK(unset.at("err") == "none");
    CHECK(unset.at("nnp") == "0");
    CHECK(unset.at("status") == "0");
    CHECK(nnp(false).at("nnp") == "0");
    auto on = nnp(true);
    CHECK(on.at("err") == "none");
    CHECK(on.at("nnp") == "1");
    CHECK(on.at("status") == "1");
}

TEST_CASE("LSM labels on a host without that LSM", "[process]") {
    auto rep = run_child([](Out& out) {
        Process p = basic_process();
        process::Options opts;
        opts.host_lsms = process::HostLsms{false, false};
        p.apparmorProfile = "hull-test";
        out.put("apparmor", prepare_error(p, opts));
        p.apparmorProfile.reset();
        p.selinuxLabel = "system_u:system_r:container_t:s0";
        out.put("selinux", prepare_error(p, opts));
        p.selinuxLabel = "";
        out.put("empty", prepare_error(p, opts));
        p.apparmorProfile = "hull-test";
        opts.missing_lsm = process::MissingLsm::Warn;
        process::Warnings w;
        auto r = process::prepare(p, opts, w);
        out.put("warn_ok", r ? "yes" : r.error().message());
        out.put("warning", w.empty() ? "" : w[0]);
        return 0;
    });
    CHECK(process::kMissingLsmPolicy == process::MissingLsm::Error);
    CHECK(rep.at("apparmor") ==
          "apparmor profile \"hull-test\" requested but AppArmor is not enabled on this host");
    CHECK(rep.at("selinux") == "selinux label \"system_u:system_r:container_t:s0\" requested "
                               "but SELinux is not enabled on this host");
    CHECK(rep.at("empty") == "none");
    CHECK(rep.at("warn_ok") == "yes");
    CHECK_THAT(rep.at("warning"), Catch::StartsWith("apparmor profile \"hull-test\" requested"));
}

TEST_CASE("LSM detection agrees with /sys", "[process]") {
    auto h = process::detect_host_lsms();
    std::ifstream aa("/sys/module/apparmor/parameters/enabled");
    std::string v;
    aa >> v;
    CHECK(h.apparmor == (v == "Y"));
    CHECK(h.selinux == (::access("/sys/fs/selinux/enforce", F_OK) == 0));
}

TEST_CASE("write_proc_self refuses a non-proc file", "[process]") {
    // /proc/self/cwd/<x> resolves through the cwd, which is not procfs.
    TempDir dir;
    dir.write("f", "", 0644);
    auto rep = run_child([&](Out& out) {
        if (::chdir(dir.path().c_str()) != 0) return 3;
        auto r = process::write_proc_self("cwd/f", "x");
        out.put("err", r ? "none" : r.error().message());
        return 0;
    });
    CHECK(rep.at("err") == "/proc/self/cwd/f is not on procfs");
}

TEST_CASE("user: setgroups denied in a user namespace", "[process]") {
    auto rep = run_child([](Out& out) {
        // A user namespace mapping only root, with setgroups(2) denied (as unprivileged
        // runtimes set it up).
        if (::unshare(CLONE_NEWUSER) != 0) return 3;
        auto put = [](const char* file, const char* text) {
            std::ofstream f(file);
            f << text;
            f.flush();
            return static_cast<bool>(f);
        };
        if (!put("/proc/self/setgroups", "deny")) return 4;
        if (!put("/proc/self/gid_map", "0 0 1")) return 5;
        if (!put("/proc/self/uid_map", "0 0 1")) return 6;
        out.put("empty", prepare_error(basic_process()));
        Process p = basic_process();
        p.user.additionalGids = {0};
        out.put("listed", prepare_error(p));
        return 0;
    });
    REQUIRE(rep.code == 0);
    CHECK(rep.at("empty") == "none");
    CHECK(rep.at("listed") == "setgroups [0] (setgroups is denied in this user namespace): "
                              "Operation not permitted");
}
