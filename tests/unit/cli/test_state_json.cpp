// `hull state` output: runc's keys and order, from the typed runtime::ContainerInfo.
#include "cli/state_json.hpp"

#include <catch2/catch.hpp>

using hull::cli::state_json;
using hull::runtime::ContainerInfo;

namespace {

ContainerInfo sample() {
    return {.ociVersion = "1.3.0",
            .id = "web-1",
            .pid = 4242,
            .status = "running",
            .bundle = "/srv/bundles/web",
            .rootfs = "/srv/bundles/web/rootfs",
            .created = "2026-11-22T09:09:22.952219071Z",
            .owner = "",
            .annotations = {{"org.example.b", "2"}, {"org.example.a", "1"}}};
}

} // namespace

TEST_CASE("state_json prints runc's state object in runc's key order", "[cli][state]") {
    CHECK(state_json(sample()).dump(2) == R"({
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

    auto stopped = sample();
    stopped.pid = 0;
    stopped.status = "stopped";
    stopped.owner = "alice";
    stopped.annotations.clear();
    CHECK(state_json(stopped).dump() ==
          R"({"ociVersion":"1.3.0","id":"web-1","pid":0,"status":"stopped",)"
          R"("bundle":"/srv/bundles/web","rootfs":"/srv/bundles/web/rootfs",)"
          R"("created":"2026-11-22T09:09:22.952219071Z","owner":"alice"})");
}
