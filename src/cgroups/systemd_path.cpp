// The systemd driver's reading of linux.cgroupsPath ("slice:prefix:name") and slice names.
#include "cgroups/systemd.hpp"

namespace hull::cgroups::systemd {

namespace {
constexpr std::string_view kSliceSuffix = ".slice";

bool ends_with_slice(std::string_view s) {
    return s.size() >= kSliceSuffix.size() && s.ends_with(kSliceSuffix);
}
} // namespace

std::string_view to_string(Manager m) {
    return m == Manager::User ? "user" : "system";
}

bool UnitSpec::is_slice() const {
    return ends_with_slice(unit);
}

Result<std::string> expand_slice(std::string_view slice) {
    auto bad = [&] { return fail("invalid slice name \"" + std::string(slice) + "\""); };
    if (slice.size() <= kSliceSuffix.size() || !ends_with_slice(slice)) return bad();
    if (slice.find('/') != std::string_view::npos) return bad();
    std::string_view base = slice.substr(0, slice.size() - kSliceSuffix.size());
    if (base == "-") return std::string("/");
    std::string path, prefix;
    size_t pos = 0;
    for (;;) {
        size_t dash = base.find('-', pos);
        std::string_view part =
            base.substr(pos, dash == std::string_view::npos ? dash : dash - pos);
        if (part.empty()) return bad(); // "-a.slice", "a--b.slice", "a-.slice"
        path += "/" + prefix + std::string(part) + std::string(kSliceSuffix);
        prefix += std::string(part) + "-";
        if (dash == std::string_view::npos) break;
        pos = dash + 1;
    }
    return path;
}

Result<UnitSpec> parse_cgroups_path(const std::optional<std::string>& cgroupsPath,
                                    std::string_view id, Manager m) {
    const std::string default_slice = m == Manager::User ? "user.slice" : "system.slice";
    if (!cgroupsPath || cgroupsPath->empty())
        return UnitSpec{.slice = default_slice, .unit = "hull-" + std::string(id) + ".scope"};
    const std::string& p = *cgroupsPath;
    auto bad = [&] {
        return fail("expected cgroupsPath to be of format \"slice:prefix:name\" for systemd "
                    "cgroups, got \"" +
                    p + "\" instead");
    };
    size_t a = p.find(':');
    if (a == std::string::npos) return bad();
    size_t b = p.find(':', a + 1);
    if (b == std::string::npos || p.find(':', b + 1) != std::string::npos) return bad();
    std::string slice = p.substr(0, a);
    std::string prefix = p.substr(a + 1, b - a - 1);
    std::string name = p.substr(b + 1);
    if (name.empty()) return fail("cgroupsPath \"" + p + "\": the name part is empty");
    if (name.find('/') != std::string::npos || prefix.find('/') != std::string::npos)
        return fail("cgroupsPath \"" + p + "\": unit names cannot contain '/'");
    if (slice.empty()) slice = default_slice;
    HULL_TRY_CTX(expand_slice(slice), "cgroupsPath \"" + p + "\"");
    UnitSpec spec{.slice = slice, .unit = ""};
    if (ends_with_slice(name)) {
        HULL_TRY_CTX(expand_slice(name), "cgroupsPath \"" + p + "\"");
        spec.unit = name;
    } else {
        spec.unit = prefix + "-" + name + ".scope";
    }
    return spec;
}

} // namespace hull::cgroups::systemd
