// The persisted state.json format and the runc-shaped `state` output.
#include "state/state.hpp"

#include "util/build_info.h"

#include <pwd.h>
#include <unistd.h>

#include <vector>

namespace hull {

namespace {
// Bumped when the persisted layout changes incompatibly.
constexpr int kStateFormat = 1;
} // namespace

std::string owner_name(uid_t euid) {
    if (euid == 0) return "";
    long size = sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buf(size > 0 ? static_cast<size_t>(size) : 16384);
    struct passwd pw {};
    struct passwd* res = nullptr;
    if (getpwuid_r(euid, &pw, buf.data(), buf.size(), &res) == 0 && res && res->pw_name)
        return res->pw_name;
    return std::to_string(euid);
}

nlohmann::json to_persisted_json(const ContainerState& st) {
    return nlohmann::json{
        {"format", kStateFormat},
        {"id", st.id},
        {"pid", st.pid},
        {"pid_start_time", st.pid_start_time},
        {"status", std::string(to_string(st.status))},
        {"bundle", st.bundle},
        {"rootfs", st.rootfs},
        {"created", st.created},
        {"owner", st.owner},
        {"annotations", st.annotations},
        {"extra", st.extra.is_null() ? nlohmann::json::object() : st.extra},
    };
}

Result<ContainerState> from_persisted_json(std::string_view text) {
    ContainerState st;
    std::string status;
    try {
        auto j = nlohmann::json::parse(text);
        if (!j.is_object()) return fail_sys(EINVAL, "state: not a JSON object");
        if (int format = j.value("format", 0); format != kStateFormat)
            return fail_sys(EINVAL, "state: unsupported format " + std::to_string(format));
        st.id = j.at("id").get<std::string>();
        st.pid = j.at("pid").get<pid_t>();
        st.pid_start_time = j.at("pid_start_time").get<uint64_t>();
        status = j.at("status").get<std::string>();
        st.bundle = j.at("bundle").get<std::string>();
        st.rootfs = j.value("rootfs", std::string());
        st.created = j.value("created", std::string());
        st.owner = j.value("owner", std::string());
        if (auto a = j.find("annotations"); a != j.end() && !a->is_null())
            st.annotations = a->get<std::map<std::string, std::string>>();
        if (auto e = j.find("extra"); e != j.end() && !e->is_null()) st.extra = *e;
    } catch (const nlohmann::json::exception& e) {
        return fail_sys(EINVAL, std::string("state: ") + e.what());
    }
    st.status = HULL_TRY_CTX(parse_status(status), "state");
    return st;
}

nlohmann::ordered_json to_runc_json(const ContainerState& st, Status live) {
    nlohmann::ordered_json j;
    j["ociVersion"] = HULL_SPEC_VERSION;
    j["id"] = st.id;
    j["pid"] = live == Status::Stopped ? 0 : st.pid;
    j["status"] = std::string(to_string(live));
    j["bundle"] = st.bundle;
    j["rootfs"] = st.rootfs;
    j["created"] = st.created;
    if (!st.annotations.empty()) {
        nlohmann::ordered_json a = nlohmann::ordered_json::object();
        for (const auto& [k, v] : st.annotations)
            a[k] = v;
        j["annotations"] = std::move(a);
    }
    j["owner"] = st.owner;
    return j;
}

} // namespace hull
