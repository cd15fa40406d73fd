// linux.netDevices over rtnetlink (see netdev/netdev.hpp).
#include "netdev/netdev.hpp"

#include "util/fd.hpp"
#include "util/io.hpp"

#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <set>
#include <vector>

namespace hull::netdev {
namespace {

// One request being built: the netlink header, a fixed part, then attributes.
class Request {
  public:
    Request(uint16_t type, uint16_t flags, const void* body, size_t len) {
        buf_.resize(NLMSG_LENGTH(len));
        auto* h = header();
        h->nlmsg_type = type;
        h->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | flags);
        std::memcpy(NLMSG_DATA(h), body, len);
        h->nlmsg_len = static_cast<uint32_t>(buf_.size());
        buf_.resize(NLMSG_ALIGN(buf_.size()));
    }
    void attr(uint16_t type, const void* data, size_t len) {
        const size_t at = buf_.size();
        buf_.resize(at + RTA_ALIGN(RTA_LENGTH(len)));
        auto* a = reinterpret_cast<rtattr*>(buf_.data() + at);
        a->rta_type = type;
        a->rta_len = static_cast<uint16_t>(RTA_LENGTH(len));
        std::memcpy(RTA_DATA(a), data, len);
        header()->nlmsg_len = static_cast<uint32_t>(buf_.size());
    }
    void attr_u32(uint16_t type, uint32_t v) { attr(type, &v, sizeof v); }
    void attr_str(uint16_t type, const std::string& s) { attr(type, s.c_str(), s.size() + 1); }
    nlmsghdr* header() { return reinterpret_cast<nlmsghdr*>(buf_.data()); }
    const std::vector<char>& bytes() const { return buf_; }

  private:
    std::vector<char> buf_;
};

struct Address {
    uint8_t family = 0, prefixlen = 0, scope = 0;
    std::vector<char> local, address, broadcast;
};

Result<UniqueFd> open_socket() {
    UniqueFd fd(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!fd) return fail_errno("netlink socket");
    return fd;
}

// Sends `req` and calls `each` for every answer until the ack (or NLMSG_DONE for a dump).
template <class F> Result<void> talk(int sock, Request& req, F&& each) {
    static uint32_t seq = 0;
    req.header()->nlmsg_seq = ++seq;
    const auto& out = req.bytes();
    if (send(sock, out.data(), out.size(), 0) < 0) return fail_errno("netlink send");
    std::vector<char> buf(1 << 16);
    for (;;) {
        const ssize_t n = io::retry_eintr([&] { return recv(sock, buf.data(), buf.size(), 0); });
        if (n < 0) return fail_errno("netlink receive");
        int left = static_cast<int>(n);
        for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(h, left);
             h = NLMSG_NEXT(h, left)) {
            if (h->nlmsg_seq != seq) continue;
            if (h->nlmsg_type == NLMSG_DONE) return {};
            if (h->nlmsg_type == NLMSG_ERROR) {
                const auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
                if (e->error == 0) return {};
                return fail_sys(-e->error, "netlink");
            }
            each(h);
        }
    }
}

Result<void> ack(int sock, Request& req) {
    return talk(sock, req, [](const nlmsghdr*) {});
}

// The permanent global-scope addresses of interface `index`.
Result<std::vector<Address>> addresses_of(int sock, int index) {
    ifaddrmsg want{};
    Request req(RTM_GETADDR, NLM_F_DUMP, &want, sizeof want);
    std::vector<Address> out;
    HULL_TRY(talk(sock, req, [&](const nlmsghdr* h) {
        if (h->nlmsg_type != RTM_NEWADDR) return;
        const auto* ifa = static_cast<const ifaddrmsg*>(NLMSG_DATA(h));
        if (static_cast<int>(ifa->ifa_index) != index || ifa->ifa_scope != RT_SCOPE_UNIVERSE)
            return;
        uint32_t flags = ifa->ifa_flags;
        Address a{.family = ifa->ifa_family,
                  .prefixlen = ifa->ifa_prefixlen,
                  .scope = ifa->ifa_scope,
                  .local = {},
                  .address = {},
                  .broadcast = {}};
        int len = static_cast<int>(IFA_PAYLOAD(h));
        for (auto* rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
            const char* d = static_cast<const char*>(RTA_DATA(rta));
            std::vector<char> v(d, d + RTA_PAYLOAD(rta));
            if (rta->rta_type == IFA_LOCAL) a.local = v;
            if (rta->rta_type == IFA_ADDRESS) a.address = v;
            if (rta->rta_type == IFA_BROADCAST) a.broadcast = v;
            if (rta->rta_type == IFA_FLAGS && v.size() == 4) std::memcpy(&flags, d, 4);
        }
        if (flags & IFA_F_PERMANENT) out.push_back(std::move(a));
    }));
    return out;
}

