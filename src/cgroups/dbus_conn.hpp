// hull::cgroups::dbus: one D-Bus connection over a unix socket, enough for the systemd driver:
// the address, the EXTERNAL authentication, Hello on a message bus, method calls that wait for
// their reply, and the signals that arrive meanwhile. hull's own client (no libdbus, no sd-bus),
// so that hull stays one static executable (docs/cgroups.md, "The bus").
//
//     auto c = HULL_TRY(dbus::Connection::open("unix:path=/run/systemd/private",
//                                              dbus::BusKind::Direct));
//     dbus::Message reply = HULL_TRY(c.call({.destination = ..., .path = ..., .interface = ...,
//                                           .member = "GetUnit", .signature = "s",
//                                           .body = w.bytes()}));
#pragma once

#include "cgroups/dbus_wire.hpp"
#include "hull/error.hpp"
#include "util/fd.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hull::cgroups::dbus {

// A message bus (dbus-daemon, dbus-broker: Hello first, names, AddMatch) or a direct peer
// (systemd's private socket).
enum class BusKind { Bus, Direct };

struct Call {
    std::string destination{}, path{}, interface {
    }, member{}, signature{};
    std::string body{}; // marshalled by a Writer
};

// One unix-socket address of a D-Bus address list ("unix:path=/run/user/1000/bus",
// "unix:abstract=/tmp/dbus-x,guid=..."; values %-escaped). `abstract` names a socket in the
// abstract namespace.
struct UnixAddress {
    std::string path;
    bool abstract = false;
};
// The unix:path and unix:abstract entries of an address list, in order. Error: none there.
Result<std::vector<UnixAddress>> parse_address(std::string_view address);

class Connection {
  public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::seconds kCallTimeout{25};

    // Connects to the first address of the list that accepts, authenticates, and on a bus says
    // Hello. Errors say what failed ("connect unix:path=...: <errno text>").
    static Result<Connection> open(std::string_view address, BusKind kind);

    // Sends the call and waits for its reply: a Return or an Error message (a D-Bus error is
    // a reply, not a failure here). Signals that arrive meanwhile are kept for next_signal.
    Result<Message> call(const Call& c, std::chrono::milliseconds timeout = kCallTimeout);
    // The next signal, kept or read; nullopt when the deadline passes first.
    Result<std::optional<Message>> next_signal(Clock::time_point deadline);

  private:
    enum class Identity { FromSocket, WithUid };
    Connection() = default;
    Result<void> authenticate(Identity id);
    Result<std::string> read_line(Clock::time_point deadline);
    Result<void> send(std::string_view bytes);
    // The next whole message; nullopt at the deadline.
    Result<std::optional<Message>> read_message(Clock::time_point deadline);
    Result<bool> wait_readable(Clock::time_point deadline);

    UniqueFd fd_;
    uint32_t serial_ = 0;
    std::string in_;
    std::deque<Message> signals_;
};

} // namespace hull::cgroups::dbus
