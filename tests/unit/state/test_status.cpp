#include "state/state.hpp"
#include "util/fs.hpp"
#include "util/proc.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <tuple>

using hull::Operation;
using hull::Status;

namespace {

constexpr Status kAll[] = {Status::Creating, Status::Created, Status::Running, Status::Paused,
                           Status::Stopped};

// One row per (operation, status): "" means allowed, otherwise a substring of the error.
struct Row {
    Operation op;
    Status st;
    const char* error;
};

// clang-format off
const Row kTable[] = {
    {Operation::Start, Status::Creating, "container is not in created state"},
    {Operation::Start, Status::Created,  ""},
    {Operation::Start, Status::Running,  "cannot start an already running container"},
    {Operation::Start, Status::Paused,   "container is not in created state"},
    {Operation::Start, Status::Stopped,  "cannot start a container that has stopped"},

    {Operation::Kill, Status::Creating, "container not running"},
    {Operation::Kill, Status::Created,  ""},
    {Operation::Kill, Status::Running,  ""},
    {Operation::Kill, Status::Paused,   ""},
    {Operation::Kill, Status::Stopped,  "container not running"},

    {Operation::Delete, Status::Creating, "cannot delete container c1 that is not stopped: creating"},
    {Operation::Delete, Status::Created,  "cannot delete container c1 that is not stopped: created"},
    {Operation::Delete, Status::Running,  "cannot delete container c1 that is not stopped: running"},
    {Operation::Delete, Status::Paused,   "cannot delete container c1 that is not stopped: paused"},
    {Operation::Delete, Status::Stopped,  ""},

    {Operation::ForceDelete, Status::Creating, ""},
    {Operation::ForceDelete, Status::Created,  ""},
    {Operation::ForceDelete, Status::Running,  ""},
    {Operation::ForceDelete, Status::Paused,   ""},
    {Operation::ForceDelete, Status::Stopped,  ""},

    {Operation::Pause, Status::Creating, "container not running"},
    {Operation::Pause, Status::Created,  ""},
    {Operation::Pause, Status::Running,  ""},
    {Operation::Pause, Status::Paused,   "container already paused"},
    {Operation::Pause, Status::Stopped,  "container not running"},

    {Operation::Resume, Status::Creating, "container not paused"},
    {Operation::Resume, Status::Created,  "container not paused"},
    {Operation::Resume, Status::Running,  "container not paused"},
    {Operation::Resume, Status::Paused,   ""},
    {Operation::Resume, Status::Stopped,  "container not paused"},

    {Operation::Exec, Status::Creating, "cannot exec in a creating container"},
    {Operation::Exec, Status::Created,  ""},
    {Operation::Exec, Status::Running,  ""},
    {Operation::Exec, Status::Paused,   "cannot exec in a paused container"},
    {Operation::Exec, Status::Stopped,  "cannot exec in a stopped container"},

    {Operation::Update, Status::Creating, ""},
    {Operation::Update, Status::Created,  ""},
    {Operation::Update, Status::Running,  ""},
    {Operation::Update, Status::Paused,   ""},
    {Operation::Update, Status::Stopped,  "container not running"},

    {Operation::Ps, Status::Creating, ""},
    {Operation::Ps, Status::Created,  ""},
    {Operation::Ps, Status::Running,  ""},
    {Operation::Ps, Status::Paused,   ""},
    {Operation::Ps, Status::Stopped,  "container not running"},

    {Operation::Events, Status::Creating, ""},
    {Operation::Events, Status::Created,  ""},
    {Operation::Events, Status::Running,  ""},
    {Operation::Events, Status::Paused,   ""},
    {Operation::Events, Status::Stopped,  "container not running"},

    {Operation::Checkpoint, Status::Creating, "container cannot be checkpointed in creating state"},
    {Operation::Checkpoint, Status::Created,  "container cannot be checkpointed in created state"},
    {Operation::Checkpoint, Status::Running,  ""},
    {Operation::Checkpoint, Status::Paused,   ""},
    {Operation::Checkpoint, Status::Stopped,  "container cannot be checkpointed in stopped state"},
};
// clang-format on

struct TempDir {
    std::string path;
    hull::UniqueFd fd;
    TempDir() {
        char t[] = "/tmp/hull-status-test-XXXXXX";
        REQUIRE(::mkdtemp(t) != nullptr);
        path = t;
        fd = hull::fs::open_dir(AT_FDCWD, path).value();
    }
    ~TempDir() { (void)hull::fs::remove_tree(AT_FDCWD, path); }
};

} // namespace

