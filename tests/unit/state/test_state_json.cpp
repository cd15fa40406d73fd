#include "state/state.hpp"

#include <catch2/catch.hpp>

#include <pwd.h>

using hull::ContainerState;
using hull::Status;

namespace {

ContainerState sample() {
    ContainerState st;
    st.id = "web-1";
    st.pid = 4242;
    st.pid_start_time = 987654321;
    st.status = Status::Running;
    st.bundle = "/srv/bundles/web";
    st.rootfs = "/srv/bundles/web/rootfs";
    st.created = "2026-11-22T09:09:22.952219071Z";
    st.owner = "";
    st.annotations = {{"org.example.b", "2"}, {"org.example.a", "1"}};
    st.extra = {{"cgroup_paths", {{"memory", "/sys/fs/cgroup/memory/web-1"}}},
                {"config_flags", {1, 2, 3}}};
    return st;
}

} // namespace

TEST_CASE("persisted state round-trips every field", "[state]") {
    auto st = sample();
    auto text = hull::to_persisted_json(st).dump();
    auto back = hull::from_persisted_json(text);
    REQUIRE(back);
    CHECK(back->id == st.id);
    CHECK(back->pid == st.pid);
    CHECK(back->pid_start_time == st.pid_start_time);
    CHECK(back->status == st.status);
    CHECK(back->bundle == st.bundle);
    CHECK(back->rootfs == st.rootfs);
    CHECK(back->created == st.created);
    CHECK(back->owner == st.owner);
    CHECK(back->annotations == st.annotations);
    CHECK(back->extra == st.extra);

    for (auto s : {Status::Creating, Status::Created, Status::Paused, Status::Stopped}) {
        st.status = s;
        CHECK(hull::from_persisted_json(hull::to_persisted_json(st).dump())->status == s);
    }
}

TEST_CASE("persisted state: broken files are errors, not exceptions", "[state]") {
    auto good = hull::to_persisted_json(sample());
    CHECK(hull::from_persisted_json("").error().err() == EINVAL);
    CHECK_FALSE(hull::from_persisted_json("{\"id\":"));
    CHECK_FALSE(hull::from_persisted_json("[1,2]"));

    auto j = good;
    j.erase("pid");
    CHECK_FALSE(hull::from_persisted_json(j.dump()));
    j = good;
    j["pid"] = "12";
    CHECK_FALSE(hull::from_persisted_json(j.dump()));
    j = good;
    j["status"] = "exploded";
    auto bad = hull::from_persisted_json(j.dump());
    REQUIRE_FALSE(bad);
    CHECK_THAT(bad.error().message(), Catch::Contains("exploded"));
    j = good;
    j["format"] = 99;
    CHECK_THAT(hull::from_persisted_json(j.dump()).error().message(),
               Catch::Contains("unsupported format 99"));
    j = good;
    j["annotations"] = {{"k", 1}};
    CHECK_FALSE(hull::from_persisted_json(j.dump()));
}

TEST_CASE("to_runc_json has runc's keys and order", "[state]") {
    auto st = sample();
    CHECK(hull::to_runc_json(st, Status::Running).dump(2) ==
          R"({
  "ociVersion": "1.3.0",
  "id": "web-1",
  "pid": 4242,
  "status": "running",
  "bundle": "/srv/bundles/web",
  "rootfs": "/srv/bundles/web/rootfs",
  "created": "2026-11-22T09:09:22.952219071Z",
  "annotations": {
    "org.example.a": "1",
    "org.example.b": "2"
  },
  "owner": ""
})");

    st.annotations.clear();
    st.owner = "alice";
    auto stopped = hull::to_runc_json(st, Status::Stopped);
    CHECK(stopped.dump() == R"({"ociVersion":"1.3.0","id":"web-1","pid":0,"status":"stopped",)"
                            R"("bundle":"/srv/bundles/web","rootfs":"/srv/bundles/web/rootfs",)"
                            R"("created":"2026-11-22T09:09:22.952219071Z","owner":"alice"})");
    CHECK(hull::to_runc_json(st, Status::Creating)["status"] == "creating");
    CHECK(hull::to_runc_json(st, Status::Paused)["pid"] == 4242);
}

TEST_CASE("owner_name", "[state]") {
    CHECK(hull::owner_name(0).empty());
    CHECK(hull::owner_name(4123456789u) == "4123456789");
    const struct passwd* pw = ::getpwuid(65534);
    CHECK(hull::owner_name(65534) == (pw ? std::string(pw->pw_name) : std::string("65534")));
}
