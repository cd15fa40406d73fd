// libFuzzer target: the mounts[].options classifier. The input is an option list split at
// commas (and NUL bytes, so that empty and odd options appear too).
#include "config/mount_options.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<std::string> opts(1);
    for (size_t i = 0; i < size; i++) {
        if (data[i] == ',' || data[i] == 0)
            opts.emplace_back();
        else
            opts.back() += static_cast<char>(data[i]);
    }
    auto m = hull::parse_mount_options(opts);
    // Invariants: rbind implies bind; data holds only options the table does not know.
    if (m.recursive && !m.bind) std::abort();
    for (const auto& o : opts)
        (void)hull::is_known_mount_option(o);
    if (m.data.size() > size) std::abort();
    return 0;
}
