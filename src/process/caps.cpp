// Capabilities: exactly the configured caps in all five sets, with libcap.
#include "process/steps.hpp"

#include "util/fs.hpp"

#include <sys/capability.h>
#include <sys/prctl.h>

#include <charconv>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace hull::process {

namespace {

using CapBits = uint64_t; // bit n = capability n (the kernel has 41 today, 64 at most)

constexpr CapBits bit(int cap) {
    return CapBits{1} << cap;
}

constexpr int kMaxCap = 63;

struct CapFree {
    void operator()(cap_t c) const { ::cap_free(c); }
};
using CapPtr = std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree>;

std::string cap_name(int cap) {
    if (cap <= cap_number(Capability::CheckpointRestore))
        return std::string(to_string(static_cast<Capability>(cap)));
    return "capability " + std::to_string(cap);
}

// The process's capability sets: effective, permitted and inheritable from one capget; the
// bounding set has no bulk read (one prctl per cap), so a cap's bit is read when first asked.
struct CapState {
    CapBits eff = 0, perm = 0, inh = 0;

    bool bounding(int c) {
        if (!(bnd_known & bit(c))) {
            if (::cap_get_bound(c) == 1) bnd |= bit(c);
            bnd_known |= bit(c);
        }
        return bnd & bit(c);
    }

  private:
    CapBits bnd = 0, bnd_known = 0;
};

Result<CapState> read_state(int last) {
    CapPtr cur(::cap_get_proc());
    if (!cur) return fail_errno("cap_get_proc");
    CapState s;
    for (int c = 0; c <= last; ++c) {
        auto has = [&](cap_flag_t flag) {
            cap_flag_value_t v = CAP_CLEAR;
            return ::cap_get_flag(cur.get(), c, flag, &v) == 0 && v == CAP_SET;
        };
        if (has(CAP_EFFECTIVE)) s.eff |= bit(c);
        if (has(CAP_PERMITTED)) s.perm |= bit(c);
        if (has(CAP_INHERITABLE)) s.inh |= bit(c);
    }
    return s;
}

// Sets effective, permitted and inheritable to exactly these bits.
Result<void> set_proc(int last, CapBits eff, CapBits perm, CapBits inh) {
    CapPtr caps(::cap_init());
    if (!caps) return fail_errno("cap_init");
    for (cap_value_t c = 0; c <= last; ++c) {
        for (auto [flag, bits] : {std::pair{CAP_EFFECTIVE, eff}, std::pair{CAP_PERMITTED, perm},
                                  std::pair{CAP_INHERITABLE, inh}}) {
            if ((bits & bit(c)) && ::cap_set_flag(caps.get(), flag, 1, &c, CAP_SET) != 0) {
                int err = errno;
                return fail_sys(err, "cap_set_flag " + cap_name(c));
            }
        }
    }
    if (::cap_set_proc(caps.get()) != 0) return fail_errno("capset");
    return {};
}

// Caps left out of the sets, grouped so one cap with one reason gives one warning.
class Refusals {
  public:
    void add(int cap, std::string_view set, std::string_view reason) {
        for (auto& e : entries_) {
            if (e.cap == cap && e.reason == reason) {
                e.sets += ", ";
                e.sets += set;
                return;
            }
        }
        entries_.push_back({cap, std::string(reason), std::string(set)});
    }
    void flush(Warnings& out) const {
        for (const auto& e : entries_)
            out.push_back("capability " + cap_name(e.cap) + " cannot be granted (" + e.reason +
                          "); left out of the " + e.sets + " set(s)");
    }

  private:
    struct Entry {
        int cap;
        std::string reason;
        std::string sets;
    };
    std::vector<Entry> entries_;
};

constexpr std::string_view kNotHeld = "the runtime does not hold it";

// The wanted caps of one set, keeping those that `why_not` has no objection to.
template <class WhyNot>
CapBits filter(const std::vector<Capability>& list, std::string_view set, int last,
               Refusals& refused, WhyNot why_not) {
    CapBits out = 0;
    for (auto cap : list) {
        int c = cap_number(cap);
        if (c > last) {
            refused.add(c, set, "not supported by this kernel");
            continue;
        }
        std::string_view reason = why_not(c);
        if (!reason.empty()) {
            refused.add(c, set, reason);
            continue;
        }
        out |= bit(c);
    }
    return out;
}

} // namespace

namespace {

int read_cap_last_cap() {
    if (auto text = fs::read_file("/proc/sys/kernel/cap_last_cap")) {
        int v = -1;
        auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
        if (ec == std::errc() && v >= 0) return v > kMaxCap ? kMaxCap : v;
    }
    int bits = ::cap_max_bits(); // libcap probes the kernel
    return bits > kMaxCap + 1 ? kMaxCap : bits - 1;
}

} // namespace

