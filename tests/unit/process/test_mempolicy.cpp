// [process] linux.memoryPolicy: node lists, mode bits, set_mempolicy read back from the kernel.
#include "process/process.hpp"
#include "process/steps.hpp"
#include "process_test_util.hpp"

#include <catch2/catch.hpp>
#include <sys/syscall.h>
#include <unistd.h>

using namespace hull;
using namespace hull::proctest;

namespace {

// get_mempolicy(2) of the calling thread: (mode with flags, node mask's first word).
std::pair<int, unsigned long> current_policy() {
    int mode = -1;
    unsigned long mask[16] = {};
    if (::syscall(SYS_get_mempolicy, &mode, mask, sizeof(mask) * 8, nullptr, 0) != 0)
        return {-1, 0};
    return {mode, mask[0]};
}

} // namespace

TEST_CASE("memoryPolicy: node lists become masks", "[process]") {
    auto m = process::parse_node_list("0-2,5");
    REQUIRE(m);
    REQUIRE(m->size() == 1);
    CHECK((*m)[0] == 0b100111UL);
    auto far = process::parse_node_list("64");
    REQUIRE(far);
    REQUIRE(far->size() == 2);
    CHECK((*far)[0] == 0);
    CHECK((*far)[1] == 1UL);
    CHECK(process::parse_node_list("")->empty());
    for (const char* bad : {"x", "1-", "3-1", "0,", "-1", "1,,2", "99999999"}) {
        INFO(bad);
        CHECK_FALSE(process::parse_node_list(bad));
    }
}

TEST_CASE("memoryPolicy: mode and flags become the kernel's mode argument", "[process]") {
    MemoryPolicy p;
    p.mode = MemoryPolicyMode::Bind;
    p.flags = {MemoryPolicyFlag::StaticNodes};
    CHECK(process::memory_policy_mode(p) == (2 | (1 << 15)));
    p.mode = MemoryPolicyMode::WeightedInterleave;
    p.flags = {MemoryPolicyFlag::RelativeNodes, MemoryPolicyFlag::NumaBalancing};
    CHECK(process::memory_policy_mode(p) == (6 | (1 << 14) | (1 << 13)));
}

TEST_CASE("memoryPolicy: set on the process, untouched when unset", "[process]") {
    auto rep = run_child([](Out& out) {
        Process proc = basic_process();
        process::Warnings w;
        auto r0 = process::prepare(proc, {}, w);
        out.put("unset", std::to_string(current_policy().first));
        MemoryPolicy bind;
        bind.mode = MemoryPolicyMode::Bind;
        bind.nodes = "0";
        bind.flags = {MemoryPolicyFlag::StaticNodes};
        process::Options o;
        o.memory_policy = &bind;
        auto r1 = process::prepare(proc, o, w);
        out.put("ok", r1 ? "yes" : r1.error().message());
        auto [mode, mask] = current_policy();
        out.put("mode", std::to_string(mode));
        out.put("mask", std::to_string(mask));
        MemoryPolicy missing = bind;
        missing.nodes = "4000";
        auto r2 = process::apply_memory_policy(&missing);
        out.put("missing", r2 ? "none" : r2.error().message());
        return r0 ? 0 : 3;
    });
    REQUIRE(rep.code == 0);
    CHECK(rep.at("unset") == "0"); // MPOL_DEFAULT
    CHECK(rep.at("ok") == "yes");
    CHECK(rep.at("mode") == std::to_string(2 | (1 << 15)));
    CHECK(rep.at("mask") == "1");
    CHECK(rep.at("missing") == "linux.memoryPolicy: set_mempolicy MPOL_BIND: Invalid argument");
}
