// The per-field flags of `hull update` turned into a LinuxResources delta, with runc's rules:
// memory sizes take units ("64m", "1.5g", -1 = unlimited), a zero --blkio-weight or
// --pids-limit means "unchanged", --kernel-memory(-tcp) are accepted and ignored with a
// warning. --resources (read by the command itself) replaces every flag.
#pragma once

#include "cli/args.hpp"

#include "hull/config_resources.hpp"
#include "hull/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hull::cli {

// Docker's RAMInBytes: a decimal number, optional fraction, optional binary unit
// (b, k, m, g, t, p with optional "i" and "b", any case: "64m", "1.5GiB", "100 kb").
// Error: invalid size: '<text>'.
Result<int64_t> parse_ram_bytes(std::string_view text);

// The resources the flags of an `update` command line ask for; warnings are appended for
// ignored flags. Errors name the flag: invalid value for memory: invalid size: 'x'.
Result<Resources> resources_from_flags(const ParsedArgs& args, std::vector<std::string>& warnings);

} // namespace hull::cli
