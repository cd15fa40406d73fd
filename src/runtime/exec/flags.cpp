// exec's flag form: the config's process with runc's flags applied, and --cgroup parsing.
#include "hull/config_enums.hpp"
#include "hull/config_parse.hpp"
#include "hull/exec.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace hull::runtime {
namespace {

std::unexpected<Error> invalid(std::string text) {
    return std::unexpected(Error(EINVAL, std::move(text)));
}

// strconv.Atoi-like: an optional sign and decimal digits only.
std::optional<long long> to_int(std::string_view s) {
    long long v = 0;
    const char* b = s.data();
    const char* e = s.data() + s.size();
    if (b != e && *b == '+') ++b;
    auto [p, ec] = std::from_chars(b, e, v);
    if (ec != std::errc() || p != e || b == e) return std::nullopt;
    return v;
}

Result<uint32_t> id_value(std::string_view s, std::string_view what) {
    auto v = to_int(s);
    if (!v || *v < 0 || *v > 0xffffffffLL)
        return invalid("parsing " + std::string(s) + " as int for " + std::string(what) +
                       " failed");
    return static_cast<uint32_t>(*v);
}

Result<Capability> cap_value(std::string s) {
    std::ranges::transform(s, s.begin(), [](unsigned char c) { return std::toupper(c); });
    if (!s.starts_with("CAP_")) s = "CAP_" + s;
    auto c = parse_capability(s);
    if (!c) return invalid("unknown capability \"" + s + "\"");
    return *c;
}

void add_cap(std::vector<Capability>& set, Capability c) {
    if (std::ranges::find(set, c) == set.end()) set.push_back(c);
}

// Appends KEY=VALUE, replacing an entry with the same KEY in place.
void set_env(std::vector<std::string>& env, const std::string& entry) {
    std::string key = entry.substr(0, entry.find('='));
    for (auto& e : env)
        if (e.substr(0, e.find('=')) == key) {
            e = entry;
            return;
        }
    env.push_back(entry);
}

} // namespace

Result<Process> process_from_flags(const Process& base, const ExecFlags& f) {
    if (f.args.empty()) return invalid("process args cannot be empty");
    Process p = base;
    p.args = f.args;
    if (f.cwd && !f.cwd->empty()) p.cwd = *f.cwd;
    if (f.apparmor && !f.apparmor->empty()) p.apparmorProfile = *f.apparmor;
    if (f.process_label && !f.process_label->empty()) p.selinuxLabel = *f.process_label;
    if (!f.caps.empty()) {
        Capabilities caps = p.capabilities.value_or(Capabilities{});
        for (const auto& name : f.caps) {
            Capability c = HULL_TRY(cap_value(name));
            add_cap(caps.bounding, c);
            add_cap(caps.effective, c);
            add_cap(caps.permitted, c);
            add_cap(caps.ambient, c);
        }
        p.capabilities = std::move(caps);
    }
    for (const auto& e : f.env)
        set_env(p.env, e);
    p.terminal = f.tty.value_or(false);
    if (f.no_new_privs) p.noNewPrivileges = *f.no_new_privs;
    if (f.user && !f.user->empty()) {
        std::string_view u = *f.user;
        size_t colon = u.find(':');
        if (colon != std::string_view::npos)
            p.user.gid = HULL_TRY(id_value(u.substr(colon + 1), "gid"));
        p.user.uid = HULL_TRY(id_value(u.substr(0, colon), "uid"));
    }
    for (const auto& g : f.additional_gids) {
        auto v = to_int(g);
        if (!v) return invalid("invalid value \"" + g + "\" for --additional-gids");
        if (*v < 0 || *v > 0xffffffffLL)
            return invalid("additional-gids must be a positive number " + g);
        p.user.additionalGids.push_back(static_cast<uint32_t>(*v));
    }
    HULL_TRY(validate_process(p, ""));
    return p;
}

Result<std::map<std::string, std::string>> parse_sub_cgroups(const std::vector<std::string>& args) {
    std::map<std::string, std::string> paths;
    for (const auto& a : args) {
        size_t colon = a.find(':');
        if (colon == std::string::npos) {
            if (args.size() != 1)
                return invalid("invalid --cgroup argument: " + a +
                               " (missing <controller>: prefix)");
            paths[""] = a;
            continue;
        }
        std::string_view rest = std::string_view(a).substr(colon + 1);
        if (rest.find(':') != std::string_view::npos)
            return invalid("invalid --cgroup argument: " + a);
        std::string_view ctrls = std::string_view(a).substr(0, colon);
        for (size_t start = 0;;) {
            size_t comma = ctrls.find(',', start);
            paths[std::string(ctrls.substr(start, comma - start))] = std::string(rest);
            if (comma == std::string_view::npos) break;
            start = comma + 1;
        }
    }
    return paths;
}

} // namespace hull::runtime
