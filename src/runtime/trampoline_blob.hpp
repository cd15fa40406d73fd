// The bytes of the hull-trampoline program (src/trampoline/), compiled into libhull by
// src/trampoline/embed.py. kSize is 0 where no trampoline is built for the architecture.
#pragma once

#include <cstddef>

namespace hull::runtime::trampoline_blob {
extern const unsigned char kData[];
extern const std::size_t kSize;
} // namespace hull::runtime::trampoline_blob
