#include "cgroups/dbus_conn.hpp"

#include "util/io.hpp"
#include "util/log.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>

namespace hull::cgroups::dbus {

using namespace std::string_view_literals;

namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// %xx escapes of an address value.
std::optional<std::string> unescape(std::string_view v) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] != '%') {
            out.push_back(v[i]);
            continue;
        }
        if (i + 2 >= v.size()) return std::nullopt;
        const int hi = hex_digit(v[i + 1]), lo = hex_digit(v[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

std::string hex_of(std::string_view s) {
    std::string out;
    char b[3];
    for (unsigned char c : s) {
        std::snprintf(b, sizeof b, "%02x", c);
        out += b;
    }
    return out;
}

std::string describe(const UnixAddress& a) {
    return (a.abstract ? "unix:abstract=" : "unix:path=") + a.path;
}

constexpr const char* kBus = "org.freedesktop.DBus";

} // namespace

Result<std::vector<UnixAddress>> parse_address(std::string_view address) {
    std::vector<UnixAddress> out;
    std::string_view rest = address;
    while (!rest.empty()) {
        const std::size_t semi = rest.find(';');
        std::string_view entry = rest.substr(0, semi);
        rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
        if (!entry.starts_with("unix:")) continue;
        entry.remove_prefix(5);
        std::optional<UnixAddress> found;
        while (!entry.empty()) {
            const std::size_t comma = entry.find(',');
            std::string_view kv = entry.substr(0, comma);
            entry = comma == std::string_view::npos ? std::string_view() : entry.substr(comma + 1);
            const std::size_t eq = kv.find('=');
            if (eq == std::string_view::npos) continue;
            const std::string_view key = kv.substr(0, eq);
            if (key != "path" && key != "abstract") continue;
            auto value = unescape(kv.substr(eq + 1));
            if (!value || value->empty() || value->size() >= sizeof(sockaddr_un{}.sun_path) - 1)
                continue;
            found = UnixAddress{.path = *value, .abstract = key == "abstract"};
        }
        if (found) out.push_back(*found);
    }
    if (out.empty())
        return std::unexpected(
            Error::msg("no unix:path or unix:abstract address in '" + std::string(address) + "'"));
    return out;
}

// A connected socket to the first address of the list that accepts.
static Result<UniqueFd> open_socket(const std::vector<UnixAddress>& list) {
    Error last;
    for (const auto& a : list) {
        UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!fd) return fail_errno("socket");
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        const std::size_t off = a.abstract ? 1 : 0;
        std::memcpy(sa.sun_path + off, a.path.data(), a.path.size());
        const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + off +
                                                a.path.size() + (a.abstract ? 0 : 1));
        if (io::retry_eintr(
                [&] { return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), len); }) == 0)
            return fd;
        last = Error::from_errno("connect " + describe(a));
    }
    return std::unexpected(last);
}

Result<Connection> Connection::open(std::string_view address, BusKind kind) {
    const auto list = HULL_TRY(parse_address(address));
    Connection c;
    c.fd_ = HULL_TRY(open_socket(list));
    if (auto a = c.authenticate(Identity::FromSocket); !a) {
        // a server that wants the identity spelled out: once more, on a new connection
        auto again = open_socket(list);
        if (!again) return std::unexpected(a.error());
        c.fd_ = std::move(*again);
        c.in_.clear();
        HULL_TRY(c.authenticate(Identity::WithUid));
    }
    if (kind == BusKind::Bus) {
        Message reply = HULL_TRY(c.call({.destination = kBus,
                                         .path = "/org/freedesktop/DBus",
                                         .interface = kBus,
                                         .member = "Hello"}));
        if (reply.type == MessageType::Error)
            return std::unexpected(
                Error::msg("Hello: " + reply.error_name + ": " + error_text(reply)));
    }
    return c;
}

Result<bool> Connection::wait_readable(Clock::time_point deadline) {
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return false;
        pollfd p{.fd = fd_.get(), .events = POLLIN, .revents = 0};
        const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 60000)));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail_errno("poll the bus");
        if (n > 0) return true;
    }
}

Result<void> Connection::send(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = io::retry_eintr(
            [&] { return ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL); });
        if (n < 0) return fail_errno("write to the bus");
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

