// The cgroup v2 device filter: linux.resources.devices compiled into a
// BPF_PROG_TYPE_CGROUP_DEVICE program, loaded and attached with bpf(2) (no libbpf).
//
// Semantics: no rules = no filter (one hull attached before is detached). Otherwise default
// deny; for every access bit requested (m, r, w), the last rule that matches the device (type,
// major, minor) and names that bit decides it, and a request is allowed when all its bits are.
// That is how the v1 devices controller treats rules written in config order (an allow adds
// access, a deny takes it away, "a *:* rwm" resets everything), with two differences where
// crun's filter does the same as this one: v1 reads any rule of type 'a' as "every device,
// every access", and v1 merges access only between rules naming the very same device.
//
// The program walks the rules from the last to the first, keeping the bits not yet decided
// in w3:
//   prologue: w2 = device type, w3 = requested access, w4 = major, w5 = minor
//   per rule: skip it unless type/major/minor match (only the fields the rule sets), then
//     allow: w3 &= ~access; if w3 == 0 return 1     (every bit decided, all allowed)
//     deny:  if (w3 & access) != 0 return 0          (a requested bit is denied)
//   epilogue: return 0                                (bits no rule named are denied)
#include "cgroups/bpf_insn.hpp"
#include "cgroups/devices.hpp"

#include "util/log.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

