#include "hooks/hooks.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace hull;
using hooks::HookKind;

namespace {

struct TempDir : testutil::TempDir {
    TempDir() : testutil::TempDir("hooks") {}
};

// Writes an executable /bin/sh script and returns its path.
std::string script(const TempDir& dir, const std::string& name, const std::string& body) {
    std::string path = dir / name;
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    ::chmod(path.c_str(), 0755);
    return path;
}

std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

Hook hook(std::string path, std::vector<std::string> args = {}, std::vector<std::string> env = {},
          std::optional<int32_t> timeout = {}) {
    Hook h;
    h.path = std::move(path);
    h.args = std::move(args);
    h.env = std::move(env);
    h.timeout = timeout;
    return h;
}

const std::string kState =
    R"({"ociVersion":"1.3.0","id":"c1","status":"creating","pid":42,"bundle":"/b"})";

} // namespace

TEST_CASE("hook kinds have their config.json names", "[hooks]") {
    CHECK(hooks::to_string(HookKind::Prestart) == "prestart");
    CHECK(hooks::to_string(HookKind::CreateRuntime) == "createRuntime");
    CHECK(hooks::to_string(HookKind::CreateContainer) == "createContainer");
    CHECK(hooks::to_string(HookKind::StartContainer) == "startContainer");
    CHECK(hooks::to_string(HookKind::Poststart) == "poststart");
    CHECK(hooks::to_string(HookKind::Poststop) == "poststop");
}

TEST_CASE("the hook gets the state on stdin, byte for byte", "[hooks]") {
    TempDir dir;
    std::string out = dir / "stdin.out";
    std::vector<Hook> hs{hook(script(dir, "h", "/bin/cat > " + out))};
    REQUIRE(hooks::run(HookKind::CreateRuntime, hs, kState));
    CHECK(slurp(out) == kState);
}

TEST_CASE("a large state is delivered whole (more than a pipe buffer)", "[hooks]") {
    TempDir dir;
    std::string out = dir / "stdin.out";
    std::string big = R"({"id":")" + std::string(300 * 1024, 'x') + R"("})";
    std::vector<Hook> hs{hook(script(dir, "h", "/bin/cat > " + out))};
    REQUIRE(hooks::run(HookKind::Prestart, hs, big));
    CHECK(slurp(out) == big);
}

TEST_CASE("args and env are passed exactly, nothing inherited", "[hooks]") {
    TempDir dir;
    std::string out = dir / "out";
    ::setenv("HULL_HOOK_TEST_LEAK", "1", 1);
    std::string body =
        "{ for a in \"$0\" \"$@\"; do echo \"arg=$a\"; done; /usr/bin/env; } > " + out;
    std::string path = script(dir, "h", body);
    std::vector<Hook> hs{hook(path, {"name0", "one", "two words"}, {"A=1", "B=x y"})};
    REQUIRE(hooks::run(HookKind::Poststart, hs, kState));
    ::unsetenv("HULL_HOOK_TEST_LEAK");
    std::string got = slurp(out);
    // A script's $0 is the script path (the kernel runs /bin/sh <path>), the rest are args[1..].
    CHECK(got.find("arg=one\narg=two words\n") != std::string::npos);
    CHECK(got.find("A=1\n") != std::string::npos);
    CHECK(got.find("B=x y\n") != std::string::npos);
    CHECK(got.find("HULL_HOOK_TEST_LEAK") == std::string::npos);
    CHECK(got.find("HOME=") == std::string::npos);
}

TEST_CASE("argv[0] comes from args, and defaults to the path", "[hooks]") {
    TempDir dir;
    std::string out = dir / "out";
    // A binary (not a script) sees argv[0] as given: /bin/sh -c prints its $0.
    std::vector<Hook> hs{
        hook("/bin/sh", {"custom-zero", "-c", "echo \"$0\" > " + out}),
    };
    REQUIRE(hooks::run(HookKind::CreateContainer, hs, kState));
    CHECK(slurp(out) == "custom-zero\n");

    // Without args: argv = [path], so the hook sees no extra arguments.
    std::string path = script(dir, "noargs", "echo \"$#\" > " + out);
    std::vector<Hook> plain{hook(path)};
    REQUIRE(hooks::run(HookKind::CreateContainer, plain, kState));
    CHECK(slurp(out) == "0\n");
}

TEST_CASE("hooks run in the listed order", "[hooks]") {
    TempDir dir;
    std::string log = dir / "log";
    std::vector<Hook> hs;
    for (int i = 0; i < 4; ++i)
        hs.push_back(
            hook(script(dir, "h" + std::to_string(i), "echo " + std::to_string(i) + " >> " + log)));
    REQUIRE(hooks::run(HookKind::StartContainer, hs, kState));
    CHECK(slurp(log) == "0\n1\n2\n3\n");
}

