// [sync] the create <-> init channel: a peer that fails and exits is reported by its own error
// text, not by the EPIPE/ECONNRESET its death leaves on our side (issue: the namespace-join
// error was lost about a quarter of the time).
#include "runtime/sync.hpp"

#include <catch2/catch.hpp>

#include <cerrno>

using namespace hull::runtime;

TEST_CASE("sync: a send to a peer that reported an error and exited returns that error", "[sync]") {
    auto pair = make_sync_pair().value();
    // The parent told the init something it never read, the init failed, reported, exited.
    REQUIRE(sync_send(pair.parent.get(), SyncMsg::MapsWritten));
    sync_send_error(pair.child.get(), hull::Error(ENOENT, "open namespace /proc/999999/ns/net"));
    pair.child.reset();
    auto r = sync_send(pair.parent.get(), SyncMsg::CgroupPlaced);
    REQUIRE_FALSE(r);
    CHECK(r.error().err() == ENOENT);
    CHECK(r.error().message().find("open namespace /proc/999999/ns/net") != std::string::npos);
}

TEST_CASE("sync: a receive after the peer closed with unread data returns its error report",
          "[sync]") {
    auto pair = make_sync_pair().value();
    REQUIRE(sync_send(pair.parent.get(), SyncMsg::MapsWritten)); // never read by the child
    sync_send_error(pair.child.get(), hull::Error(EINVAL, "setns: Invalid argument"));
    pair.child.reset();
    auto r = sync_expect(pair.parent.get(), SyncMsg::Ready);
    REQUIRE_FALSE(r);
    CHECK(r.error().err() == EINVAL);
    CHECK(r.error().message().find("setns: Invalid argument") != std::string::npos);
}

TEST_CASE("sync: a send to a peer that exited silently still fails with the send error", "[sync]") {
    auto pair = make_sync_pair().value();
    pair.child.reset();
    auto r = sync_send(pair.parent.get(), SyncMsg::CgroupPlaced);
    REQUIRE_FALSE(r);
    CHECK(r.error().message().find("sync: send cgroup-placed") != std::string::npos);
}

TEST_CASE("sync: an empty text travels (no memcpy from a null pointer)", "[sync]") {
    auto pair = make_sync_pair().value();
    REQUIRE(sync_send(pair.parent.get(), SyncMsg::Ready, std::string_view{}));
    auto m = sync_recv(pair.child.get()).value();
    CHECK(m.type == SyncMsg::Ready);
    CHECK(m.text.empty());
}
