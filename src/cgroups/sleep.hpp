// Internal to hull::cgroups: the short sleep between retries of a cgroup operation that the
// kernel finishes asynchronously (rmdir of a cgroup whose tasks are exiting, adding a task
// still in TASK_NEW, waiting for a freeze to settle).
#pragma once

#include "util/io.hpp"

#include <ctime>

namespace hull::cgroups {

// Sleeps `ms` milliseconds, resuming after a signal interrupts the sleep.
inline void sleep_ms(long ms) {
    struct timespec ts {
        ms / 1000, (ms % 1000) * 1000000
    };
    (void)io::retry_eintr([&] { return ::nanosleep(&ts, &ts); });
}

} // namespace hull::cgroups
