#include "runtime/systemd_unit.hpp"

#include "util/fs.hpp"
#include "util/io.hpp"
#include "util/log.hpp"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hull::runtime {

namespace sd = cgroups::systemd;

namespace {
constexpr const char* kDriverKey = "cgroupDriver";
constexpr const char* kManagerKey = "systemdManager";
constexpr const char* kUnitKey = "systemdUnit";

std::string proc_devices() {
    auto text = fs::read_file("/proc/devices");
    return text ? *text : std::string();
}
} // namespace

std::optional<SystemdUnit> systemd_unit(const ContainerState& st) {
    auto d = st.extra.find(kDriverKey);
    auto u = st.extra.find(kUnitKey);
    if (d == st.extra.end() || *d != "systemd" || u == st.extra.end() || !u->is_string())
        return std::nullopt;
    auto m = st.extra.find(kManagerKey);
    const bool user = m != st.extra.end() && *m == "user";
    return SystemdUnit{.manager = user ? sd::Manager::User : sd::Manager::System,
                       .unit = u->get<std::string>()};
}

UnitStart::~UnitStart() {
    release();
}

void UnitStart::release() {
    if (placeholder_fd_ >= 0) close(placeholder_fd_);
    placeholder_fd_ = -1;
    if (placeholder_ > 0) {
        kill(placeholder_, SIGKILL);
        (void)io::wait_pid(placeholder_, "wait for the unit's placeholder");
    }
    placeholder_ = -1;
}

Result<std::string> UnitStart::start(const Config& cfg, const std::string& id, const Resources& res,
                                     ContainerState& st) {
    unit_.manager = geteuid() == 0 ? sd::Manager::System : sd::Manager::User;
    const auto spec =
        HULL_TRY_CTX(sd::parse_cgroups_path(cfg.linux ? cfg.linux->cgroupsPath : std::nullopt, id,
                                            unit_.manager),
                     "linux.cgroupsPath");
    unit_.unit = spec.unit;
    sd::Properties props;
    if (!spec.is_slice()) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0) return fail_errno("pipe for the unit's placeholder");
        pid_t pid = fork();
        if (pid < 0) {
            close(p[0]);
            close(p[1]);
            return fail_errno("fork the unit's placeholder");
        }
        if (pid == 0) { // waits until hull closes its end (or dies)
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            close(p[1]);
            char c;
            (void)io::retry_eintr([&] { return read(p[0], &c, 1); });
            _exit(0);
        }
        close(p[0]);
        placeholder_ = pid;
        placeholder_fd_ = p[1];
    }
    props = sd::unit_properties(spec, placeholder_, "hull container " + id);
    for (auto& p : HULL_TRY_CTX(sd::resource_properties(res, proc_devices()), "linux.resources"))
        props.push_back(std::move(p));
    for (auto& p : HULL_TRY(sd::annotation_properties(cfg.annotations)))
        props.push_back(std::move(p));
    std::string path = HULL_TRY(sd::start_unit(unit_.manager, unit_.unit, props));
    started_ = true;
    st.extra[kDriverKey] = "systemd";
    st.extra[kManagerKey] = std::string(sd::to_string(unit_.manager));
    st.extra[kUnitKey] = unit_.unit;
    log::debug("systemd unit " + unit_.unit + ", cgroup " + path);
    return path;
}

void UnitStart::undo() {
    release();
    if (!started_) return;
    started_ = false;
    if (auto r = sd::stop_unit(unit_.manager, unit_.unit); !r)
        log::warn("clean up after a failed create: " + r.error().message());
}

Result<void> join_unit_cgroup(const SystemdUnit& u, pid_t pid,
                              const std::function<Result<void>()>& add) {
    auto r = add();
    if (r || (r.error().err() != EACCES && r.error().err() != EPERM)) return r;
    log::debug(r.error().message() + ": asking systemd to move it into " + u.unit);
    return sd::attach_process(u.manager, u.unit, pid);
}

Result<void> update_unit(const SystemdUnit& u, const Resources& r) {
    Resources no_devices = r;
    no_devices.devices.clear();
    auto props = HULL_TRY(sd::resource_properties(no_devices, ""));
    return sd::set_unit_properties(u.manager, u.unit, props);
}

Result<void> stop_container_unit(const SystemdUnit& u) {
    return sd::stop_unit(u.manager, u.unit);
}

} // namespace hull::runtime
