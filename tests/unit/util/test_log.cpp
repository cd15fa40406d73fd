#include "util/log.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace hl = hull::log;

struct TempDir {
    std::string path;
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "hull-log-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()));
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
        hl::configure({}); // leave the default (stderr, text) for other tests
    }
    std::string file(const std::string& name) const { return path + "/" + name; }
};

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    for (std::string l; std::getline(ss, l);)
        out.push_back(l);
    return out;
}

bool exists(const std::string& path) {
    return ::access(path.c_str(), F_OK) == 0;
}

// Redirects fd 2 into a file for the lifetime of the object.
class StderrCapture {
  public:
    explicit StderrCapture(std::string path) : path_(std::move(path)) {
        std::fflush(stderr);
        saved_ = ::dup(STDERR_FILENO);
        const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        REQUIRE(fd >= 0);
        ::dup2(fd, STDERR_FILENO);
        ::close(fd);
    }
    ~StderrCapture() { restore(); }
    std::string take() {
        restore();
        return slurp(path_);
    }

  private:
    void restore() {
        if (saved_ < 0) return;
        ::dup2(saved_, STDERR_FILENO);
        ::close(saved_);
        saved_ = -1;
    }
    std::string path_;
    int saved_ = -1;
};

const std::regex kRfc3339Nano(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z)");

// Checks one JSON log line: exact key order, level, message, a time close to now.
void check_json_line(const std::string& line, const std::string& level, const std::string& msg) {
    INFO(line);
    REQUIRE(line.starts_with("{\"level\":\"" + level + "\",\"msg\":"));
    const auto time_pos = line.rfind(",\"time\":\"");
    REQUIRE(time_pos != std::string::npos);
    REQUIRE(line.ends_with("\"}"));
    auto j = nlohmann::json::parse(line);
    REQUIRE(j.is_object());
    CHECK(j.size() == 3);
    CHECK(j.at("level") == level);
    CHECK(j.at("msg") == msg);
    const std::string t = j.at("time");
    CHECK(std::regex_match(t, kRfc3339Nano));
    // The time is UTC now: compare the seconds with the system clock.
    std::tm tm{};
    REQUIRE(::strptime(t.c_str(), "%Y-%m-%dT%H:%M:%S", &tm));
    const auto logged = ::timegm(&tm);
    const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    CHECK(std::llabs(static_cast<long long>(now - logged)) <= 5);
}

} // namespace

TEST_CASE("log: json to a file is one line per error, the error also on stderr", "[cli][log]") {
    TempDir dir;
    const std::string log = dir.file("log.json");
    StderrCapture err(dir.file("stderr"));
    hl::configure({log, hl::Format::Json, false});
    hl::error("container \"x\" does not exist");
    const std::string text = slurp(log);
    // runc and crun print the error to stderr too: conmon passes it on when the log fails.
    CHECK(err.take() == "hull: container \"x\" does not exist\n");
    const auto ls = lines(text);
    REQUIRE(ls.size() == 1);
    CHECK(text.back() == '\n');
    check_json_line(ls[0], "error", "container \"x\" does not exist");
    // The whole file decodes as one object, as podman reads it.
    CHECK(nlohmann::json::parse(text).at("level") == "error");
}