TEST_CASE("a failing hook stops the rest and the error names it", "[hooks]") {
    TempDir dir;
    std::string log = dir / "log";
    std::string bad = script(dir, "bad", "echo 'first problem' >&2; echo second >&2; exit 3");
    std::vector<Hook> hs{
        hook(script(dir, "ok", "echo ok >> " + log)),
        hook(bad),
        hook(script(dir, "after", "echo after >> " + log)),
    };
    auto r = hooks::run(HookKind::CreateRuntime, hs, kState);
    REQUIRE_FALSE(r);
    CHECK(r.error().message() ==
          "createRuntime hook #1 (" + bad + "): exit status 3: first problem");
    CHECK(slurp(log) == "ok\n");
}

TEST_CASE("run_all keeps going and reports every failure", "[hooks]") {
    TempDir dir;
    std::string log = dir / "log";
    std::vector<Hook> hs{
        hook(script(dir, "a", "exit 1")),
        hook(script(dir, "b", "echo b >> " + log)),
        hook("/nonexistent/hull-hook"),
    };
    auto errors = hooks::run_all(HookKind::Poststop, hs, kState);
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].message() == "poststop hook #0 (" + (dir / "a") + "): exit status 1");
    CHECK(errors[1].message().rfind("poststop hook #2 (/nonexistent/hull-hook): exec: ", 0) == 0);
    CHECK(slurp(log) == "b\n");
    CHECK(hooks::run_all(HookKind::Poststop, std::span<const Hook>(hs).subspan(1, 1), kState)
              .empty());
}

TEST_CASE("a hook killed by a signal fails", "[hooks]") {
    TempDir dir;
    std::string path = script(dir, "h", "kill -9 $$");
    std::vector<Hook> hs{hook(path)};
    auto r = hooks::run(HookKind::Poststart, hs, kState);
    REQUIRE_FALSE(r);
    CHECK(r.error().message() == "poststart hook #0 (" + path + "): killed by signal 9");
}

TEST_CASE("a hook that outlives its timeout is killed", "[hooks]") {
    std::vector<Hook> hs{hook("/bin/sleep", {"sleep", "30"}, {}, 1)};
    auto t0 = std::chrono::steady_clock::now();
    auto r = hooks::run(HookKind::Prestart, hs, kState);
    auto took = std::chrono::steady_clock::now() - t0;
    REQUIRE_FALSE(r);
    CHECK(r.error().message() == "prestart hook #0 (/bin/sleep): timed out after 1s");
    CHECK(took >= std::chrono::milliseconds(900));
    CHECK(took < std::chrono::seconds(10));
}

TEST_CASE("a timeout that is not reached does not fail the hook", "[hooks]") {
    std::vector<Hook> hs{hook("/bin/true", {}, {}, 5)};
    CHECK(hooks::run(HookKind::Prestart, hs, kState));
}

TEST_CASE("a hook that ignores stdin does not break the runner", "[hooks]") {
    TempDir dir;
    std::string log = dir / "log";
    // Exits at once without reading; the state is bigger than the pipe buffer, so the
    // runner's write hits EPIPE (not SIGPIPE).
    std::string big(512 * 1024, 'z');
    std::vector<Hook> hs{
        hook(script(dir, "quick", "exec 0<&-; echo quick >> " + log)),
        hook(script(dir, "next", "echo next >> " + log)),
    };
    REQUIRE(hooks::run(HookKind::CreateRuntime, hs, big));
    CHECK(slurp(log) == "quick\nnext\n");
    // No SIGPIPE is left pending on the test process.
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    CHECK(sigismember(&pending, SIGPIPE) == 0);
}

TEST_CASE("a hook sees no fds of the runtime beyond stdio", "[hooks]") {
    TempDir dir;
    std::string out = dir / "fds";
    // Two fds that are not close-on-exec, at a low and a high number.
    int null = ::open("/dev/null", O_RDONLY);
    REQUIRE(null >= 0);
    REQUIRE(::dup2(null, 5) == 5);
    REQUIRE(::dup2(null, 100) == 100);
    std::vector<Hook> hs{hook("/bin/sh", {"sh", "-c", "exec /bin/ls /proc/self/fd > " + out})};
    auto r = hooks::run(HookKind::Prestart, hs, kState);
    ::close(100);
    ::close(5);
    ::close(null);
    REQUIRE(r);
    // 0, 1, 2 and the directory fd ls reads /proc/self/fd through.
    CHECK(slurp(out) == "0\n1\n2\n3\n");
}

TEST_CASE("a missing or relative hook path is an error", "[hooks]") {
    std::vector<Hook> missing{hook("/nonexistent/hull-hook")};
    auto r = hooks::run(HookKind::CreateContainer, missing, kState);
    REQUIRE_FALSE(r);
    CHECK(r.error().message() == "createContainer hook #0 (/nonexistent/hull-hook): exec: No "
                                 "such file or directory");
    CHECK(r.error().err() == ENOENT);

    std::vector<Hook> relative{hook("bin/true")};
    auto rel = hooks::run(HookKind::CreateContainer, relative, kState);
    REQUIRE_FALSE(rel);
    CHECK(rel.error().message() == "createContainer hook #0 (bin/true): path is not absolute");
}

TEST_CASE("no hooks is success", "[hooks]") {
    CHECK(hooks::run(HookKind::Poststart, {}, kState));
    CHECK(hooks::run_all(HookKind::Poststop, {}, kState).empty());
}
