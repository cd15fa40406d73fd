// linux.memoryPolicy: the NUMA memory policy of the container process (set_mempolicy(2)).
#include "process/steps.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <charconv>

namespace hull::process {

namespace {

// The kernel's mode flags (linux/mempolicy.h).
constexpr int kStaticNodes = 1 << 15;
constexpr int kRelativeNodes = 1 << 14;
constexpr int kNumaBalancing = 1 << 13;
constexpr unsigned kBitsPerWord = 8 * sizeof(unsigned long);
constexpr unsigned kMaxNode = 1u << 16; // far above any real machine's node count

Result<unsigned> parse_node(std::string_view s, std::string_view list) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || v >= kMaxNode)
        return fail("invalid node \"" + std::string(s) + "\" in \"" + std::string(list) + "\"");
    return v;
}

} // namespace

Result<std::vector<unsigned long>> parse_node_list(std::string_view list) {
    std::vector<unsigned long> mask;
    std::string_view rest = list;
    while (!rest.empty()) {
        const size_t comma = rest.find(',');
        const std::string_view item = rest.substr(0, comma);
        const size_t dash = item.find('-');
        unsigned first = HULL_TRY(parse_node(item.substr(0, dash), list));
        unsigned last = first;
        if (dash != std::string_view::npos)
            last = HULL_TRY(parse_node(item.substr(dash + 1), list));
        if (last < first)
            return fail("invalid range \"" + std::string(item) + "\" in \"" + std::string(list) +
                        "\"");
        if (mask.size() < last / kBitsPerWord + 1) mask.resize(last / kBitsPerWord + 1);
        for (unsigned n = first; n <= last; ++n)
            mask[n / kBitsPerWord] |= 1UL << (n % kBitsPerWord);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
        if (rest.empty()) return fail("trailing \",\" in \"" + std::string(list) + "\"");
    }
    return mask;
}

int memory_policy_mode(const MemoryPolicy& policy) {
    int mode = static_cast<int>(policy.mode);
    for (auto f : policy.flags) {
        switch (f) {
        case MemoryPolicyFlag::StaticNodes:
            mode |= kStaticNodes;
            break;
        case MemoryPolicyFlag::RelativeNodes:
            mode |= kRelativeNodes;
            break;
        case MemoryPolicyFlag::NumaBalancing:
            mode |= kNumaBalancing;
            break;
        }
    }
    return mode;
}

Result<void> apply_memory_policy(const MemoryPolicy* policy) {
    if (!policy) return {};
    auto mask =
        HULL_TRY_CTX(parse_node_list(policy->nodes.value_or("")), "linux.memoryPolicy.nodes");
    // maxnode counts bits; one more than the mask holds, as numactl passes it.
    const unsigned long maxnode = mask.size() * kBitsPerWord + 1;
    if (mask.empty()) mask.push_back(0);
    if (syscall(SYS_set_mempolicy, memory_policy_mode(*policy), mask.data(), maxnode) != 0)
        return fail_errno("linux.memoryPolicy: set_mempolicy " +
                          std::string(to_string(policy->mode)));
    return {};
}

} // namespace hull::process
