// [config][hardening] configs a hostile tester sent that must be refused at parse time, with
// the JSON path: an impossible rlimit, a cwd through a /proc magic link.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>

#include "hull/config_parse.hpp"

using namespace hull;
using json = nlohmann::json;

namespace {

std::string error_with(json patch) {
    json base = json::parse(R"({"ociVersion": "1.3.0", "root": {"path": "rootfs"},
        "process": {"cwd": "/", "args": ["sh"], "user": {"uid": 0, "gid": 0}}})");
    base.merge_patch(patch);
    auto r = parse_config(base.dump());
    return r ? "<parsed>" : r.error().message();
}

} // namespace

TEST_CASE("config: an rlimit with soft above hard is refused with its path",
          "[config][hardening]") {
    auto rl = [](uint64_t hard, uint64_t soft) {
        return json{
            {"process",
             {{"rlimits",
               json::array({{{"type", "RLIMIT_CORE"}, {"hard", 0}, {"soft", 0}},
                            {{"type", "RLIMIT_NOFILE"}, {"hard", hard}, {"soft", soft}}})}}}};
    };
    CHECK(error_with(rl(1024, 4096)) ==
          "process.rlimits[1]: soft limit 4096 is above the hard limit 1024");
    CHECK(error_with(rl(4096, 4096)) == "<parsed>");
    CHECK(error_with(rl(4096, 1024)) == "<parsed>");
}

TEST_CASE("config: a cwd through a /proc magic link is refused", "[config][hardening]") {
    for (const char* cwd :
         {"/proc/self/fd/3", "/proc/1/fd", "/proc/thread-self/fd/7/sub", "/proc/self/task/1/fd/3",
          "//proc//self/./fd/3", "/proc/../proc/self/fd/3", "/proc/self/cwd", "/proc/self/root/x",
          "/proc/self/fd/3/../../../etc", "/proc/self/map_files/x"}) {
        INFO(cwd);
        CHECK(error_with({{"process", {{"cwd", cwd}}}}).starts_with("process.cwd: must not lead"));
    }
    for (const char* cwd :
         {"/", "/proc", "/proc/self", "/fd", "/srv/proc/self/fd/3", "/home/root"}) {
        INFO(cwd);
        CHECK(error_with({{"process", {{"cwd", cwd}}}}) == "<parsed>");
    }
}
