// The compiled-program cache under <state root>/seccomp-cache/.
//
// One file per profile, <16 hex digits of FNV-1a 64 of the identity>.bpf:
//     "HULLBPF1\n" | identity length (8 bytes, native order) | identity | sock_filter[]
// A file is used only when its stored identity equals the wanted one byte for byte, so a
// hash collision costs a recompile, never a wrong filter. Files are written to a temp name
// and renamed (readers see whole files only; two writers of one key write the same bytes).
// A hit refreshes the file's mtime, and after each store the entries beyond
// kCacheMaxEntries with the oldest mtime are removed (a concurrent remover's ENOENT is fine).
#include "seccomp/internal.hpp"
#include "seccomp/seccomp.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <fcntl.h>
#include <seccomp.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <ctime>

namespace hull::seccomp {
namespace {

constexpr std::string_view kMagic = "HULLBPF1\n";
constexpr std::string_view kTempMarker = ".hull-tmp~";
constexpr time_t kStaleTempSeconds = 600;

std::string hex64(uint64_t v) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s(16, '0');
    for (int i = 15; i >= 0; --i, v >>= 4)
        s[static_cast<std::size_t>(i)] = digits[v & 0xf];
    return s;
}

uint64_t fnv1a64(std::string_view data) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : data) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}

std::string file_name(std::string_view identity) {
    return hex64(fnv1a64(identity)) + ".bpf";
}

std::string opt_num(std::optional<uint32_t> v) {
    return v ? std::to_string(*v) : "-";
}

std::string libseccomp_version() {
    const scmp_version* v = ::seccomp_version();
    if (!v) return "unknown";
    return std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
           std::to_string(v->micro);
}

void evict(int dirfd) {
    auto names = fs::list_dir(dirfd);
    if (!names) return;
    struct Entry {
        std::string name;
        timespec mtime;
    };
    std::vector<Entry> entries;
    time_t now = ::time(nullptr);
    for (const auto& n : *names) {
        struct stat st {};
        if (::fstatat(dirfd, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (n.find(kTempMarker) != std::string::npos) {
            if (now - st.st_mtim.tv_sec > kStaleTempSeconds) ::unlinkat(dirfd, n.c_str(), 0);
            continue;
        }
        if (!n.ends_with(".bpf") || !S_ISREG(st.st_mode)) continue;
        entries.push_back({n, st.st_mtim});
    }
    if (entries.size() <= kCacheMaxEntries) return;
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        return a.mtime.tv_sec != b.mtime.tv_sec ? a.mtime.tv_sec < b.mtime.tv_sec
                                                : a.mtime.tv_nsec < b.mtime.tv_nsec;
    });
    for (std::size_t i = 0; i + kCacheMaxEntries < entries.size(); ++i)
        ::unlinkat(dirfd, entries[i].name.c_str(), 0);
}

} // namespace

std::string cache_identity(const Seccomp& p) {
    std::string s = "hull seccomp program v1\n";
    s += "libseccomp " + libseccomp_version() + "\n";
    s += "native " + detail::native_arch_name() + "\n";
    s += "generation optimize=2 sysrawrc=1 enosys-stub=" +
         std::string(detail::wants_enosys_stub(p) ? "1" : "0") + "\n";
    s += "default " + std::string(to_string(p.defaultAction)) + " " + opt_num(p.defaultErrnoRet) +
         "\n";
    s += "archs";
    for (auto a : p.architectures)
        s += " " + std::string(to_string(a));
    s += "\n";
    for (const auto& sc : p.syscalls) {
        s += "rule " + std::string(to_string(sc.action)) + " " + opt_num(sc.errnoRet) + " names";
        for (const auto& n : sc.names)
            s += " " + n;
        s += " args";
        for (const auto& a : sc.args)
            s += " " + std::to_string(a.index) + ":" + std::string(to_string(a.op)) + ":" +
                 std::to_string(a.value) + ":" +
                 (a.valueTwo ? std::to_string(*a.valueTwo) : std::string("-"));
        s += "\n";
    }
    return s;
}

Result<std::pair<CacheResult, std::vector<sock_filter>>> cache_lookup(const std::string& cache_dir,
                                                                      std::string_view identity) {
    using Out = std::pair<CacheResult, std::vector<sock_filter>>;
    std::string name = file_name(identity);
    auto text = fs::read_file(cache_dir + "/" + name);
    if (!text) {
        if (text.error().err() == ENOENT) return Out{CacheResult::Miss, {}};
        return std::unexpected(text.error());
    }
    std::string_view v = *text;
    uint64_t len = 0;
    if (!v.starts_with(kMagic) || v.size() < kMagic.size() + sizeof(len))
        return Out{CacheResult::Miss, {}};
    v.remove_prefix(kMagic.size());
    std::memcpy(&len, v.data(), sizeof(len));
    v.remove_prefix(sizeof(len));
    if (len > v.size() || v.substr(0, len) != identity) return Out{CacheResult::Miss, {}};
    v.remove_prefix(len);
    if (v.empty() || v.size() % sizeof(sock_filter) != 0) return Out{CacheResult::Miss, {}};
    std::vector<sock_filter> prog(v.size() / sizeof(sock_filter));
    std::memcpy(prog.data(), v.data(), v.size());
    // Recently used: eviction goes by mtime.
    (void)::utimensat(AT_FDCWD, (cache_dir + "/" + name).c_str(), nullptr, AT_SYMLINK_NOFOLLOW);
    return Out{CacheResult::Hit, std::move(prog)};
}

Result<void> cache_store(const std::string& cache_dir, std::string_view identity,
                         const std::vector<sock_filter>& bpf) {
    HULL_TRY(fs::mkdir_all(cache_dir, 0700));
    auto dir = HULL_TRY(fs::open_dir(AT_FDCWD, cache_dir));
    std::string data(kMagic);
    uint64_t len = identity.size();
    data.append(reinterpret_cast<const char*>(&len), sizeof(len));
    data.append(identity);
    data.append(reinterpret_cast<const char*>(bpf.data()), bpf.size() * sizeof(sock_filter));
    HULL_TRY(fs::write_file_atomic(dir.get(), file_name(identity), data, 0600));
    evict(dir.get());
    return {};
}

Result<std::vector<sock_filter>> compile_cached(const Seccomp& profile,
                                                const std::string& state_root) {
    const std::string dir = state_root + "/" + std::string(kCacheDirName);
    const std::string identity = cache_identity(profile);
    auto found = cache_lookup(dir, identity);
    if (found && found->first == CacheResult::Hit) {
        log::debug("seccomp: program from cache " + dir + "/" + file_name(identity));
        return std::move(found->second);
    }
    if (!found) log::debug("seccomp: cache lookup failed: " + found.error().message());
    auto bpf = HULL_TRY(compile_bpf(profile));
    log::debug("seccomp: compiled the profile with libseccomp (" + std::to_string(bpf.size()) +
               " instructions)");
    if (auto r = cache_store(dir, identity, bpf); !r)
        log::warn("seccomp: cannot cache the compiled program: " + r.error().message());
    return bpf;
}

} // namespace hull::seccomp
