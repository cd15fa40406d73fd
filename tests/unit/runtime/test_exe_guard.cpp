// [exe_guard] the CVE-2019-5736 guard: when it applies, the sealed trampoline memfd, and the
// exec through it (success, the execve error text on the report fd, refusal of strangers).
#include "runtime/exe_guard.hpp"
#include "runtime/trampoline_blob.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

using namespace hull;
using namespace hull::runtime;

namespace {

struct Ran {
    int status = -1;    // raw wait status
    std::string report; // what arrived on the report pipe
};

// Forks; the child execs `path` through the trampoline with the pipe as report fd.
Ran through_trampoline(int trampoline, const std::string& path, std::vector<std::string> args) {
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(p[0]);
        ::fcntl(p[1], F_SETFD, 0); // the report fd is handed over open
        Process proc;
        proc.args = std::move(args);
        proc.env = {"PATH=/usr/bin:/bin"};
        (void)exe_guard::exec(trampoline, p[1], proc, path);
        ::_exit(99);
    }
    ::close(p[1]);
    Ran r;
    char buf[512];
    for (ssize_t n; (n = ::read(p[0], buf, sizeof buf)) > 0;)
        r.report.append(buf, static_cast<size_t>(n));
    ::close(p[0]);
    REQUIRE(::waitpid(pid, &r.status, 0) == pid);
    return r;
}

UniqueFd trampoline() {
    auto fd = exe_guard::trampoline_for(Process{}, exe_guard::UserNs::Shared, {}, {});
    REQUIRE(fd);
    REQUIRE(*fd); // a test binary in the build tree is writable: the guard applies
    return std::move(*fd);
}

} // namespace

TEST_CASE("exe_guard: needed when the container's ids could write the binary", "[exe_guard]") {
    struct stat st {};
    REQUIRE(::stat("/proc/self/exe", &st) == 0);
    REQUIRE_FALSE(exe_guard::self_sealed()); // the build tree is writable
    // Container root is host root.
    CHECK(exe_guard::needed(exe_guard::UserNs::Shared, {}, {}));
    // A user namespace that maps the binary's owner and group.
    std::vector<IdMapping> owner{{0, st.st_uid, 1}}, group{{0, st.st_gid, 1}};
    CHECK(exe_guard::needed(exe_guard::UserNs::Own, owner, group));
    // One that maps neither: only a world-writable binary would be reachable.
    std::vector<IdMapping> far{{0, st.st_uid + 100000, 1000}};
    std::vector<IdMapping> far_g{{0, st.st_gid + 100000, 1000}};
    CHECK(exe_guard::needed(exe_guard::UserNs::Own, far, far_g) == ((st.st_mode & S_IWOTH) != 0));
}

TEST_CASE("exe_guard: the trampoline is a sealed copy of the program", "[exe_guard]") {
    UniqueFd t = trampoline();
    int seals = ::fcntl(t.get(), F_GET_SEALS);
    CHECK((seals & F_SEAL_WRITE) != 0);
    CHECK((seals & F_SEAL_GROW) != 0);
    CHECK((seals & F_SEAL_SHRINK) != 0);
    CHECK((seals & F_SEAL_SEAL) != 0);
    CHECK((::fcntl(t.get(), F_GETFD) & FD_CLOEXEC) != 0);
    struct stat st {};
    REQUIRE(::fstat(t.get(), &st) == 0);
    CHECK(static_cast<size_t>(st.st_size) == trampoline_blob::kSize);
    // Not even the runtime can change it once made.
    std::string path = "/proc/self/fd/" + std::to_string(t.get());
    UniqueFd w(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    REQUIRE(w);
    errno = 0;
    CHECK(::write(w.get(), "x", 1) == -1);
    CHECK(errno == EPERM);
}

TEST_CASE("exe_guard: the trampoline execs the program and closes the report fd", "[exe_guard]") {
    UniqueFd t = trampoline();
    Ran ok = through_trampoline(t.get(), "/bin/sh", {"sh", "-c", "exit 7"});
    REQUIRE(WIFEXITED(ok.status));
    CHECK(WEXITSTATUS(ok.status) == 7);
    CHECK(ok.report.empty()); // EOF: the fd closed at the successful execve

    // argv[0] stays the caller's: the program sees "named", not the trampoline's name.
    Ran named = through_trampoline(t.get(), "/bin/sh", {"named", "-c", "test \"$0\" = named"});
    REQUIRE(WIFEXITED(named.status));
    CHECK(WEXITSTATUS(named.status) == 0);
}

TEST_CASE("exe_guard: an execve error reaches the report fd in hull's words", "[exe_guard]") {
    UniqueFd t = trampoline();
    Ran missing = through_trampoline(t.get(), "/nonexistent/x", {"x"});
    REQUIRE(WIFEXITED(missing.status));
    CHECK(WEXITSTATUS(missing.status) == 1);
    CHECK(missing.report == "exec /nonexistent/x: no such file or directory");
    Ran dir = through_trampoline(t.get(), "/tmp", {"tmp"});
    CHECK(dir.report == "exec /tmp: permission denied");
}

TEST_CASE("exe_guard: the trampoline refuses to run for anyone but hull", "[exe_guard]") {
    UniqueFd t = trampoline();
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        // What a "#!/proc/self/exe" script gives it: argv[0] is the interpreter path.
        char a0[] = "/proc/self/exe", a1[] = "/evil";
        char* argv[] = {a0, a1, nullptr};
        char* envp[] = {nullptr};
        int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 2);
        ::execveat(t.get(), "", argv, envp, AT_EMPTY_PATH);
        ::_exit(99);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 126);
}