namespace hull::cgroups {

namespace bpf {

namespace {

int sys_bpf(int cmd, bpf_attr& attr) {
    return static_cast<int>(::syscall(SYS_bpf, cmd, &attr, sizeof(attr)));
}

uint64_t ptr(const void* p) {
    return reinterpret_cast<uintptr_t>(p);
}

// The license only matters for GPL-only helpers; the filter calls no helper at all.
constexpr char kLicense[] = "Apache-2.0";

int load(std::span<const bpf_insn> insns, char* log, uint32_t log_size) {
    bpf_attr attr{};
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.expected_attach_type = BPF_CGROUP_DEVICE;
    attr.insns = ptr(insns.data());
    attr.insn_cnt = static_cast<uint32_t>(insns.size());
    attr.license = ptr(kLicense);
    static_assert(sizeof(kDeviceFilterName) <= BPF_OBJ_NAME_LEN);
    std::memcpy(attr.prog_name, kDeviceFilterName, sizeof(kDeviceFilterName));
    if (log != nullptr) {
        attr.log_level = 1;
        attr.log_buf = ptr(log);
        attr.log_size = log_size;
    }
    return sys_bpf(BPF_PROG_LOAD, attr);
}

} // namespace

Result<UniqueFd> load_device_program(std::span<const bpf_insn> insns) {
    int fd = load(insns, nullptr, 0);
    if (fd >= 0) return UniqueFd(fd);
    const int err = errno;
    // Ask again with the verifier log (only kept for the error: it costs time to produce).
    std::vector<char> log(64 * 1024, '\0');
    fd = load(insns, log.data(), static_cast<uint32_t>(log.size()));
    if (fd >= 0) return UniqueFd(fd); // a transient failure (EAGAIN, ENOMEM)
    std::string text(log.data(), ::strnlen(log.data(), log.size()));
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    constexpr std::size_t kMax = 2000; // the verdict is at the end of the log
    if (text.size() > kMax) text = "..." + text.substr(text.size() - kMax);
    std::string msg = "load device filter: ";
    msg += std::strerror(err);
    msg += "; verifier log: ";
    msg += text.empty() ? "(empty)" : text;
    return std::unexpected(Error(err, std::move(msg)));
}

} // namespace bpf

namespace {

using namespace bpf;

// Registers of the program (see the top of the file).
constexpr uint8_t R0 = 0, CTX = 1, TYPE = 2, ACCESS = 3, MAJOR = 4, MINOR = 5;
constexpr int32_t kAllAccess = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;

Result<int32_t> access_bits(const std::optional<std::string>& access) {
    if (!access || access->empty()) return kAllAccess; // unset: every access
    int32_t bits = 0;
    for (char c : *access) {
        switch (c) {
        case 'r':
            bits |= BPF_DEVCG_ACC_READ;
            break;
        case 'w':
            bits |= BPF_DEVCG_ACC_WRITE;
            break;
        case 'm':
            bits |= BPF_DEVCG_ACC_MKNOD;
            break;
        default:
            return fail("invalid access \"" + *access + "\" (a mix of r, w, m)");
        }
    }
    return bits;
}

// nullopt = any number ('*'): unset or -1, as runc reads it.
Result<std::optional<uint32_t>> device_number(std::optional<int64_t> n, std::string_view what) {
    if (!n || *n == -1) return std::optional<uint32_t>{};
    if (*n < 0 || *n > 0xffffffffLL)
        return fail("invalid " + std::string(what) + " " + std::to_string(*n));
    return std::optional<uint32_t>(static_cast<uint32_t>(*n));
}

// A rule checked and in the program's terms.
struct Rule {
    bool allow = false;
    std::optional<DeviceRuleType> type;
    std::optional<uint32_t> major, minor; // nullopt: any
    int32_t bits = kAllAccess;
};

Result<Rule> check_rule(const DeviceRule& r) {
    return Rule{.allow = r.allow,
                .type = r.type,
                .major = HULL_TRY(device_number(r.major, "major")),
                .minor = HULL_TRY(device_number(r.minor, "minor")),
                .bits = HULL_TRY(access_bits(r.access))};
}

enum class Final { No, Yes };

// Appends the instructions of one rule; every "skip" jump lands right after them. Final::Yes
// when the rule decides every request (it has no skip), so nothing after it would run.
Final append_rule(std::vector<bpf_insn>& prog, const Rule& rule) {
    std::vector<bpf_insn> block;
    std::vector<std::size_t> skips; // indexes of the jumps to the end of the block
    auto skip_unless_equal = [&](uint8_t reg, uint32_t value) {
        skips.push_back(block.size());
        block.push_back(jne32_imm(reg, value, 0));
    };
    if (rule.type == DeviceRuleType::Char) skip_unless_equal(TYPE, BPF_DEVCG_DEV_CHAR);
    if (rule.type == DeviceRuleType::Block) skip_unless_equal(TYPE, BPF_DEVCG_DEV_BLOCK);
    if (rule.major) skip_unless_equal(MAJOR, *rule.major);
    if (rule.minor) skip_unless_equal(MINOR, *rule.minor);

    if (rule.allow) {
        if (rule.bits != kAllAccess) {
            block.push_back(and32_imm(ACCESS, ~rule.bits & kAllAccess));
            skip_unless_equal(ACCESS, 0); // some requested bit is still undecided
        }
        block.push_back(mov32_imm(R0, 1));
    } else {
        if (rule.bits != kAllAccess) {
            block.push_back(mov32_reg(R0, ACCESS));
            block.push_back(and32_imm(R0, rule.bits));
            skips.push_back(block.size());
            block.push_back(jeq32_imm(R0, 0, 0)); // no requested bit is denied here
        }
        block.push_back(mov32_imm(R0, 0));
    }
    block.push_back(exit_insn());

    for (std::size_t i : skips)
        block[i].off = static_cast<int16_t>(block.size() - i - 1);
    prog.insert(prog.end(), block.begin(), block.end());
    return skips.empty() ? Final::Yes : Final::No;
}

Result<std::vector<bpf_insn>> build_program(const std::vector<DeviceRule>& rules) {
    std::vector<Rule> checked;
    for (std::size_t i = 0; i < rules.size(); ++i)
        checked.push_back(HULL_TRY_CTX(check_rule(rules[i]), "rule " + std::to_string(i)));

    std::vector<bpf_insn> prog = {
        load_u32(TYPE, CTX, offsetof(bpf_cgroup_dev_ctx, access_type)),
        and32_imm(TYPE, 0xffff),
        load_u32(ACCESS, CTX, offsetof(bpf_cgroup_dev_ctx, access_type)),
        rsh32_imm(ACCESS, 16),
        load_u32(MAJOR, CTX, offsetof(bpf_cgroup_dev_ctx, major)),
        load_u32(MINOR, CTX, offsetof(bpf_cgroup_dev_ctx, minor)),
    };
    // Last rule first. The verifier refuses unreachable instructions, so the program ends
    // at the first rule (from the end) that decides every request.
    for (auto it = checked.rbegin(); it != checked.rend(); ++it)
        if (append_rule(prog, *it) == Final::Yes) return prog;
    prog.push_back(mov32_imm(R0, 0));
    prog.push_back(exit_insn());
    return prog;
}

// Device filters hull attached to the directory before (found by program name).
Result<std::vector<UniqueFd>> hull_filters(int dir_fd) {
    std::vector<uint32_t> ids(16);
    bpf_attr attr{};
    for (;;) {
        attr = {};
        attr.query.target_fd = static_cast<uint32_t>(dir_fd);
        attr.query.attach_type = BPF_CGROUP_DEVICE;
        attr.query.prog_ids = ptr(ids.data());
        attr.query.prog_cnt = static_cast<uint32_t>(ids.size());
        if (sys_bpf(BPF_PROG_QUERY, attr) == 0) break;
        if (errno != ENOSPC) return fail_errno("query device filters");
        ids.resize(attr.query.prog_cnt + 16);
    }
    ids.resize(attr.query.prog_cnt);

    std::vector<UniqueFd> ours;
    for (uint32_t id : ids) {
        bpf_attr get{};
        get.prog_id = id;
        UniqueFd fd(sys_bpf(BPF_PROG_GET_FD_BY_ID, get));
        if (!fd) {
            if (errno == ENOENT) continue; // detached and freed meanwhile
            return fail_errno("open device filter " + std::to_string(id));
        }
        bpf_prog_info info{};
        bpf_attr ask{};
        ask.info.bpf_fd = static_cast<uint32_t>(fd.get());
        ask.info.info_len = sizeof(info);
        ask.info.info = ptr(&info);
        if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, ask) != 0)
            return fail_errno("inspect device filter " + std::to_string(id));
        if (std::strncmp(info.name, kDeviceFilterName, sizeof(info.name)) == 0)
            ours.push_back(std::move(fd));
    }
    return ours;
}

