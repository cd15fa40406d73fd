// hull::log: spdlog frontend with one small fd sink that formats each line itself.
#include "util/log.hpp"

#include "util/fd.hpp"
#include "util/io.hpp"
#include "util/proc.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/details/null_mutex.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>

namespace hull::log {
namespace {

using spdlog::level::level_enum;

enum class Style { Plain, Logfmt, Json };

std::string_view level_name(level_enum level) {
    switch (level) {
    case level_enum::err:
    case level_enum::critical:
        return "error";
    case level_enum::warn:
        return "warning";
    case level_enum::debug:
    case level_enum::trace:
        return "debug";
    default:
        return "info";
    }
}

// RFC 3339 in UTC with nanoseconds: 2026-11-23T14:09:56.123456789Z
std::string rfc3339_nano(std::chrono::system_clock::time_point t) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch());
    const long long total = ns.count();
    struct timespec ts {};
    ts.tv_sec = static_cast<time_t>(total / 1000000000LL);
    ts.tv_nsec = static_cast<long>(total % 1000000000LL);
    return proc::rfc3339(ts);
}

// A JSON string literal for any byte string (invalid UTF-8 is replaced, never thrown on).
std::string json_quote(std::string_view s) {
    return nlohmann::json(std::string(s))
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A double-quoted logfmt value: backslash, quote and control bytes escaped.
std::string logfmt_quote(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
                out += buf;
            } else {
                out += c;
            }
        }
    }
    out += '"';
    return out;
}

std::string format_line(Style style, level_enum level, std::chrono::system_clock::time_point t,
                        std::string_view msg) {
    std::string line;
    switch (style) {
    case Style::Plain:
        line = "hull: ";
        if (level != level_enum::err && level != level_enum::critical) {
            line += level_name(level);
            line += ": ";
        }
        line += msg;
        break;
    case Style::Logfmt:
        line = "time=\"" + rfc3339_nano(t) + "\" level=" + std::string(level_name(level)) +
               " msg=" + logfmt_quote(msg);
        break;
    case Style::Json:
        line = "{\"level\":" + json_quote(level_name(level)) + ",\"msg\":" + json_quote(msg) +
               ",\"time\":\"" + rfc3339_nano(t) + "\"}";
        break;
    }
    line += '\n';
    return line;
}

// Writes each message as one line with one write(2); single-threaded (null_mutex).
class FdSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
  public:
    int fd() const { return fd_; }
    bool owns_fd() const { return static_cast<bool>(owned_); }
    FdSink(int fd, Style style) : fd_(fd), style_(style) {}
    FdSink(UniqueFd owned, Style style) : owned_(std::move(owned)), style_(style) {
        fd_ = owned_.get();
    }

  protected:
    void sink_it_(const spdlog::details::log_msg& m) override {
        // Nowhere left to report a failing log write.
        (void)io::write_all(fd_, format_line(style_, m.level, m.time,
                                             std::string_view(m.payload.data(), m.payload.size())));
    }
    void flush_() override {}

  private:
    UniqueFd owned_;
    int fd_ = -1;
    Style style_;
};

struct State {
    Options options;
    std::shared_ptr<spdlog::logger> logger;
};

State& state() {
    static State s;
    return s;
}

std::shared_ptr<spdlog::logger> make_logger(const Options& o) {
    std::vector<spdlog::sink_ptr> sinks;
    const Style file_style = o.format == Format::Json ? Style::Json : Style::Logfmt;
    const Style stderr_style = o.format == Format::Json ? Style::Json : Style::Plain;
    bool use_stderr_for_all = o.path.empty();
    if (!o.path.empty()) {
        UniqueFd fd(
            ::open(o.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600));
        if (fd) {
            auto file_sink = std::make_shared<FdSink>(std::move(fd), file_style);
            // podman decodes the whole JSON file as one object: only the error goes in,
            // unless --debug asked for every line.
            if (o.format == Format::Json && !o.debug) file_sink->set_level(level_enum::err);
            sinks.push_back(std::move(file_sink));
            // As runc and crun: the error also goes to stderr, which conmon forwards when
            // it cannot decode the log file.
            auto err_sink = std::make_shared<FdSink>(STDERR_FILENO, Style::Plain);
            err_sink->set_level(level_enum::err);
            sinks.push_back(std::move(err_sink));
        } else {
            const int err = errno;
            (void)io::write_all(STDERR_FILENO,
                                "hull: open log file " + o.path + ": " + std::strerror(err) + "\n");
            use_stderr_for_all = true;
        }
    }
    if (use_stderr_for_all) sinks.push_back(std::make_shared<FdSink>(STDERR_FILENO, stderr_style));
    auto logger = std::make_shared<spdlog::logger>("hull", sinks.begin(), sinks.end());
    logger->set_level(o.debug ? level_enum::debug : level_enum::warn);
    return logger;
}

void emit(level_enum level, std::string_view msg) {
    State& s = state();
    if (level == level_enum::debug && !s.options.debug) return;
    if (!s.logger) s.logger = make_logger(s.options);
    s.logger->log(spdlog::source_loc{}, level, spdlog::string_view_t(msg.data(), msg.size()));
}

} // namespace

void configure(Options options) {
    State& s = state();
    s.options = std::move(options);
    s.logger.reset();
}

int file_fd() {
    State& s = state();
    if (s.options.path.empty()) return -1;
    if (!s.logger) s.logger = make_logger(s.options);
    for (const auto& sink : s.logger->sinks()) {
        const auto* fs = dynamic_cast<const FdSink*>(sink.get());
        if (fs && fs->owns_fd()) return fs->fd();
    }
    return -1;
}

void error(std::string_view msg) {
    emit(level_enum::err, msg);
}
void warn(std::string_view msg) {
    emit(level_enum::warn, msg);
}
void debug(std::string_view msg) {
    emit(level_enum::debug, msg);
}

} // namespace hull::log
