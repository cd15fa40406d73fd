// [process] PATH lookup in the container env, and the final execve.
#include "process/process.hpp"
#include "process_test_util.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace hull;
using namespace hull::proctest;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace

TEST_CASE("find_executable searches the container's PATH", "[process]") {
    TempDir a, b, c;
    ::mkdir((a / "hull-proc-prog").c_str(), 0755);  // a directory: skipped
    b.write("hull-proc-prog", "#!/bin/sh\n", 0644); // not executable: skipped
    std::string want = c.write("hull-proc-prog", "#!/bin/sh\nexit 0\n", 0755);
    std::vector<std::string> env = {
        "FOO=1", "PATH=/nonexistent:" + a.path() + ":" + b.path() + ":" + c.path(),
        "PATH=/ignored"};
    auto r = process::find_executable("hull-proc-prog", env);
    REQUIRE(r);
    CHECK(*r == want);
}

TEST_CASE("find_executable: not found uses runc's wording", "[process]") {
    TempDir empty;
    std::vector<std::string> env = {"PATH=" + empty.path()};
    auto r = process::find_executable("hull-no-such-prog", env);
    REQUIRE_FALSE(r);
    CHECK(r.error().message() == "exec: \"hull-no-such-prog\": executable file not found in $PATH");
    CHECK(r.error().err() == ENOENT);
    // hull's own PATH has `true`; the container's does not.
    auto t = process::find_executable("true", env);
    REQUIRE_FALSE(t);
    CHECK(t.error().message() == "exec: \"true\": executable file not found in $PATH");
}

TEST_CASE("find_executable: default PATH, names with a slash", "[process]") {
    std::vector<std::string> no_path = {"HOME=/root"};
    auto r = process::find_executable("true", no_path);
    REQUIRE(r);
    CHECK((*r == "/usr/bin/true" || *r == "/bin/true" || *r == "/usr/sbin/true"));
    CHECK(process::find_executable("/no/such/thing", no_path).value() == "/no/such/thing");
    CHECK(process::find_executable("./x", no_path).value() == "./x");
}

TEST_CASE("exec: /bin/true succeeds", "[process]") {
    auto rep = run_child([](Out&) {
        Process p = basic_process();
        p.args = {"/bin/true"};
        process::Warnings w;
        if (!process::prepare(p, {}, w)) return 90;
        process::exec(p);
        return 91;
    });
    CHECK(rep.code == 0);
}

TEST_CASE("exec: PATH-resolved program gets exactly process.env and args", "[process]") {
    TempDir dir;
    std::string out = dir / "out";
    dir.write("hull-proc-show",
              "#!/bin/sh\necho \"$0|$1|${FOO-unset}|${HULL_LEAK-unset}|$PATH\" > \"$2\"\n", 0755);
    auto rep = run_child([&](Out&) {
        ::setenv("HULL_LEAK", "1", 1); // in hull's env only
        Process p = basic_process();
        p.args = {"hull-proc-show", "arg1", out};
        p.env = {"FOO=bar", "PATH=" + dir.path() + ":/usr/bin:/bin"};
        process::Warnings w;
        if (!process::prepare(p, {}, w)) return 90;
        process::exec(p);
        return 91;
    });
    REQUIRE(rep.code == 0);
    CHECK(slurp(out) ==
          dir / "hull-proc-show" + "|arg1|bar|unset|" + dir.path() + ":/usr/bin:/bin\n");
}

TEST_CASE("exec: failures read like runc's", "[process]") {
    TempDir dir;
    std::string plain = dir.write("not-exec", "data\n", 0644);
    auto rep = run_child([&](Out& out) {
        Process p = basic_process();
        p.args = {plain};
        Error e1 = process::exec(p);
        out.put("eacces", e1.message());
        out.put("eacces_errno", e1.err());
        p.args = {"/nonexistent/prog"};
        out.put("enoent", process::exec(p).message());
        p.args = {"hull-no-such-prog"};
        out.put("notfound", process::exec(p).message());
        p.args.clear();
        out.put("noargs", process::exec(p).message());
        return 0;
    });
    REQUIRE(rep.code == 0);
    CHECK(rep.at("eacces") == "exec " + plain + ": permission denied");
    CHECK(rep.at("eacces_errno") == std::to_string(EACCES));
    CHECK(rep.at("enoent") == "exec /nonexistent/prog: no such file or directory");
    CHECK(rep.at("notfound") == "exec: \"hull-no-such-prog\": executable file not found in $PATH");
    CHECK(rep.at("noargs") == "exec: process.args is empty");
}