// Byte by byte: nothing of what follows the line may be taken from the socket.
Result<std::string> Connection::read_line(Clock::time_point deadline) {
    std::string line;
    while (!line.ends_with("\r\n")) {
        if (line.size() > 1024) return std::unexpected(Error::msg("authentication: line too long"));
        if (!HULL_TRY(wait_readable(deadline)))
            return std::unexpected(Error::msg("authentication: no answer from the bus"));
        char ch;
        const ssize_t n = io::retry_eintr([&] { return ::read(fd_.get(), &ch, 1); });
        if (n < 0) return fail_errno("authentication: read from the bus");
        if (n == 0) return std::unexpected(Error::msg("authentication: the bus hung up"));
        line.push_back(ch);
    }
    line.resize(line.size() - 2);
    return line;
}

// SASL EXTERNAL, pipelined as sd-bus does it: AUTH, DATA and BEGIN go out together, before any
// answer. The server has then read BEGIN by the time it answers OK, and our first message
// arrives after it, on its own (systemd's sd-bus server leaves a message that came in the same
// read as BEGIN unprocessed until more data arrives). With no identity the server takes the
// socket's credentials, which is right inside a user namespace too; `WithUid` sends our uid.
Result<void> Connection::authenticate(Identity id) {
    const auto deadline = Clock::now() + kCallTimeout;
    if (id == Identity::FromSocket)
        HULL_TRY(send("\0AUTH EXTERNAL\r\nDATA\r\nBEGIN\r\n"sv));
    else
        HULL_TRY(send(std::string("\0AUTH EXTERNAL "sv) + hex_of(std::to_string(geteuid())) +
                      "\r\nBEGIN\r\n"));
    std::string line = HULL_TRY(read_line(deadline));
    if (std::string_view(line) == "DATA") line = HULL_TRY(read_line(deadline));
    if (!line.starts_with("OK "))
        return std::unexpected(Error::msg("authentication refused: " + line));
    return {};
}

Result<std::optional<Message>> Connection::read_message(Clock::time_point deadline) {
    for (;;) {
        const std::size_t size = HULL_TRY(message_size(in_));
        if (size > 0 && in_.size() >= size) {
            Message m = HULL_TRY(decode(std::string_view(in_).substr(0, size)));
            in_.erase(0, size);
            log::debug("dbus: in type " + std::to_string(static_cast<int>(m.type)) + " serial " +
                       std::to_string(m.serial) + " reply to " + std::to_string(m.reply_serial) +
                       " " + m.member + m.error_name);
            return m;
        }
        if (!HULL_TRY(wait_readable(deadline))) return std::nullopt;
        char buf[8192];
        const ssize_t n = io::retry_eintr([&] { return ::read(fd_.get(), buf, sizeof buf); });
        if (n < 0) return fail_errno("read from the bus");
        if (n == 0) return std::unexpected(Error::msg("the bus hung up"));
        in_.append(buf, static_cast<std::size_t>(n));
    }
}

Result<Message> Connection::call(const Call& c, std::chrono::milliseconds timeout) {
    Message m{.type = MessageType::MethodCall,
              .serial = ++serial_,
              .path = c.path,
              .interface = c.interface,
              .member = c.member,
              .destination = c.destination,
              .signature = c.signature,
              .body = c.body};
    log::debug("dbus: call " + std::to_string(m.serial) + " " + c.member);
    HULL_TRY(send(encode(m)));
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        auto in = HULL_TRY(read_message(deadline));
        if (!in)
            return std::unexpected(
                Error(ETIMEDOUT,
                      c.member + ": no reply in " + std::to_string(timeout.count() / 1000) + " s"));
        if ((in->type == MessageType::Return || in->type == MessageType::Error) &&
            in->reply_serial == m.serial)
            return std::move(*in);
        if (in->type == MessageType::Signal) signals_.push_back(std::move(*in));
    }
}

Result<std::optional<Message>> Connection::next_signal(Clock::time_point deadline) {
    if (!signals_.empty()) {
        Message m = std::move(signals_.front());
        signals_.pop_front();
        return m;
    }
    for (;;) {
        auto in = HULL_TRY(read_message(deadline));
        if (!in || in->type == MessageType::Signal) return in;
    }
}

} // namespace hull::cgroups::dbus