int cap_last_cap() {
    // Read once: later calls come after the seccomp filter, which may deny open/read.
    static int cached = -1;
    if (cached < 0) cached = read_cap_last_cap();
    return cached;
}

Result<void> raise_effective_caps() {
    CapPtr cur(::cap_get_proc());
    if (!cur) return fail_errno("cap_get_proc");
    int last = cap_last_cap();
    bool changed = false;
    for (cap_value_t c = 0; c <= last; ++c) {
        cap_flag_value_t perm = CAP_CLEAR, eff = CAP_CLEAR;
        if (::cap_get_flag(cur.get(), c, CAP_PERMITTED, &perm) != 0) continue;
        if (::cap_get_flag(cur.get(), c, CAP_EFFECTIVE, &eff) != 0) continue;
        if (perm == CAP_SET && eff != CAP_SET) {
            if (::cap_set_flag(cur.get(), CAP_EFFECTIVE, 1, &c, CAP_SET) != 0) {
                int err = errno;
                return fail_sys(err, "cap_set_flag " + cap_name(c));
            }
            changed = true;
        }
    }
    if (changed && ::cap_set_proc(cur.get()) != 0)
        return fail_errno("capset (raise effective to permitted)");
    return {};
}

Result<void> apply_capabilities(const std::optional<Capabilities>& caps, Warnings& warnings) {
    if (!caps) return {}; // unset: leave them as inherited
    int last = cap_last_cap();
    CapState cur = HULL_TRY_CTX(read_state(last), "capabilities");
    Refusals refused;

    CapBits bnd = filter(caps->bounding, "bounding", last, refused,
                         [&](int c) { return cur.bounding(c) ? std::string_view() : kNotHeld; });
    CapBits perm = filter(caps->permitted, "permitted", last, refused, [&](int c) {
        return (cur.perm & bit(c)) ? std::string_view() : kNotHeld;
    });
    CapBits eff = filter(caps->effective, "effective", last, refused, [&](int c) {
        if (!(cur.perm & bit(c))) return kNotHeld;
        if (!(perm & bit(c))) return std::string_view("it is not in the permitted set");
        return std::string_view();
    });
    // capset(2): a new inheritable cap must be in the old inheritable or permitted set (or
    // CAP_SETPCAP is effective, which raise_effective_caps ensures when permitted), and in the
    // old inheritable or the (new) bounding set.
    bool setpcap = cur.perm & bit(cap_number(Capability::Setpcap));
    CapBits inh = filter(caps->inheritable, "inheritable", last, refused, [&](int c) {
        if (!(cur.inh & bit(c)) && !(cur.perm & bit(c)) && !setpcap) return kNotHeld;
        if (!(cur.inh & bit(c)) && !(bnd & bit(c))) {
            if (!cur.bounding(c)) return kNotHeld;
            return std::string_view("it is not in the bounding set");
        }
        return std::string_view();
    });
    CapBits amb = filter(caps->ambient, "ambient", last, refused, [&](int c) {
        if (!(perm & bit(c)) || !(inh & bit(c))) {
            if (!(cur.perm & bit(c))) return kNotHeld;
            return std::string_view("it is not in both the permitted and inheritable sets");
        }
        return std::string_view();
    });
    refused.flush(warnings);

    // CAP_SETPCAP must be effective to shrink the bounding set.
    HULL_TRY_CTX(raise_effective_caps(), "capabilities");
    // Dropping a cap the set does not hold succeeds, so the set is not read first; only a
    // refusal (no CAP_SETPCAP) looks whether the cap was there at all.
    for (int c = 0; c <= last; ++c) {
        if (!(bnd & bit(c)) && ::cap_drop_bound(c) != 0) {
            int err = errno;
            if (!cur.bounding(c)) continue;
            return fail_sys(err, "drop " + cap_name(c) + " from the bounding set");
        }
    }
    HULL_TRY_CTX(set_proc(last, eff, perm, inh), "capabilities");

    // One prctl (libcap's cap_reset_ambient asks about every cap first).
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && amb != 0)
        return fail_errno("clear the ambient capability set");
    for (int c = 0; c <= last; ++c) {
        if ((amb & bit(c)) && ::cap_set_ambient(c, CAP_SET) != 0) {
            int err = errno;
            warnings.push_back("capability " + cap_name(c) + " cannot be granted in the " +
                               Error::sys(err, "ambient set").message());
        }
    }
    return {};
}

} // namespace hull::process
