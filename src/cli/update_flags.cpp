#include "cli/update_flags.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace hull::cli {
namespace {

Error invalid_value(std::string_view flag, const Error& e) {
    return Error::msg("invalid value for " + std::string(flag) + ": " + e.message());
}

} // namespace

Result<int64_t> parse_ram_bytes(std::string_view text) {
    auto invalid = [&] { return fail("invalid size: '" + std::string(text) + "'"); };
    size_t i = 0;
    auto digits = [&] {
        size_t start = i;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])))
            ++i;
        return i > start;
    };
    if (!digits()) return invalid();
    while (i < text.size() && text[i] == '.') {
        ++i;
        if (!digits()) return invalid();
    }
    std::string number(text.substr(0, i));
    if (i < text.size() && text[i] == ' ') ++i;
    long double multiplier = 1;
    if (i < text.size()) {
        constexpr std::string_view kUnits = "kmgtp";
        auto u = kUnits.find(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))));
        if (u != std::string_view::npos) {
            multiplier = std::pow(1024.0L, static_cast<long double>(u + 1));
            ++i;
        }
    }
    if (i < text.size() && (text[i] == 'i' || text[i] == 'I')) ++i;
    if (i < text.size() && (text[i] == 'b' || text[i] == 'B')) ++i;
    if (i != text.size()) return invalid();
    // "1.2.3" passes the pattern (as in Docker's); strtold reads "1.2".
    long double value = std::strtold(number.c_str(), nullptr) * multiplier;
    if (value >= static_cast<long double>(std::numeric_limits<int64_t>::max())) return invalid();
    return static_cast<int64_t>(value);
}

Result<Resources> resources_from_flags(const ParsedArgs& a, std::vector<std::string>& warnings) {
    Resources r;
    Cpu cpu;
    Memory mem;
    if (auto w = a.unsigned_value("blkio-weight"); w && *w != 0) {
        if (*w > std::numeric_limits<uint16_t>::max())
            return fail("invalid value for blkio-weight: " + std::to_string(*w) + " out of range");
        r.blockIO.emplace().weight = static_cast<uint16_t>(*w);
    }
    if (auto v = a.value("cpuset-cpus"); v && !v->empty()) cpu.cpus = *v;
    if (auto v = a.value("cpuset-mems"); v && !v->empty()) cpu.mems = *v;
    if (auto v = a.signed_value("cpu-idle")) cpu.idle = *v;
    cpu.burst = a.unsigned_value("cpu-burst");
    cpu.period = a.unsigned_value("cpu-period");
    cpu.realtimePeriod = a.unsigned_value("cpu-rt-period");
    cpu.shares = a.unsigned_value("cpu-share");
    cpu.quota = a.signed_value("cpu-quota");
    cpu.realtimeRuntime = a.signed_value("cpu-rt-runtime");

    struct MemoryFlag {
        std::string_view name;
        std::optional<int64_t> Memory::*field;
    };
    for (auto [name, field] :
         {MemoryFlag{"memory", &Memory::limit}, MemoryFlag{"memory-swap", &Memory::swap},
          MemoryFlag{"memory-reservation", &Memory::reservation}}) {
        auto v = a.value(name);
        if (!v || v->empty()) continue;
        if (*v == "-1") {
            mem.*field = -1;
            continue;
        }
        auto bytes = parse_ram_bytes(*v);
        if (!bytes) return std::unexpected(invalid_value(name, bytes.error()));
        mem.*field = *bytes;
    }
    for (std::string_view ignored : {"kernel-memory", "kernel-memory-tcp"})
        if (auto v = a.value(ignored); v && !v->empty())
            warnings.push_back("Setting --" + std::string(ignored) +
                               " is ignored and will be removed");
    if (auto p = a.signed_value("pids-limit"); p && *p != 0) r.pids.emplace().limit = *p;

    if (cpu != Cpu{}) r.cpu = cpu;
    if (mem != Memory{}) r.memory = mem;
    return r;
}

} // namespace hull::cli
