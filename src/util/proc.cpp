#include "util/proc.hpp"

#include "util/fs.hpp"

#include <fcntl.h>
#include <signal.h>

#include <charconv>
#include <chrono>
#include <cstdio>

namespace hull::proc {

namespace {

// Splits off the next space-separated token.
std::string_view next_token(std::string_view& s) {
    while (!s.empty() && s.front() == ' ')
        s.remove_prefix(1);
    auto end = s.find_first_of(" \n");
    if (end == std::string_view::npos) end = s.size();
    auto tok = s.substr(0, end);
    s.remove_prefix(end);
    return tok;
}

template <class T> bool parse_int(std::string_view tok, T& out) {
    auto [ptr, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), out);
    return ec == std::errc() && ptr == tok.data() + tok.size();
}

} // namespace

Result<Stat> parse_stat(std::string_view content) {
    auto paren = content.rfind(')');
    if (paren == std::string_view::npos) return fail_sys(EINVAL, "parse /proc stat: no ')'");
    std::string_view rest = content.substr(paren + 1);
    Stat st;
    // Tokens after ')' start at field 3.
    for (int field = 3; field <= 22; field++) {
        auto tok = next_token(rest);
        if (tok.empty())
            return fail_sys(EINVAL, "parse /proc stat: missing field " + std::to_string(field));
        if (field == 3) {
            if (tok.size() != 1) return fail_sys(EINVAL, "parse /proc stat: bad state field");
            st.state = tok[0];
        } else if (field == 4) {
            if (!parse_int(tok, st.ppid)) return fail_sys(EINVAL, "parse /proc stat: bad ppid");
        } else if (field == 22) {
            if (!parse_int(tok, st.start_time))
                return fail_sys(EINVAL, "parse /proc stat: bad start time");
        }
    }
    return st;
}

Result<Stat> stat(pid_t pid) {
    std::string path = "/proc/" + std::to_string(pid) + "/stat";
    auto content = HULL_TRY(fs::read_line_file(AT_FDCWD, path));
    return with_context(parse_stat(content), path);
}

Result<uint64_t> start_time(pid_t pid) {
    auto st = HULL_TRY(stat(pid));
    return st.start_time;
}

Liveness liveness(pid_t pid, uint64_t start) {
    if (pid <= 0) return Liveness::Gone;
    auto st = stat(pid);
    if (!st) {
        int err = st.error().err();
        if (err == ENOENT || err == ESRCH) return Liveness::Gone;
        // /proc hidden from us: the best we can do is ask whether the pid exists.
        if (::kill(pid, 0) < 0 && errno == ESRCH) return Liveness::Gone;
        return Liveness::Alive;
    }
    if (st->start_time != start) return Liveness::Gone;
    if (st->state == 'Z' || st->state == 'X') return Liveness::Zombie;
    return Liveness::Alive;
}

// Civil date by calendar arithmetic (std::chrono), not gmtime_r: glibc reads /etc/localtime
// on the first gmtime_r of a process, six system calls on every `create`.
std::string rfc3339(const struct timespec& ts) {
    using namespace std::chrono;
    const sys_seconds secs{seconds{ts.tv_sec}};
    const auto day = floor<days>(secs);
    const year_month_day ymd{day};
    const hh_mm_ss hms{secs - day};
    char buf[128];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02lld.%09ldZ",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<long>(hms.hours().count()),
                  static_cast<long>(hms.minutes().count()),
                  static_cast<long long>(hms.seconds().count()), static_cast<long>(ts.tv_nsec));
    return buf;
}

std::string rfc3339_now() {
    struct timespec ts {};
    clock_gettime(CLOCK_REALTIME, &ts);
    return rfc3339(ts);
}

} // namespace hull::proc
