// Error, warning and debug messages of the runtime, in the shapes callers parse.
//
// Where messages go (decided once by configure(); the sinks are created lazily on the
// first message, so a command that logs nothing creates no log file):
//   text, no --log:  stderr, "hull: <msg>" ("hull: warning: <msg>", "hull: debug: <msg>")
//   text, --log F:   F gets `time="..." level=error msg="..."` lines (logrus-like);
//                    errors are also written to stderr as "hull: <msg>" (conmon reads it)
//   json, no --log:  stderr gets one JSON object per line
//   json, --log F:   F gets one JSON object per error, and warnings/debug lines only with
//                    --debug: podman decodes the whole file as ONE object when the runtime
//                    fails, so a warning line before the error would hide it (crun also
//                    writes only errors by default). Errors also go to stderr as
//                    "hull: <msg>", as with runc and crun (conmon's fallback message).
// A JSON line is exactly {"level":"error","msg":"...","time":"<RFC3339 UTC, ns>Z"} (keys
// in that order), the shape containerd and podman decode. Levels: error, warning, debug.
// Debug messages are dropped unless Options::debug is set.
//
// The log file is opened O_APPEND|O_CLOEXEC (created 0600) and every line is one write(2),
// with no user-space buffering, so a fork never duplicates pending output.
#pragma once

#include <string>
#include <string_view>

namespace hull::log {

enum class Format { Text, Json };

struct Options {
    std::string path; // empty: stderr
    Format format = Format::Text;
    bool debug = false;
};

// Remembers the options and drops any logger made under earlier options. Opens nothing.
void configure(Options options);

// Opens the log file now if --log named one (as the first message would) and returns its
// fd, or -1 when messages go to stderr. A child that closes the fds it inherited (the
// container init) keeps this one, so its messages still reach the file after pivot_root.
int file_fd();

void error(std::string_view msg);
void warn(std::string_view msg);
void debug(std::string_view msg);

} // namespace hull::log