TEST_CASE("status names round-trip", "[state]") {
    CHECK(hull::to_string(Status::Creating) == "creating");
    CHECK(hull::to_string(Status::Created) == "created");
    CHECK(hull::to_string(Status::Running) == "running");
    CHECK(hull::to_string(Status::Paused) == "paused");
    CHECK(hull::to_string(Status::Stopped) == "stopped");
    for (auto s : kAll)
        CHECK(hull::parse_status(hull::to_string(s)).value() == s);
    CHECK(hull::parse_status("Running").error().err() == EINVAL);
    CHECK_FALSE(hull::parse_status(""));
}

TEST_CASE("check_operation covers every operation in every status", "[state]") {
    // The table is complete: 11 operations x 5 statuses.
    REQUIRE(std::size(kTable) == 11 * 5);
    for (const auto& row : kTable) {
        INFO("operation " << static_cast<int>(row.op) << " in " << hull::to_string(row.st));
        auto r = hull::check_operation(row.st, row.op, "c1");
        if (std::string_view(row.error).empty()) {
            CHECK(r.has_value());
        } else {
            REQUIRE_FALSE(r.has_value());
            CHECK_THAT(r.error().message(), Catch::Contains(row.error));
        }
    }
}

TEST_CASE("check_operation texts callers match on", "[state]") {
    CHECK(hull::check_operation(Status::Stopped, Operation::Kill).error().message() ==
          "container not running");
    CHECK(hull::check_operation(Status::Created, Operation::Delete).error().message() ==
          "cannot delete container that is not stopped: created");
    CHECK(hull::check_operation(Status::Running, Operation::Delete, "web").error().message() ==
          "cannot delete container web that is not stopped: running");
}

TEST_CASE("derive_status from a real process and exec.fifo", "[state]") {
    TempDir d;
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        for (;;)
            ::pause();
    }
    hull::ContainerState st;
    st.id = "c1";
    st.pid = child;
    st.pid_start_time = hull::proc::start_time(child).value();
    st.status = Status::Created;

    CHECK(hull::derive_status(st, d.fd.get()) == Status::Running);
    REQUIRE(::mkfifoat(d.fd.get(), "exec.fifo", 0600) == 0);
    CHECK(hull::derive_status(st, d.fd.get()) == Status::Created);
    CHECK(hull::derive_status(st, d.fd.get(), [] { return true; }) == Status::Paused);
    CHECK(hull::derive_status(st, d.fd.get(), [] { return false; }) == Status::Created);

    st.status = Status::Creating;
    CHECK(hull::derive_status(st, d.fd.get()) == Status::Creating);
    st.status = Status::Stopped;
    CHECK(hull::derive_status(st, d.fd.get()) == Status::Stopped);

    st.status = Status::Running;
    REQUIRE(::unlinkat(d.fd.get(), "exec.fifo", 0) == 0);
    CHECK(hull::derive_status(st, d.fd.get()) == Status::Running);
    auto reused = st;
    reused.pid_start_time += 1; // the pid now belongs to someone else
    CHECK(hull::derive_status(reused, d.fd.get()) == Status::Stopped);

    // The frozen probe is not asked about a dead container.
    bool asked = false;
    REQUIRE(::kill(child, SIGKILL) == 0);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (hull::proc::liveness(child, st.pid_start_time) == hull::proc::Liveness::Alive &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    CHECK(hull::derive_status(st, d.fd.get(), [&] { return asked = true; }) ==
          Status::Stopped); // zombie
    CHECK_FALSE(asked);
    REQUIRE(::waitpid(child, nullptr, 0) == child);
    CHECK(hull::derive_status(st, d.fd.get()) == Status::Stopped); // reaped

    hull::ContainerState never_started;
    never_started.status = Status::Creating;
    CHECK(hull::derive_status(never_started, d.fd.get()) == Status::Stopped);
}
