// open_container: the one "open a container" step of the commands, on records made by hand
// (the test process itself stands in for a living init).
#include "runtime/container_handle.hpp"

#include "hull/runtime.hpp"

#include "util/proc.hpp"

#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

using namespace hull;
using namespace hull::runtime;

namespace {

struct Fixture {
    testutil::TempDir dir{"handle"};
    std::string root = dir / "root";

    // A record whose init is this test process: `created` with exec.fifo, `running` without.
    void make(const std::string& id, Status recorded, bool fifo, bool alive = true) {
        auto store = Store::open_root(root);
        REQUIRE(store);
        ContainerState st;
        st.id = id;
        st.status = recorded;
        st.bundle = "/bundle/" + id;
        st.rootfs = "/bundle/" + id + "/rootfs";
        st.created = "2026-01-02T03:04:05.000000006Z";
        st.annotations = {{"a", "1"}};
        if (alive) {
            st.pid = ::getpid();
            st.pid_start_time = proc::start_time(::getpid()).value();
        }
        auto c = store->create(id, st);
        REQUIRE(c);
        if (fifo) REQUIRE(::mkfifoat(c->dirfd(), std::string(kExecFifo).c_str(), 0600) == 0);
    }
};

std::string error_of(const Result<ContainerHandle>& r) {
    REQUIRE_FALSE(r);
    return r.error().message();
}

} // namespace

TEST_CASE("open_container: a missing or invalid id", "[runtime][handle]") {
    Fixture f;
    auto missing = open_container(f.root, "nope", Operation::Start);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().err() == ENOENT);
    CHECK(missing.error().message() == "container nope does not exist");
    CHECK(error_of(open_container(f.root, "nope", std::nullopt, LockMode::None)) ==
          "container nope does not exist");
    CHECK(error_of(open_container(f.root, "../x", Operation::Kill))
              .starts_with("invalid container id \"../x\""));
}

TEST_CASE("open_container: the live status and runc's refusals", "[runtime][handle]") {
    Fixture f;
    f.make("c", Status::Created, true);
    f.make("r", Status::Running, false);
    f.make("s", Status::Running, false, false);

    // Each handle is dropped at the end of its statement: an exclusive lock held by one open
    // file description would block the next open of the same container, even in-process.
    {
        auto created = open_container(f.root, "c", Operation::Start);
        REQUIRE(created);
        CHECK(created->status() == Status::Created);
        CHECK(created->id() == "c");
        CHECK(created->root() == f.root);
        CHECK(created->state().bundle == "/bundle/c");
    }
    CHECK(error_of(open_container(f.root, "c", Operation::Resume)) == "container not paused");
    CHECK(error_of(open_container(f.root, "c", Operation::Delete)) ==
          "cannot delete container c that is not stopped: created");

    {
        auto running = open_container(f.root, "r", std::nullopt, LockMode::None);
        REQUIRE(running);
        CHECK(running->status() == Status::Running);
    }
    CHECK(error_of(open_container(f.root, "r", Operation::Start)) ==
          "cannot start an already running container");
    CHECK(open_container(f.root, "r", Operation::Kill));

    {
        auto stopped = open_container(f.root, "s", Operation::Delete);
        REQUIRE(stopped);
        CHECK(stopped->status() == Status::Stopped);
    }
    CHECK(error_of(open_container(f.root, "s", Operation::Kill)) == "container not running");
    CHECK(error_of(open_container(f.root, "s", Operation::Exec)) ==
          "cannot exec in a stopped container");
    CHECK(error_of(open_container(f.root, "s", Operation::Pause)) == "container not running");
    CHECK(open_container(f.root, "s", Operation::ForceDelete));
}

TEST_CASE("open_container: config snapshot and cgroup are loaded only when asked",
          "[runtime][handle]") {
    Fixture f;
    f.make("c", Status::Created, true);
    // No config.json and no cgroup path in the record: opening does not need them.
    auto h = open_container(f.root, "c", Operation::Kill);
    REQUIRE(h);
    auto cfg = h->config();
    REQUIRE_FALSE(cfg);
    CHECK(cfg.error().message().starts_with("read the config snapshot"));

    REQUIRE(h->record().write_file(
        "config.json", R"({"ociVersion":"1.2.0","root":{"path":"rootfs"},)"
                       R"("process":{"cwd":"/","args":["sh"],"user":{"uid":0,"gid":0}}})"));
    cfg = h->config();
    INFO((cfg ? std::string() : cfg.error().message()));
    REQUIRE(cfg);
    CHECK((*cfg)->ociVersion == "1.2.0");
    CHECK(*h->config() == *cfg); // parsed once, kept

    auto cg = h->cgroup();
    REQUIRE(cg);
    CHECK(*cg == nullptr);
    auto required = h->required_cgroup();
    REQUIRE_FALSE(required);
    CHECK(required.error().message() == "container c has no cgroup");
}

TEST_CASE("state and list return the typed state of each container", "[runtime][handle]") {
    Fixture f;
    f.make("b", Status::Running, false);
    f.make("a", Status::Created, true);
    f.make("z", Status::Running, false, false);

    auto a = runtime::state(f.root, "a");
    REQUIRE(a);
    CHECK(a->id == "a");
    CHECK(a->status == "created");
    CHECK(a->pid == ::getpid());
    CHECK(a->bundle == "/bundle/a");
    CHECK(a->rootfs == "/bundle/a/rootfs");
    CHECK(a->created == "2026-01-02T03:04:05.000000006Z");
    CHECK(a->annotations == std::map<std::string, std::string>{{"a", "1"}});
    CHECK_FALSE(a->ociVersion.empty());

    auto z = runtime::state(f.root, "z");
    REQUIRE(z);
    CHECK(z->status == "stopped");
    CHECK(z->pid == 0);

    auto missing = runtime::state(f.root, "nope");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message() == "container nope does not exist");

    auto all = runtime::list(f.root);
    REQUIRE(all);
    REQUIRE(all->size() == 3);
    CHECK((*all)[0].id == "a");
    CHECK((*all)[1].id == "b");
    CHECK((*all)[1].status == "running");
    CHECK((*all)[2].id == "z");
    CHECK((*all)[2].status == "stopped");
}
