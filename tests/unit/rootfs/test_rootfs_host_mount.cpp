// [rootfs] is_self_bind: which mount release_host_rootfs() may take away (mountinfo text only).
#include "rootfs/rootfs.hpp"

#include <catch2/catch.hpp>

using hull::rootfs::is_self_bind;

TEST_CASE("is_self_bind finds the bind of a rootfs onto itself", "[rootfs]") {
    // A plain directory rootfs on the root filesystem, bound onto itself, with mounts below.
    const char* plain = "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
                        "60 22 8:1 /tmp/b/rootfs /tmp/b/rootfs rw - ext4 /dev/sda1 rw\n"
                        "61 60 0:50 / /tmp/b/rootfs/proc rw - proc proc rw\n";
    CHECK(is_self_bind(plain, "/tmp/b/rootfs"));
    // Not bound yet: the rootfs is no mount point at all.
    CHECK_FALSE(is_self_bind("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n", "/tmp/b/rootfs"));
    // On a separate filesystem mounted at /tmp.
    const char* tmp = "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
                      "30 22 0:40 / /tmp rw - tmpfs tmpfs rw\n"
                      "60 30 0:40 /b/rootfs /tmp/b/rootfs rw - tmpfs tmpfs rw\n";
    CHECK(is_self_bind(tmp, "/tmp/b/rootfs"));
}

TEST_CASE("is_self_bind leaves a caller's own rootfs mount alone", "[rootfs]") {
    // An overlay the caller mounted at the rootfs: not a bind of the place onto itself.
    const char* overlay = "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
                          "50 22 0:60 / /run/c/rootfs rw - overlay overlay rw,lowerdir=/l\n";
    CHECK_FALSE(is_self_bind(overlay, "/run/c/rootfs"));
    // The same overlay with hull's bind on top of it: only the top one qualifies.
    std::string stacked =
        std::string(overlay) + "70 50 0:60 / /run/c/rootfs rw - overlay overlay rw\n";
    CHECK(is_self_bind(stacked, "/run/c/rootfs"));
    // A bind of some other directory onto the rootfs.
    const char* other = "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
                        "60 22 8:1 /srv/img /tmp/b/rootfs rw - ext4 /dev/sda1 rw\n";
    CHECK_FALSE(is_self_bind(other, "/tmp/b/rootfs"));
    // Escaped names (a space is \040 in mountinfo).
    const char* spaced = "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
                         "60 22 8:1 /tmp/my\\040b/rootfs /tmp/my\\040b/rootfs rw - ext4 x rw\n";
    CHECK(is_self_bind(spaced, "/tmp/my b/rootfs"));
}
