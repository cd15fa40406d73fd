// hull::proc: what /proc tells about a process, and timestamps.
//
// A pid alone does not identify a process (pids are reused), so hull records the pair
// (pid, start time from /proc/PID/stat field 22) and checks both before trusting the pid.
#pragma once

#include "hull/error.hpp"

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

namespace hull::proc {

// The fields of /proc/PID/stat hull uses.
struct Stat {
    char state = '?';        // field 3: R, S, D, Z, X, T, t, ...
    pid_t ppid = 0;          // field 4
    uint64_t start_time = 0; // field 22, clock ticks since boot
};

// Parses the content of a /proc/PID/stat file. The command name (field 2) may contain spaces
// and parentheses, so the fields are read after the last ')'.
Result<Stat> parse_stat(std::string_view content);

// Reads /proc/PID/stat.
Result<Stat> stat(pid_t pid);

// Field 22 of /proc/PID/stat.
Result<uint64_t> start_time(pid_t pid);

enum class Liveness {
    Alive,  // the process with this pid and start time exists and has not exited
    Gone,   // no such pid, or the pid now belongs to another process (start time differs)
    Zombie, // it exited and waits to be reaped (state Z or X)
};

// Checks the process recorded as (pid, start_time). pid <= 0 is Gone. When /proc/PID cannot be
// read for another reason (e.g. hidepid), falls back to kill(pid, 0) and cannot verify the
// start time.
Liveness liveness(pid_t pid, uint64_t start_time);

// "2026-11-22T09:09:22.952219071Z": UTC, always nine fraction digits (Go's time.Parse with
// RFC3339Nano accepts it).
std::string rfc3339(const struct timespec& ts);
std::string rfc3339_now();

} // namespace hull::proc
