// hull's D-Bus client (cgroups/dbus_wire.hpp, cgroups/dbus_conn.hpp): the wire format by itself,
// then against a real dbus-daemon (Debian's dbus-daemon, started here on a private socket),
// which validates every message it routes: a malformed one would end the connection.
#include "cgroups/dbus_conn.hpp"
#include "cgroups/dbus_wire.hpp"
#include "cgroups/systemd.hpp"

#include "../temp_dir.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

using namespace hull::cgroups;
using dbus::Message;
using dbus::MessageType;

namespace {

// A session dbus-daemon on a socket in a temp dir, for one test.
class Daemon {
  public:
    Daemon() : dir_("dbus") {
        address_ = "unix:path=" + dir_.path() + "/bus";
        pid_ = fork();
        if (pid_ == 0) {
            freopen("/dev/null", "w", stderr); // its notes about fd limits
            execl("/usr/bin/dbus-daemon", "dbus-daemon", "--session", "--nofork", "--nopidfile",
                  "--nosyslog", ("--address=" + address_).c_str(), static_cast<char*>(nullptr));
            _exit(127);
        }
        for (int i = 0; i < 200 && access((dir_.path() + "/bus").c_str(), F_OK) != 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ~Daemon() {
        kill(pid_, SIGTERM);
        waitpid(pid_, nullptr, 0);
    }
    const std::string& address() const { return address_; }

  private:
    hull::testutil::TempDir dir_;
    std::string address_;
    pid_t pid_ = -1;
};

dbus::Call bus_call(const std::string& member, const std::string& sig = "",
                    const std::string& body = "") {
    return {.destination = "org.freedesktop.DBus",
            .path = "/org/freedesktop/DBus",
            .interface = "org.freedesktop.DBus",
            .member = member,
            .signature = sig,
            .body = body};
}

} // namespace

TEST_CASE("dbus wire: values are aligned to their size from the start", "[dbus]") {
    dbus::Writer w;
    w.byte(1);
    w.u32(2);
    w.byte(3);
    w.u64(4);
    w.string('s', "ab");
    w.signature("as");
    const std::string want("\x01\0\0\0\x02\0\0\0\x03\0\0\0\0\0\0\0\x04\0\0\0\0\0\0\0"
                           "\x02\0\0\0ab\0"
                           "\x02"
                           "as\0",
                           35);
    CHECK(w.bytes() == want);

    dbus::Reader r(w.bytes(), false);
    CHECK(*r.byte() == 1);
    CHECK(*r.u32() == 2);
    CHECK(*r.byte() == 3);
    CHECK(*r.u64() == 4);
    CHECK(*r.string() == "ab");
    CHECK(*r.signature() == "as");
    CHECK(r.at_end());
    CHECK_FALSE(r.byte().has_value()); // past the end: an error, not a read
}

TEST_CASE("dbus wire: array lengths leave out the padding before the first element", "[dbus]") {
    dbus::Writer w;
    w.byte(7);
    auto a = w.open_array(8); // a(ss)
    w.align(8);
    w.string('s', "x");
    w.string('s', "y");
    w.close_array(a);
    // 1 byte, 3 padding, the length at 4, the element at 8: "x" (4+2 bytes), 2 padding, "y"
    // (4+2): 14 bytes, ending at 22
    dbus::Reader r(w.bytes(), false);
    REQUIRE(*r.byte() == 7);
    const uint32_t len = *r.u32();
    CHECK(len == 14);
    auto end = r.array_end(len, 8);
    REQUIRE(end);
    CHECK(*end == w.bytes().size());
    std::string_view sig = "a(ss)";
    dbus::Reader again(w.bytes(), false);
    REQUIRE(again.byte());
    REQUIRE(again.skip(sig));
    CHECK(sig.empty());
    CHECK(again.at_end());
}

TEST_CASE("dbus wire: a message round-trips, and malformed ones are errors", "[dbus]") {
    Message m{.type = MessageType::MethodCall,
              .serial = 42,
              .path = "/org/freedesktop/systemd1",
              .interface = "org.freedesktop.systemd1.Manager",
              .member = "GetUnit",
              .destination = "org.freedesktop.systemd1",
              .signature = "s"};
    dbus::Writer w;
    w.string('s', "hull-c1.scope");
    m.body = w.bytes();
    const std::string bytes = dbus::encode(m);
    CHECK(bytes.size() % 8 == m.body.size() % 8);
    CHECK(*dbus::message_size(bytes) == bytes.size());
    CHECK(*dbus::message_size(bytes.substr(0, 15)) == 0); // not known yet
    auto back = dbus::decode(bytes);
    REQUIRE(back);
    CHECK(back->type == MessageType::MethodCall);
    CHECK(back->serial == 42);
    CHECK(back->path == m.path);
    CHECK(back->interface == m.interface);
    CHECK(back->member == m.member);
    CHECK(back->destination == m.destination);
    CHECK(back->signature == "s");
    CHECK(back->body == m.body);

    // every truncation is an error
    for (std::size_t n = 0; n < bytes.size(); ++n)
        CHECK_FALSE(dbus::decode(bytes.substr(0, n)).has_value());
    std::string bad = bytes;
    bad[0] = 'x';
    CHECK_FALSE(dbus::message_size(bad).has_value());
    bad = bytes;
    bad[3] = 2; // protocol version
    CHECK_FALSE(dbus::decode(bad).has_value());

    // an error reply's text
    Message e{.type = MessageType::Error,
              .serial = 1,
              .reply_serial = 42,
              .error_name = "org.freedesktop.systemd1.NoSuchUnit",
              .signature = "s"};
    dbus::Writer t;
    t.string('s', "Unit x.scope not loaded.");
    e.body = t.bytes();
    auto eb = dbus::decode(dbus::encode(e));
    REQUIRE(eb);
    CHECK(eb->reply_serial == 42);
    CHECK(eb->error_name == e.error_name);
    CHECK(dbus::error_text(*eb) == "Unit x.scope not loaded.");
}

TEST_CASE("dbus wire: a big-endian message is read as well", "[dbus]") {
    // A signal JobRemoved(u 7, o "/j/7", s "u.scope", s "done") written by hand big-endian.
    dbus::Writer le;
    le.u32(7);
    le.string('o', "/j/7");
    le.string('s', "u.scope");
    le.string('s', "done");
    std::string body = le.bytes();
    // each 4-byte number and length byte-swapped (offsets 0, 4, 16, 28 here)
    for (std::size_t off : {0u, 4u, 16u, 28u}) {
        std::swap(body[off], body[off + 3]);
        std::swap(body[off + 1], body[off + 2]);
    }
    dbus::Reader r(body, true);
    CHECK(*r.u32() == 7);
    CHECK(*r.string() == "/j/7");
    CHECK(*r.string() == "u.scope");
    CHECK(*r.string() == "done");
}

TEST_CASE("dbus address: unix:path and unix:abstract, escapes, other transports skipped",
          "[dbus]") {
    auto a = dbus::parse_address("tcp:host=x,port=1;unix:abstract=/tmp/dbus-A,guid=12;"
                                 "unix:path=/run/user/1000/b%75s");
    REQUIRE(a);
    REQUIRE(a->size() == 2);
    CHECK((*a)[0].abstract);
    CHECK((*a)[0].path == "/tmp/dbus-A");
    CHECK_FALSE((*a)[1].abstract);
    CHECK((*a)[1].path == "/run/user/1000/bus");
    auto none = dbus::parse_address("tcp:host=x");
    REQUIRE_FALSE(none);
    CHECK(none.error().message().find("no unix:path") != std::string::npos);
    CHECK_FALSE(dbus::parse_address("unix:path=/x%4").has_value());
}

TEST_CASE("dbus connection: against dbus-daemon: Hello, calls, an error reply, signals", "[dbus]") {
    REQUIRE(access("/usr/bin/dbus-daemon", X_OK) == 0); // tools/setup.sh installs it
    Daemon d;
    auto c = dbus::Connection::open(d.address(), dbus::BusKind::Bus);
    INFO((c ? std::string() : c.error().message()));
    REQUIRE(c);

    auto id = c->call(bus_call("GetId"));
    REQUIRE(id);
    CHECK(id->type == MessageType::Return);
    CHECK(id->signature == "s");
    dbus::Reader r(id->body, id->big_endian);
    CHECK(r.string()->size() == 32);

    auto unknown = c->call(bus_call("NoSuchMethod"));
    REQUIRE(unknown);
    CHECK(unknown->type == MessageType::Error);
    CHECK(unknown->error_name == "org.freedesktop.DBus.Error.UnknownMethod");
    CHECK(dbus::error_text(*unknown).find("NoSuchMethod") != std::string::npos);

    // a match rule, then a second connection: its NameOwnerChanged reaches the first
    dbus::Writer rule;
    rule.string('s', "type='signal',member='NameOwnerChanged'");
    auto added = c->call(bus_call("AddMatch", "s", rule.bytes()));
    REQUIRE(added);
    CHECK(added->type == MessageType::Return);
    auto other = dbus::Connection::open(d.address(), dbus::BusKind::Bus);
    REQUIRE(other);
    // (the NameAcquired of our own Hello came first; it was kept while GetId waited)
    const auto deadline = dbus::Connection::Clock::now() + std::chrono::seconds(5);
    std::vector<std::string> seen;
    for (;;) {
        auto sig = c->next_signal(deadline);
        REQUIRE(sig);
        REQUIRE(sig->has_value());
        seen.push_back((*sig)->member);
        if ((*sig)->member == "NameOwnerChanged") {
            CHECK((*sig)->signature == "sss");
            break;
        }
    }
    CHECK(seen.front() == "NameAcquired");
    // nothing more: the deadline passes
    auto none = c->next_signal(dbus::Connection::Clock::now() + std::chrono::milliseconds(100));
    REQUIRE(none);
    CHECK_FALSE(none->has_value());
}

TEST_CASE("dbus connection: StartTransientUnit's body with every property type is valid",
          "[dbus]") {
    Daemon d;
    auto c = dbus::Connection::open(d.address(), dbus::BusKind::Bus);
    REQUIRE(c);
    systemd::Properties props{
        {"Description", std::string("hull container c1")},
        {"Delegate", true},
        {"PIDs", std::vector<uint32_t>{1, 2}},
        {"MemoryMax", uint64_t{1} << 30},
        {"CPUWeight", uint64_t{100}},
        {"Nice", int32_t{-5}},
        {"IOWeight", uint64_t{500}},
        {"AllowedCPUs", systemd::Bits{{0x03}}},
        {"DeviceAllow", systemd::DeviceAllowList{{"/dev/null", "rwm"}, {"char-pts", "rw"}}},
        {"Wants", std::vector<std::string>{"a.slice"}},
        {"Weights", std::vector<uint64_t>{}},
        {"Byte", uint8_t{9}},
        {"Ratio", 0.5},
        {"Short", int16_t{-2}},
    };
    dbus::Writer w;
    w.string('s', "hull-c1.scope");
    w.string('s', "fail");
    systemd::append_properties(w, props);
    auto aux = w.open_array(8);
    w.close_array(aux);
    // dbus-daemon checks the body against the signature before it answers; a method it does
    // not have is the answer we want (a malformed body would end the connection instead).
    auto reply = c->call(bus_call("NoSuchMethod", "ssa(sv)a(sa(sv))", w.bytes()));
    INFO((reply ? std::string() : reply.error().message()));
    REQUIRE(reply);
    CHECK(reply->error_name == "org.freedesktop.DBus.Error.UnknownMethod");
    // and the connection is still fine
    auto id = c->call(bus_call("GetId"));
    REQUIRE(id);
    CHECK(id->type == MessageType::Return);

    // a wrong body (the signature says more than the body holds) ends the connection
    auto broken = c->call(bus_call("NoSuchMethod", "ss", w.bytes().substr(0, 8)));
    CHECK((!broken || broken->type == MessageType::Error));
}

TEST_CASE("dbus connection: no socket is one error naming the address", "[dbus]") {
    auto c = dbus::Connection::open("unix:path=/nonexistent/bus", dbus::BusKind::Bus);
    REQUIRE_FALSE(c);
    CHECK(c.error().message().find("connect unix:path=/nonexistent/bus") != std::string::npos);
}

namespace {

// Reads from `fd` until `text` ends with "BEGIN\r\n" (or 5 s pass, or the peer hangs up).
std::string read_until_begin(int fd) {
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!text.ends_with("BEGIN\r\n") && std::chrono::steady_clock::now() < deadline) {
        char buf[256];
        const ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    return text;
}

} // namespace

TEST_CASE("dbus authentication: AUTH, DATA and BEGIN go out before any answer; a server that "
          "refuses the socket's identity gets the uid",
          "[dbus]") {
    hull::testutil::TempDir dir("dbusauth");
    const std::string path = dir.path() + "/sock";
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(lfd >= 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path.c_str(), sizeof(sa.sun_path) - 1);
    REQUIRE(bind(lfd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    REQUIRE(listen(lfd, 2) == 0);
    char uid_hex[64] = "";
    for (char ch : std::to_string(geteuid()))
        std::snprintf(uid_hex + std::strlen(uid_hex), 4, "%02x", static_cast<unsigned char>(ch));

    const pid_t server = fork();
    REQUIRE(server >= 0);
    if (server == 0) { // a server that wants the identity in the AUTH line
        int ok = 1;
        int c1 = accept(lfd, nullptr, nullptr);
        // everything before BEGIN came without waiting for an answer
        ok &= read_until_begin(c1) == std::string("\0AUTH EXTERNAL\r\nDATA\r\nBEGIN\r\n", 29);
        (void)!write(c1, "REJECTED EXTERNAL\r\n", 19);
        close(c1);
        int c2 = accept(lfd, nullptr, nullptr);
        ok &=
            read_until_begin(c2) == std::string("\0AUTH EXTERNAL ", 15) + uid_hex + "\r\nBEGIN\r\n";
        (void)!write(c2, "OK 0123456789abcdef\r\n", 21);
        close(c2);
        _exit(ok ? 0 : 1);
    }
    close(lfd);
    auto c = dbus::Connection::open("unix:path=" + path, dbus::BusKind::Direct);
    INFO((c ? std::string() : c.error().message()));
    CHECK(c.has_value());
    int status = 0;
    REQUIRE(waitpid(server, &status, 0) == server);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}
