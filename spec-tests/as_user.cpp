// as-user UID GID PROG ARGS...: runs PROG with real, effective and saved ids UID/GID and no
// supplementary groups (what `setpriv --reuid --regid --clear-groups` does), for the
// [rootless] spec tests, also where util-linux is missing (the cgroup-v2 lane's guest).
// Not setuid: only root may use it.
#include <grp.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: as-user UID GID PROG ARGS...\n");
        return 2;
    }
    const auto uid = static_cast<uid_t>(std::strtoul(argv[1], nullptr, 10));
    const auto gid = static_cast<gid_t>(std::strtoul(argv[2], nullptr, 10));
    if (setgroups(0, nullptr) != 0 || setresgid(gid, gid, gid) != 0 ||
        setresuid(uid, uid, uid) != 0) {
        std::perror("as-user: drop privileges");
        return 126;
    }
    execv(argv[3], argv + 3);
    std::perror("as-user: exec");
    return 127;
}
