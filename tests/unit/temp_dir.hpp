// A fresh temporary directory for unit tests, shared by the test modules.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace hull::testutil {

// /tmp/hull-unit-<tag>-XXXXXX, with `mode` applied (0700 is mkdtemp's own), removed
// recursively by the destructor.
class TempDir {
  public:
    explicit TempDir(std::string_view tag = "test", mode_t mode = 0700) {
        std::string tmpl = "/tmp/hull-unit-" + std::string(tag) + "-XXXXXX";
        if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
        if (mode != 0700) ::chmod(tmpl.c_str(), mode);
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

  private:
    std::string path_;
};

} // namespace hull::testutil
