// Classification of every recognised mount option string.
#include <catch2/catch.hpp>

#include <sys/mount.h>

#include <string>
#include <vector>

#include "config/mount_options.hpp"

using namespace hull;

namespace {

MountOptions mo(std::vector<std::string> v) {
    return parse_mount_options(v);
}

struct FlagCase {
    const char* opt;
    unsigned long set;     // expected in flags
    unsigned long cleared; // expected in cleared
};

} // namespace

TEST_CASE("mount options: MS flag options set or clear", "[config]") {
    const FlagCase cases[] = {
        {"async", 0, MS_SYNCHRONOUS},
        {"atime", 0, MS_NOATIME},
        {"defaults", 0, 0},
        {"dev", 0, MS_NODEV},
        {"diratime", 0, MS_NODIRATIME},
        {"dirsync", MS_DIRSYNC, 0},
        {"exec", 0, MS_NOEXEC},
        {"noatime", MS_NOATIME, 0},
        {"nodev", MS_NODEV, 0},
        {"nodiratime", MS_NODIRATIME, 0},
        {"noexec", MS_NOEXEC, 0},
        {"norelatime", 0, MS_RELATIME},
        {"nostrictatime", 0, MS_STRICTATIME},
        {"nosuid", MS_NOSUID, 0},
        {"relatime", MS_RELATIME, 0},
        {"remount", MS_REMOUNT, 0},
        {"ro", MS_RDONLY, 0},
        {"rw", 0, MS_RDONLY},
        {"strictatime", MS_STRICTATIME, 0},
        {"suid", 0, MS_NOSUID},
        {"sync", MS_SYNCHRONOUS, 0},
        {"iversion", MS_I_VERSION, 0},
        {"noiversion", 0, MS_I_VERSION},
        {"lazytime", MS_LAZYTIME, 0},
        {"nolazytime", 0, MS_LAZYTIME},
        {"loud", 0, MS_SILENT},
        {"silent", MS_SILENT, 0},
        {"mand", MS_MANDLOCK, 0},
        {"nomand", 0, MS_MANDLOCK},
        {"nosymfollow", MS_NOSYMFOLLOW, 0},
        {"symfollow", 0, MS_NOSYMFOLLOW},
        {"acl", MS_POSIXACL, 0},
        {"noacl", 0, MS_POSIXACL},
    };
    for (const auto& c : cases) {
        INFO(c.opt);
        const auto m = mo({c.opt});
        CHECK(m.flags == c.set);
        CHECK(m.cleared == c.cleared);
        CHECK(m.propagation == 0);
        CHECK(!m.has_recursive_attrs());
        CHECK(m.data.empty());
        CHECK(!m.bind);
        CHECK(is_known_mount_option(c.opt));
    }
}

TEST_CASE("mount options: bind and rbind", "[config]") {
    const auto b = mo({"bind"});
    CHECK(b.flags == MS_BIND);
    CHECK(b.bind);
    CHECK(!b.recursive);
    const auto rb = mo({"rbind", "ro"});
    CHECK(rb.flags == (MS_BIND | MS_REC | MS_RDONLY));
    CHECK(rb.bind);
    CHECK(rb.recursive);
}

TEST_CASE("mount options: propagation", "[config]") {
    const std::pair<const char*, unsigned long> cases[] = {
        {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
        {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
        {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
        {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
    };
    for (const auto& [opt, prop] : cases) {
        INFO(opt);
        const auto m = mo({opt});
        CHECK(m.propagation == prop);
        CHECK(m.flags == 0);
    }
    CHECK(mo({"shared", "rslave"}).propagation == (MS_SLAVE | MS_REC)); // last wins
}

TEST_CASE("mount options: recursive attributes", "[config]") {
    struct Case {
        const char* opt;
        uint64_t set, clr;
    };
    const Case cases[] = {
        {"rro", MOUNT_ATTR_RDONLY, 0},
        {"rrw", 0, MOUNT_ATTR_RDONLY},
        {"rnosuid", MOUNT_ATTR_NOSUID, 0},
        {"rsuid", 0, MOUNT_ATTR_NOSUID},
        {"rnodev", MOUNT_ATTR_NODEV, 0},
        {"rdev", 0, MOUNT_ATTR_NODEV},
        {"rnoexec", MOUNT_ATTR_NOEXEC, 0},
        {"rexec", 0, MOUNT_ATTR_NOEXEC},
        {"rnodiratime", MOUNT_ATTR_NODIRATIME, 0},
        {"rdiratime", 0, MOUNT_ATTR_NODIRATIME},
        {"rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0},
        {"rsymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW},
        {"rrelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
        {"rnorelatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
        {"rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME},
        {"ratime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
        {"rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
        {"rnostrictatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
    };
    for (const auto& c : cases) {
        INFO(c.opt);
        const auto m = mo({c.opt});
        CHECK(m.attr_set == c.set);
        CHECK(m.attr_clr == c.clr);
        CHECK(m.has_recursive_attrs());
        CHECK(m.flags == 0);
        CHECK(m.data.empty());
    }
    // Later options override earlier ones.
    const auto m = mo({"rro", "rrw", "rnoatime", "rstrictatime"});
    CHECK(m.attr_set == MOUNT_ATTR_STRICTATIME);
    CHECK(m.attr_clr == (MOUNT_ATTR_RDONLY | MOUNT_ATTR__ATIME));
}

TEST_CASE("mount options: extensions and fs data", "[config]") {
    CHECK(mo({"tmpcopyup"}).tmpcopyup);
    CHECK(mo({"idmap"}).idmap == MountOptions::IdMap::IdMap);
    CHECK(mo({"ridmap"}).idmap == MountOptions::IdMap::RIdMap);
    CHECK(mo({"ro"}).idmap == MountOptions::IdMap::None);
    const auto m = mo({"nosuid", "mode=755", "strictatime", "size=65536k", "newinstance"});
    CHECK(m.flags == (MS_NOSUID | MS_STRICTATIME));
    CHECK(m.data == "mode=755,size=65536k,newinstance");
    CHECK(!is_known_mount_option("mode=755"));
    CHECK(!is_known_mount_option("rasync"));
}

TEST_CASE("mount options: later options override earlier ones", "[config]") {
    const auto m = mo({"ro", "nosuid", "rw", "suid", "nosuid"});
    CHECK(m.flags == MS_NOSUID);
    CHECK(m.cleared == MS_RDONLY);
    const auto a = mo({"noatime", "relatime"});
    CHECK(a.flags == MS_RELATIME); // last atime mode wins
    const auto s = mo({"relatime", "strictatime"});
    CHECK(s.flags == MS_STRICTATIME);
}

TEST_CASE("mount options: known list is sorted and complete", "[config]") {
    const auto known = known_mount_options();
    CHECK(known.size() == 64);
    CHECK(std::is_sorted(known.begin(), known.end()));
    for (auto o : known)
        CHECK(is_known_mount_option(o));
}