TEST_CASE("log: the file is created lazily, 0600, and appended to", "[cli][log]") {
    TempDir dir;
    const std::string log = dir.file("log.json");
    hl::configure({log, hl::Format::Json, false});
    CHECK_FALSE(exists(log));
    hl::debug("dropped without --debug");
    CHECK_FALSE(exists(log));
    hl::error("first");
    REQUIRE(exists(log));
    struct stat st {};
    REQUIRE(::stat(log.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    hl::error("second");
    // A new configuration (a new process) appends to what is there.
    hl::configure({log, hl::Format::Json, false});
    hl::error("third");
    const auto ls = lines(slurp(log));
    REQUIRE(ls.size() == 3);
    check_json_line(ls[0], "error", "first");
    check_json_line(ls[1], "error", "second");
    check_json_line(ls[2], "error", "third");
}

TEST_CASE("log: existing file content and mode are kept", "[cli][log]") {
    TempDir dir;
    const std::string log = dir.file("log");
    {
        std::ofstream out(log);
        out << "before\n";
    }
    REQUIRE(::chmod(log.c_str(), 0644) == 0);
    hl::configure({log, hl::Format::Json, false});
    hl::error("after");
    const auto ls = lines(slurp(log));
    REQUIRE(ls.size() == 2);
    CHECK(ls[0] == "before");
    check_json_line(ls[1], "error", "after");
    struct stat st {};
    REQUIRE(::stat(log.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0644);
}

TEST_CASE("log: debug messages only with debug", "[cli][log]") {
    TempDir dir;
    const std::string log = dir.file("log");
    hl::configure({log, hl::Format::Json, true});
    hl::debug("details");
    const auto ls = lines(slurp(log));
    REQUIRE(ls.size() == 1);
    check_json_line(ls[0], "debug", "details");
}

TEST_CASE("log: JSON escaping of quotes, controls and invalid UTF-8", "[cli][log]") {
    TempDir dir;
    const std::string log = dir.file("log");
    hl::configure({log, hl::Format::Json, false});
    const std::string msg = "a \"b\" \\ c\nd\te\x01 \xc3\xa9";
    hl::error(msg);
    hl::error("bad \xff\xfe utf8");
    const std::string text = slurp(log);
    const auto ls = lines(text);
    REQUIRE(ls.size() == 2); // the newline in the message is escaped, not written
    check_json_line(ls[0], "error", msg);
    auto j = nlohmann::json::parse(ls[1]);
    const std::string decoded = j.at("msg");
    CHECK(decoded.starts_with("bad "));
    CHECK(decoded.ends_with(" utf8"));
}

TEST_CASE("log: text without --log goes to stderr", "[cli][log]") {
    TempDir dir;
    StderrCapture err(dir.file("stderr"));
    hl::configure({});
    hl::error("boom");
    hl::warn("careful");
    hl::debug("hidden");
    CHECK(err.take() == "hull: boom\nhull: warning: careful\n");

    StderrCapture err2(dir.file("stderr2"));
    hl::configure({"", hl::Format::Text, true});
    hl::debug("shown");
    CHECK(err2.take() == "hull: debug: shown\n");
}

TEST_CASE("log: text with --log writes logfmt to the file and errors also to stderr",
          "[cli][log]") {
    TempDir dir;
    const std::string log = dir.file("log.txt");
    StderrCapture err(dir.file("stderr"));
    hl::configure({log, hl::Format::Text, false});
    hl::error("it \"broke\"\nbadly");
    hl::warn("just a warning");
    CHECK(err.take() == "hull: it \"broke\"\nbadly\n");
    const auto ls = lines(slurp(log));
    REQUIRE(ls.size() == 2);
    const std::regex shape(
        R"re(time="\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z" level=(\w+) msg="(.*)")re");
    std::smatch m;
    REQUIRE(std::regex_match(ls[0], m, shape));
    CHECK(m[1] == "error");
    CHECK(m[2] == R"(it \"broke\"\nbadly)");
    REQUIRE(std::regex_match(ls[1], m, shape));
    CHECK(m[1] == "warning");
    CHECK(m[2] == "just a warning");
}

TEST_CASE("log: json without --log goes to stderr as JSON", "[cli][log]") {
    TempDir dir;
    StderrCapture err(dir.file("stderr"));
    hl::configure({"", hl::Format::Json, false});
    hl::error("on stderr");
    const auto ls = lines(err.take());
    REQUIRE(ls.size() == 1);
    check_json_line(ls[0], "error", "on stderr");
}

TEST_CASE("log: an unopenable log file falls back to stderr", "[cli][log]") {
    TempDir dir;
    const std::string log = dir.file("missing-dir/log");
    StderrCapture err(dir.file("stderr"));
    hl::configure({log, hl::Format::Text, false});
    hl::error("still reported");
    const auto ls = lines(err.take());
    REQUIRE(ls.size() == 2);
    CHECK(ls[0].starts_with("hull: open log file " + log + ": "));
    CHECK(ls[1] == "hull: still reported");
}

TEST_CASE("log: configure drops the previous logger", "[cli][log]") {
    TempDir dir;
    hl::configure({dir.file("a"), hl::Format::Json, false});
    hl::error("to a");
    hl::configure({dir.file("b"), hl::Format::Json, false});
    hl::error("to b");
    CHECK(lines(slurp(dir.file("a"))).size() == 1);
    const auto b = lines(slurp(dir.file("b")));
    REQUIRE(b.size() == 1);
    check_json_line(b[0], "error", "to b");
}

TEST_CASE("log: json to a file keeps warnings out unless --debug (podman reads one object)",
          "[cli][log]") {
    TempDir dir;
    const std::string log = dir.file("oci-log");
    StderrCapture err(dir.file("stderr"));
    hl::configure({log, hl::Format::Json, false});
    hl::warn("a config warning");
    hl::debug("a debug line");
    hl::error("mount proc: Permission denied");
    CHECK(err.take() == "hull: mount proc: Permission denied\n"); // no warning on stderr
    const std::string text = slurp(log);
    // podman json.Unmarshal()s the whole file into {level,msg,time}: it must be one object.
    const auto j = nlohmann::json::parse(text);
    CHECK(j.at("level") == "error");
    CHECK(j.at("msg") == "mount proc: Permission denied");

    // With --debug every level goes in, one JSON object per line (as runc writes them).
    const std::string dlog = dir.file("debug-log");
    hl::configure({dlog, hl::Format::Json, true});
    hl::warn("w");
    hl::debug("d");
    hl::error("e");
    const auto ls = lines(slurp(dlog));
    REQUIRE(ls.size() == 3);
    check_json_line(ls[0], "warning", "w");
    check_json_line(ls[1], "debug", "d");
    check_json_line(ls[2], "error", "e");
}

TEST_CASE("log: file_fd opens the log now and later messages use that fd", "[cli][log]") {
    TempDir dir;
    hl::configure({});
    CHECK(hl::file_fd() == -1); // stderr: nothing to keep

    const std::string log = dir.file("log");
    hl::configure({log, hl::Format::Text, false});
    CHECK_FALSE(exists(log));
    const int fd = hl::file_fd();
    REQUIRE(fd > 2);
    REQUIRE(exists(log));
    struct stat by_fd {
    }, by_path{};
    REQUIRE(::fstat(fd, &by_fd) == 0);
    REQUIRE(::stat(log.c_str(), &by_path) == 0);
    CHECK(by_fd.st_ino == by_path.st_ino);
    CHECK(hl::file_fd() == fd); // opened once

    // The path is not looked up again (the init writes after pivot_root): move it away.
    const std::string moved = dir.file("moved");
    REQUIRE(::rename(log.c_str(), moved.c_str()) == 0);
    hl::warn("after the move");
    CHECK_FALSE(exists(log));
    const auto ls = lines(slurp(moved));
    REQUIRE(ls.size() == 1);
    CHECK(ls[0].ends_with("level=warning msg=\"after the move\""));

    // An unopenable file: messages fall back to stderr, no fd to keep.
    StderrCapture err(dir.file("stderr"));
    hl::configure({dir.file("missing/log"), hl::Format::Json, false});
    CHECK(hl::file_fd() == -1);
    CHECK_FALSE(err.take().empty()); // the open failure was reported
}
