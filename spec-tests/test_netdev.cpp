// linux.netDevices (runtime-spec 1.3): a host interface moved into the container's network
// namespace, renamed, with its permanent global addresses, and up. The tests use a veth pair
// (this host's kernel has no dummy driver): one end goes into the container, the peer stays.
#include "checks.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <net/if.h>

#include <string>

using namespace spectest;
using nlohmann::json;

namespace {

bool host_has(const std::string& ifname) {
    return ::if_nametoindex(ifname.c_str()) != 0;
}

// A veth pair `a` <-> `b` on the host, `a` with an IPv4 and an IPv6 address; removed (if still
// there) when the test ends.
struct Veth {
    std::string a, b;
    Veth(std::string x, std::string y) : a(std::move(x)), b(std::move(y)) {
        RunResult r = run_command({"/bin/sh", "-c",
                                   "ip link add " + a + " type veth peer name " + b +
                                       " && ip addr add 10.98.0.1/24 dev " + a +
                                       " && ip addr add fd98::1/64 dev " + a + " nodad"});
        INFO(describe(r));
        REQUIRE(r.exit_code == 0);
    }
    ~Veth() {
        for (const auto& n : {a, b})
            if (host_has(n)) run_command({"/bin/sh", "-c", "ip link del " + n});
    }
};

} // namespace

TEST_CASE("netDevices: the interface moves in renamed, keeps its addresses and is up", "[netdev]") {
    Veth v("hullnd0", "hullnd0p");
    Bundle b;
    b.config["linux"]["netDevices"] = {{"hullnd0", {{"name", "ctr0"}}}};
    b.set_args({"/bin/sh", "-c", "ip -o addr show dev ctr0; ip -o link show dev ctr0"});
    RunResult r = b.run();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("inet 10.98.0.1/24") != std::string::npos);
    CHECK(r.out.find("inet6 fd98::1/64") != std::string::npos);
    CHECK(r.out.find(",UP,") != std::string::npos); // IFF_UP (no carrier: the peer is down)
    // The container's namespace is gone with it, and a veth with it: the peer too.
    CHECK_FALSE(host_has("hullnd0"));
    CHECK(wait_until([] { return !host_has("hullnd0p"); }, 5000));
}

TEST_CASE("netDevices: while the container runs the host no longer has the interface; a %d "
          "name is the kernel's",
          "[netdev]") {
    Veth v("hullnd1", "hullnd1p");
    Bundle b;
    b.config["linux"]["netDevices"] = {{"hullnd1", {{"name", "eth%d"}}}};
    b.set_args({"/bin/sh", "-c", "ip -o link show dev eth0 > /tmp/l; mv /tmp/l /tmp/link; /probe sleep 60"});
    REQUIRE(b.create().exit_code == 0);
    CHECK_FALSE(host_has("hullnd1")); // moved at create
    CHECK(host_has("hullnd1p"));
    REQUIRE(b.start().exit_code == 0);
    REQUIRE(wait_until([&] { return path_exists(b.host_path("/tmp/link")); }));
    CHECK(read_text(b.host_path("/tmp/link")).find("eth0") != std::string::npos);
    REQUIRE(b.remove(true).exit_code == 0);
    CHECK(wait_until([] { return !host_has("hullnd1p"); }, 5000));
}

TEST_CASE("netDevices: impossible moves fail create and leave nothing", "[netdev]") {
    Bundle missing;
    missing.config["linux"]["netDevices"] = {{"nosuch9", json::object()}};
    RunResult r = missing.create();
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("linux.netDevices[\"nosuch9\"]: no such interface on the host") !=
          std::string::npos);
    CHECK(missing.state().is_null());

    Veth v("hullnd2", "hullnd2p");
    Bundle twice;
    twice.config["linux"]["netDevices"] = {{"hullnd2", {{"name", "x0"}}},
                                           {"hullnd2p", {{"name", "x0"}}}};
    RunResult t = twice.create();
    CHECK(t.exit_code == 1);
    CHECK(t.err.find("\"x0\" is taken twice") != std::string::npos);

    Bundle hostnet;
    json ns = json::array();
    for (const auto& n : hostnet.config["linux"]["namespaces"])
        if (n["type"] != "network") ns.push_back(n);
    hostnet.config["linux"]["namespaces"] = ns;
    hostnet.config["linux"]["netDevices"] = {{"hullnd2", json::object()}};
    RunResult h = hostnet.create();
    CHECK(h.exit_code == 1);
    CHECK(h.err.find("needs a network namespace of its own") != std::string::npos);
    CHECK(host_has("hullnd2"));
    CHECK(host_has("hullnd2p"));
}