Result<void> add_address(int sock, int index, const Address& a) {
    ifaddrmsg ifa{};
    ifa.ifa_family = a.family;
    ifa.ifa_prefixlen = a.prefixlen;
    ifa.ifa_scope = a.scope;
    ifa.ifa_index = static_cast<uint32_t>(index);
    Request req(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, &ifa, sizeof ifa);
    if (!a.local.empty()) req.attr(IFA_LOCAL, a.local.data(), a.local.size());
    if (!a.address.empty()) req.attr(IFA_ADDRESS, a.address.data(), a.address.size());
    if (!a.broadcast.empty()) req.attr(IFA_BROADCAST, a.broadcast.data(), a.broadcast.size());
    return ack(sock, req);
}

// The name of interface `index` in the socket's namespace, if there is one.
Result<std::optional<std::string>> name_of(int sock, int index) {
    ifinfomsg ifi{};
    ifi.ifi_index = index;
    Request req(RTM_GETLINK, NLM_F_ACK, &ifi, sizeof ifi);
    std::optional<std::string> name;
    auto r = talk(sock, req, [&](const nlmsghdr* h) {
        if (h->nlmsg_type != RTM_NEWLINK) return;
        const auto* info = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
        int len = static_cast<int>(IFLA_PAYLOAD(h));
        for (auto* rta = IFLA_RTA(info); RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
            if (rta->rta_type == IFLA_IFNAME) name = static_cast<const char*>(RTA_DATA(rta));
    });
    if (!r && r.error().err() == ENODEV) return std::optional<std::string>{};
    if (!r) return std::unexpected(r.error());
    return name;
}

// A NETLINK_ROUTE socket that lives in the namespace `netns_fd` (we step in and back).
Result<UniqueFd> socket_in(int netns_fd) {
    UniqueFd own(open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!own) return fail_errno("open /proc/self/ns/net");
    if (setns(netns_fd, CLONE_NEWNET) < 0) return fail_errno("enter the container's network");
    auto sock = open_socket();
    if (setns(own.get(), CLONE_NEWNET) < 0) return fail_errno("return to our network namespace");
    return sock;
}

Result<void> move_one(int host_sock, int ns_sock, int netns_fd, const std::string& host_name,
                      const std::string& new_name) {
    const int index = static_cast<int>(if_nametoindex(host_name.c_str()));
    if (index == 0) return fail_errno("find " + host_name);
    auto addrs = HULL_TRY_CTX(addresses_of(host_sock, index), "read its addresses");

    ifinfomsg ifi{};
    ifi.ifi_index = index;
    Request move(RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof ifi);
    move.attr_u32(IFLA_NET_NS_FD, static_cast<uint32_t>(netns_fd));
    move.attr_str(IFLA_IFNAME, new_name);
    HULL_TRY_CTX(ack(host_sock, move), "move into the container");

    // The kernel keeps the index when it is free in the new namespace (a fresh one holds
    // only lo); a "%d" name is only known from there.
    auto moved = HULL_TRY(name_of(ns_sock, index));
    if (!moved)
        return fail("moved, but not found in the container under index " + std::to_string(index));
    for (const auto& a : addrs)
        HULL_TRY_CTX(add_address(ns_sock, index, a), "restore an address on " + *moved);
    ifinfomsg up{};
    up.ifi_index = index;
    up.ifi_flags = IFF_UP;
    up.ifi_change = IFF_UP;
    Request set_up(RTM_NEWLINK, NLM_F_ACK, &up, sizeof up);
    return with_context(ack(ns_sock, set_up), "set " + *moved + " up");
}

std::string label(const std::string& host_name) {
    return "linux.netDevices[\"" + host_name + "\"]";
}

} // namespace

Result<void> check(const std::map<std::string, NetDevice>& devices) {
    std::set<std::string> names;
    for (const auto& [host_name, dev] : devices) {
        if (if_nametoindex(host_name.c_str()) == 0)
            return fail_errno(label(host_name) + ": no such interface on the host");
        const std::string& name = dev.name ? *dev.name : host_name;
        if (name.size() >= IFNAMSIZ || name.find_first_of("/: \t\n") != std::string::npos ||
            name == "." || name == "..")
            return fail(label(host_name) + ".name: \"" + name + "\" is no valid interface name");
        if (name.find('%') == std::string::npos && !names.insert(name).second)
            return fail(label(host_name) + ".name: \"" + name + "\" is taken twice");
    }
    return {};
}

Result<void> move_all(const std::map<std::string, NetDevice>& devices, int netns_fd) {
    if (devices.empty()) return {};
    auto host_sock = HULL_TRY_CTX(open_socket(), "linux.netDevices");
    auto ns_sock = HULL_TRY_CTX(socket_in(netns_fd), "linux.netDevices");
    for (const auto& [host_name, dev] : devices)
        HULL_TRY_CTX(move_one(host_sock.get(), ns_sock.get(), netns_fd, host_name,
                              dev.name ? *dev.name : host_name),
                     label(host_name));
    return {};
}

} // namespace hull::netdev