int attach(int dir_fd, int prog_fd, int replace_fd) {
    bpf_attr attr{};
    attr.target_fd = static_cast<uint32_t>(dir_fd);
    attr.attach_bpf_fd = static_cast<uint32_t>(prog_fd);
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    if (replace_fd >= 0) {
        attr.attach_flags |= BPF_F_REPLACE;
        attr.replace_bpf_fd = static_cast<uint32_t>(replace_fd);
    }
    return sys_bpf(BPF_PROG_ATTACH, attr);
}

int detach(int dir_fd, int prog_fd) {
    bpf_attr attr{};
    attr.target_fd = static_cast<uint32_t>(dir_fd);
    attr.attach_bpf_fd = static_cast<uint32_t>(prog_fd);
    attr.attach_type = BPF_CGROUP_DEVICE;
    return sys_bpf(BPF_PROG_DETACH, attr);
}

} // namespace

Result<void> apply_devices_v2(int dir_fd, const std::vector<DeviceRule>& rules) {
    const auto insns = HULL_TRY_CTX(build_program(rules), "device filter");
    // bpf(2) refuses O_PATH fds (EBADF): reopen such a one for reading.
    UniqueFd reopened;
    const int flags = ::fcntl(dir_fd, F_GETFL);
    if (flags < 0) return fail_errno("device filter: cgroup directory fd");
    if ((flags & O_PATH) != 0) {
        const std::string self = "/proc/self/fd/" + std::to_string(dir_fd);
        reopened.reset(::open(self.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!reopened) return fail_errno("device filter: reopen the cgroup directory");
        dir_fd = reopened.get();
    }
    std::vector<UniqueFd> old = HULL_TRY(hull_filters(dir_fd));
    if (rules.empty()) { // no filter at all: the cgroup is unrestricted
        for (const UniqueFd& fd : old) {
            if (detach(dir_fd, fd.get()) != 0 && errno != ENOENT)
                return fail_errno("detach the previous device filter");
        }
        return {};
    }
    UniqueFd prog = HULL_TRY(load_device_program(insns));

    // One earlier filter: swap it for the new one in a single step (Linux >= 5.6).
    if (old.size() == 1) {
        if (attach(dir_fd, prog.get(), old[0].get()) == 0) return {};
        if (errno != EINVAL && errno != ENOENT) return fail_errno("replace device filter");
        log::debug("device filter: BPF_F_REPLACE failed (" + std::string(std::strerror(errno)) +
                   "), attaching then detaching");
    }
    // Otherwise attach first, then detach the old ones: in between both apply, which only
    // denies more, never less.
    if (attach(dir_fd, prog.get(), -1) != 0) return fail_errno("attach device filter");
    for (const UniqueFd& fd : old) {
        if (detach(dir_fd, fd.get()) != 0 && errno != ENOENT)
            return fail_errno("detach the previous device filter");
    }
    return {};
}

} // namespace hull::cgroups
