// hull::netdev: linux.netDevices, host network interfaces moved into the container's network
// namespace (runtime-spec 1.3), over rtnetlink. No library: one NETLINK_ROUTE socket.
//
//     HULL_TRY(netdev::check(cfg.linux->netDevices));          // create, before the clone
//     UniqueFd ns = open("/proc/<init>/ns/net");
//     HULL_TRY(netdev::move_all(cfg.linux->netDevices, ns.get())); // after the clone
//
// Each device keeps its permanent global-scope addresses (the kernel drops them on a move:
// they are read before and added again after), gets its new name (a "%d" template is left to
// the kernel) and is set up. Nothing moves it back: when the namespace goes away the kernel
// returns physical devices to the host and destroys virtual ones.
#pragma once

#include "hull/config.hpp"
#include "hull/error.hpp"

#include <map>
#include <string>

namespace hull::netdev {

// The moves are possible: every host interface exists in our namespace, and every new name
// is a valid interface name that no other entry also takes.
Result<void> check(const std::map<std::string, NetDevice>& devices);

// Moves every device into the network namespace `netns_fd`, renamed, addresses kept, up.
// Errors name the device: "linux.netDevices[\"eth1\"]: move into the container: ...".
Result<void> move_all(const std::map<std::string, NetDevice>& devices, int netns_fd);

} // namespace hull::netdev
