// The container lifecycle as the command line drives it: create, start, state, kill,
// delete, run, list. Each call opens the store under `root`, takes the container's lock and
// returns an error whose text callers can match ("does not exist", "container not running",
// "already exists").
#pragma once

#include "hull/error.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace hull::runtime {

enum class PivotMode { PivotRoot, NoPivot };

struct CreateOptions {
    std::string root;           // state root (--root)
    std::string id;
    std::string bundle;         // --bundle, default the current directory
    std::string config_path;    // -f/--config; empty = <bundle>/config.json
    std::string console_socket; // --console-socket
    std::string pid_file;       // --pid-file
    PivotMode pivot = PivotMode::PivotRoot;
    int preserve_fds = 0;       // --preserve-fds: fds 3 .. 3+N-1 stay open in the container
};

Result<void> create(const CreateOptions& opts);
Result<void> start(const std::string& root, const std::string& id);

// The runc-shaped state object of one container.
Result<nlohmann::ordered_json> state(const std::string& root, const std::string& id);
// The state objects of every container under root, sorted by id.
Result<std::vector<nlohmann::ordered_json>> list(const std::string& root);

enum class KillScope { Init, All };
Result<void> kill(const std::string& root, const std::string& id, int signal, KillScope scope);

enum class DeleteMode { Normal, Force };
Result<void> remove(const std::string& root, const std::string& id, DeleteMode mode);

enum class RunMode { Foreground, Detach };
enum class KeepMode { Remove, Keep };
enum class Subreaper { Yes, No };
struct RunOptions {
    CreateOptions create;
    RunMode mode = RunMode::Foreground;
    KeepMode keep = KeepMode::Remove;
    Subreaper subreaper = Subreaper::Yes;
};
// Foreground: the container's exit code (128 + signal when killed). Detached: 0.
Result<int> run(const RunOptions& opts);

} // namespace hull::runtime
