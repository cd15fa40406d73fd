// probe: the small subcommands (sleep, write, cat, ls, stat, readlink, mkdir, chown,
// kill-self, wait-signal, syscall, exec); see main.cpp for their usage.
#include "probe.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace probe {
namespace {

std::string signal_name(int sig) {
    if (sig >= SIGRTMIN && sig <= SIGRTMAX) return "SIGRTMIN+" + std::to_string(sig - SIGRTMIN);
    const char* abbrev = ::sigabbrev_np(sig);
    return abbrev ? std::string("SIG") + abbrev : std::to_string(sig);
}

int parse_signal(std::string s) {
    if (!s.empty() && std::isdigit(static_cast<unsigned char>(s[0]))) return std::atoi(s.c_str());
    if (s.starts_with("SIG")) s = s.substr(3);
    for (int sig = 1; sig < NSIG; ++sig) {
        const char* abbrev = ::sigabbrev_np(sig);
        if (abbrev && s == abbrev) return sig;
    }
    return -1;
}

const char* file_type(mode_t m) {
    if (S_ISREG(m)) return "file";
    if (S_ISDIR(m)) return "dir";
    if (S_ISLNK(m)) return "symlink";
    if (S_ISCHR(m)) return "char";
    if (S_ISBLK(m)) return "block";
    if (S_ISFIFO(m)) return "fifo";
    if (S_ISSOCK(m)) return "socket";
    return "unknown";
}

} // namespace

int cmd_sleep(char** argv) {
    double secs = std::atof(argv[2]);
    timespec ts{static_cast<time_t>(secs),
                static_cast<long>((secs - static_cast<double>(static_cast<time_t>(secs))) * 1e9)};
    while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    return 0;
}

int cmd_write(char** argv) {
    int fd = ::open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return fail(std::string("open ") + argv[2]);
    size_t len = std::strlen(argv[3]);
    ssize_t n = ::write(fd, argv[3], len);
    int err = errno;
    ::close(fd);
    errno = err;
    if (n != static_cast<ssize_t>(len)) return fail(std::string("write ") + argv[2]);
    return 0;
}

int cmd_cat(char** argv) {
    int fd = ::open(argv[2], O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(std::string("open ") + argv[2]);
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n < 0) return fail(std::string("read ") + argv[2]);
        if (n == 0) break;
        std::fwrite(buf, 1, static_cast<size_t>(n), stdout);
    }
    ::close(fd);
    return std::fflush(stdout) == 0 ? 0 : 1;
}

int cmd_ls(char** argv) {
    DIR* d = ::opendir(argv[2]);
    if (!d) return fail(std::string("opendir ") + argv[2]);
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d))
        if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
            names.emplace_back(e->d_name);
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& n : names)
        std::printf("%s\n", n.c_str());
    return 0;
}

int cmd_stat(int argc, char** argv) {
    bool follow = argc >= 4 && std::string(argv[2]) == "-L";
    if (argc != (follow ? 4 : 3)) return usage();
    const char* path = argv[follow ? 3 : 2];
    struct stat st {};
    if ((follow ? ::stat(path, &st) : ::lstat(path, &st)) != 0)
        return fail(std::string("stat ") + path);
    json j = {{"type", file_type(st.st_mode)},
              {"mode", st.st_mode & 07777},
              {"uid", st.st_uid},
              {"gid", st.st_gid},
              {"size", st.st_size},
              {"nlink", st.st_nlink},
              {"major", major(st.st_rdev)},
              {"minor", minor(st.st_rdev)},
              {"dev_major", major(st.st_dev)},
              {"dev_minor", minor(st.st_dev)},
              {"ino", st.st_ino}};
    if (S_ISLNK(st.st_mode)) j["target"] = opt(read_link(path));
    return write_report(j, nullptr);
}

int cmd_readlink(char** argv) {
    auto t = read_link(argv[2]);
    if (!t) return fail(std::string("readlink ") + argv[2]);
    std::printf("%s\n", t->c_str());
    return 0;
}

int cmd_mkdir(const std::string& path) {
    for (size_t i = 1; i <= path.size(); ++i) {
        if (i != path.size() && path[i] != '/') continue;
        std::string p = path.substr(0, i);
        if (::mkdir(p.c_str(), 0755) != 0 && errno != EEXIST) return fail("mkdir " + p);
    }
    return 0;
}

int cmd_chown(char** argv) {
    if (::chown(argv[2], static_cast<uid_t>(std::stoul(argv[3])),
                static_cast<gid_t>(std::stoul(argv[4]))) != 0)
        return fail(std::string("chown ") + argv[2]);
    return 0;
}

int cmd_kill_self(char** argv) {
    int sig = parse_signal(argv[2]);
    if (sig <= 0) return usage();
    if (::kill(::getpid(), sig) != 0) return fail("kill");
    ::sleep(1);
    std::printf("still alive after %s\n", signal_name(sig).c_str());
    return 2;
}

int cmd_wait_signal(int argc, char** argv) {
    sigset_t all;
    ::sigfillset(&all);
    ::sigprocmask(SIG_BLOCK, &all, nullptr);
    if (argc >= 3) {
        FILE* f = std::fopen(argv[2], "w");
        if (!f) return fail(std::string("open ") + argv[2]);
        std::fclose(f);
    }
    std::printf("ready\n");
    std::fflush(stdout);
    for (;;) {
        int sig = ::sigwaitinfo(&all, nullptr);
        if (sig < 0) {
            if (errno == EINTR) continue;
            return fail("sigwaitinfo");
        }
        std::printf("%s\n", signal_name(sig).c_str());
        std::fflush(stdout);
        return 0;
    }
}

int cmd_syscall(int argc, char** argv) {
    long a[6] = {};
    for (int i = 3; i < argc; ++i)
        a[i - 3] = static_cast<long>(std::strtoull(argv[i], nullptr, 0));
    errno = 0;
    long rc = ::syscall(std::strtol(argv[2], nullptr, 0), a[0], a[1], a[2], a[3], a[4], a[5]);
    std::printf("errno %d\n", rc < 0 ? errno : 0);
    return 0;
}

int cmd_exec(char** argv) {
    ::execvp(argv[2], argv + 2);
    fail(std::string("exec ") + argv[2]);
    return 127;
}

} // namespace probe
