// ps: the processes of a container. --format json prints the host pids as a JSON array; the
// table runs the host's ps(1) with the given options (default -ef) and keeps the header and
// the lines of the container's processes, as runc does.
#include "cli/commands.hpp"

#include "hull/runtime.hpp"
#include "util/fd.hpp"
#include "util/io.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cstdio>

extern char** environ;

namespace hull::cli {
namespace {

// Runs ps(1) from PATH and returns what it wrote to stdout and stderr together.
Result<std::string> run_ps(const std::vector<std::string>& options) {
    std::vector<std::string> argv{"ps"};
    argv.insert(argv.end(), options.begin(), options.end());
    std::vector<char*> cargv;
    for (auto& a : argv)
        cargv.push_back(a.data());
    cargv.push_back(nullptr);

    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) return fail_errno("pipe");
    UniqueFd rd(fds[0]), wr(fds[1]);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, wr.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, wr.get(), STDERR_FILENO);
    pid_t pid = 0;
    int err = posix_spawnp(&pid, "ps", &actions, nullptr, cargv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (err != 0) return fail_sys(err, "run ps");
    wr.reset();

    auto output = io::read_all(rd.get(), "read the output of ps");
    int status = HULL_TRY(io::wait_pid(pid, "wait for ps"));
    std::string out = HULL_TRY(std::move(output));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return out;
    std::string how = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                        : "signal: " + std::to_string(WTERMSIG(status));
    return fail(how + ": " + out);
}

} // namespace

int cmd_ps(const CommandLine& cl) {
    auto pids = runtime::processes(cl.global.root, cl.id());
    if (!pids) return report_error(pids.error());
    if (cl.args.value("format") == "json") {
        std::printf("%s\n", nlohmann::json(*pids).dump().c_str());
        return 0;
    }
    const auto& pos = cl.args.positionals();
    std::vector<std::string> options(pos.begin() + 1, pos.end());
    if (options.empty()) options = {"-ef"};
    auto out = run_ps(options);
    if (!out) return report_error(out.error());
    auto table = runtime::filter_ps_table(*out, *pids);
    if (!table) return report_error(table.error());
    std::fputs(table->c_str(), stdout);
    return 0;
}

} // namespace hull::cli
