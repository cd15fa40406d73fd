#include "util/signals.hpp"

#include <csignal>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <optional>
#include <utility>

namespace hull {
namespace {

struct Named {
    std::string_view name; // without "SIG"
    int signo;
};

// Preferred names first: signal_name() returns the first match for a number.
constexpr std::array<Named, 34> kSignals{{
    {"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP}, {"ABRT", SIGABRT},     {"BUS", SIGBUS},   {"FPE", SIGFPE},
    {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT},
    {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},   {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH},
    {"IO", SIGIO},     {"PWR", SIGPWR},       {"SYS", SIGSYS},   {"IOT", SIGIOT},
    {"CLD", SIGCHLD},  {"POLL", SIGPOLL},
}};

std::string upper(std::string_view s) {
    std::string out(s);
    std::ranges::transform(out, out.begin(),
                           [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

std::optional<int> parse_decimal(std::string_view s) {
    int v = 0;
    const char* end = s.data() + s.size();
    auto [p, ec] = std::from_chars(s.data(), end, v);
    if (s.empty() || ec != std::errc() || p != end) return std::nullopt;
    return v;
}

// "RTMIN", "RTMIN+3", "RTMAX", "RTMAX-1" (already upper-cased, "SIG" stripped).
std::optional<int> parse_realtime(std::string_view name) {
    const bool from_min = name.starts_with("RTMIN");
    if (!from_min && !name.starts_with("RTMAX")) return std::nullopt;
    const int base = from_min ? SIGRTMIN : SIGRTMAX;
    std::string_view rest = name.substr(5);
    if (rest.empty()) return base;
    if (rest[0] != (from_min ? '+' : '-')) return std::nullopt;
    auto off = parse_decimal(rest.substr(1));
    if (!off) return std::nullopt;
    const int signo = from_min ? base + *off : base - *off;
    if (signo < SIGRTMIN || signo > SIGRTMAX) return std::nullopt;
    return signo;
}

} // namespace

Result<int> parse_signal(std::string_view text) {
    if (!text.empty() && std::isdigit(static_cast<unsigned char>(text[0]))) {
        auto n = parse_decimal(text);
        if (!n) return fail("unknown signal \"" + std::string(text) + "\"");
        if (*n < 1 || *n > SIGRTMAX) return fail("invalid signal number " + std::to_string(*n));
        return *n;
    }
    std::string name = upper(text);
    if (name.starts_with("SIG")) name.erase(0, 3);
    for (const auto& s : kSignals)
        if (s.name == name) return s.signo;
    if (auto rt = parse_realtime(name)) return *rt;
    return fail("unknown signal \"" + std::string(text) + "\"");
}

std::string signal_name(int signo) {
    for (const auto& s : kSignals)
        if (s.signo == signo) return "SIG" + std::string(s.name);
    const int lo = SIGRTMIN;
    const int hi = SIGRTMAX;
    if (signo == lo) return "SIGRTMIN";
    if (signo == hi) return "SIGRTMAX";
    if (signo > lo && signo < hi) {
        // The lower half counts up from RTMIN, the upper half down from RTMAX (as kill -l).
        if (signo - lo <= (hi - lo) / 2) return "SIGRTMIN+" + std::to_string(signo - lo);
        return "SIGRTMAX-" + std::to_string(hi - signo);
    }
    return "SIG" + std::to_string(signo);
}

} // namespace hull
