// The systemd driver's pure logic: cgroupsPath, slice expansion, properties, annotations.
#include "cgroups/cgroups.hpp"
#include "cgroups/systemd.hpp"

#include <catch2/catch.hpp>

#include <limits>

using namespace hull;
using namespace hull::cgroups::systemd;

namespace {
const Property* find(const Properties& p, std::string_view name) {
    for (const auto& x : p)
        if (x.name == name) return &x;
    return nullptr;
}
template <class T> T get(const Properties& p, std::string_view name) {
    const Property* x = find(p, name);
    REQUIRE(x);
    REQUIRE(std::holds_alternative<T>(x->value));
    return std::get<T>(x->value);
}
Memory mem(std::optional<int64_t> limit, std::optional<int64_t> reservation = std::nullopt,
           std::optional<int64_t> swap = std::nullopt) {
    Memory m;
    m.limit = limit;
    m.reservation = reservation;
    m.swap = swap;
    return m;
}
Cpu cpu(std::optional<int64_t> quota, std::optional<uint64_t> period = std::nullopt) {
    Cpu c;
    c.quota = quota;
    c.period = period;
    return c;
}
constexpr uint64_t kInf = std::numeric_limits<uint64_t>::max();
} // namespace

TEST_CASE("systemd: slice names expand to their path", "[cgroups][systemd]") {
    CHECK(expand_slice("system.slice").value() == "/system.slice");
    CHECK(expand_slice("a-b-c.slice").value() == "/a.slice/a-b.slice/a-b-c.slice");
    CHECK(expand_slice("-.slice").value() == "/");
    for (const char* bad :
         {"", ".slice", "a.scope", "-a.slice", "a--b.slice", "a-.slice", "a/b.slice", "slice"}) {
        INFO(bad);
        CHECK_FALSE(expand_slice(bad));
    }
}

TEST_CASE("systemd: cgroupsPath slice:prefix:name", "[cgroups][systemd]") {
    CHECK(parse_cgroups_path(std::nullopt, "c1", Manager::System).value() ==
          UnitSpec{.slice = "system.slice", .unit = "hull-c1.scope"});
    CHECK(parse_cgroups_path(std::string(), "c1", Manager::User).value() ==
          UnitSpec{.slice = "user.slice", .unit = "hull-c1.scope"});
    CHECK(parse_cgroups_path("machine.slice:libpod:abc", "c1", Manager::System).value() ==
          UnitSpec{.slice = "machine.slice", .unit = "libpod-abc.scope"});
    // empty slice: the default one; empty prefix kept as runc does ("-name.scope")
    CHECK(parse_cgroups_path(":p:n", "c1", Manager::System).value() ==
          UnitSpec{.slice = "system.slice", .unit = "p-n.scope"});
    CHECK(parse_cgroups_path(":p:n", "c1", Manager::User).value().slice == "user.slice");
    CHECK(parse_cgroups_path("a-b.slice::n", "c1", Manager::System).value().unit == "-n.scope");
    CHECK(parse_cgroups_path("-.slice:p:n", "c1", Manager::System).value().slice == "-.slice");
    // a name ending in .slice asks for a slice unit
    auto s = parse_cgroups_path("system.slice:p:x-y.slice", "c1", Manager::System).value();
    CHECK(s.unit == "x-y.slice");
    CHECK(s.is_slice());
    CHECK_FALSE(parse_cgroups_path("system.slice:p:n", "c", Manager::System)->is_slice());
    for (const char* bad : {"/hull/c1", "a:b", "a:b:c:d", "system.slice:p:", "bad:p:n",
                            "a--b.slice:p:n", "system.slice:p:n/x", "system.slice:p:bad--.slice"}) {
        INFO(bad);
        CHECK_FALSE(parse_cgroups_path(std::string(bad), "c1", Manager::System));
    }
    auto err = parse_cgroups_path(std::string("/hull/c1"), "c1", Manager::System);
    CHECK(err.error().message().find("slice:prefix:name") != std::string::npos);
}

TEST_CASE("systemd: the unit's own properties", "[cgroups][systemd]") {
    auto scope = unit_properties({.slice = "system.slice", .unit = "p-n.scope"}, 42, "d");
    CHECK(get<std::string>(scope, "Description") == "d");
    CHECK(get<std::string>(scope, "Slice") == "system.slice");
    CHECK(get<bool>(scope, "Delegate") == true);
    CHECK(get<bool>(scope, "DefaultDependencies") == false);
    CHECK(get<std::vector<uint32_t>>(scope, "PIDs") == std::vector<uint32_t>{42});
    auto slice = unit_properties({.slice = "system.slice", .unit = "x.slice"}, -1, "d");
    CHECK_FALSE(find(slice, "PIDs"));
    CHECK_FALSE(find(slice, "Slice"));
    CHECK(get<std::vector<std::string>>(slice, "Wants") ==
          std::vector<std::string>{"system.slice"});
}

TEST_CASE("systemd: resources become properties as runc converts them", "[cgroups][systemd]") {
    Resources r;
    r.memory = mem(64 << 20, 32 << 20, 96 << 20);
    r.cpu = cpu(25000, 100000);
    r.cpu->shares = 1024;
    r.cpu->cpus = "0-2,5";
    r.cpu->mems = "0";
    r.pids = Pids{.limit = 10};
    r.blockIO.emplace();
    r.blockIO->weight = 500;
    auto p = resource_properties(r, "").value();
    CHECK(get<uint64_t>(p, "MemoryMax") == 64u << 20);
    CHECK(get<uint64_t>(p, "MemoryLow") == 32u << 20);
    CHECK(get<uint64_t>(p, "MemorySwapMax") == 32u << 20); // swap alone
    CHECK(get<uint64_t>(p, "CPUWeight") == 100);
    CHECK(get<uint64_t>(p, "CPUQuotaPeriodUSec") == 100000);
    CHECK(get<uint64_t>(p, "CPUQuotaPerSecUSec") == 250000);
    CHECK(get<Bits>(p, "AllowedCPUs").bytes == std::vector<uint8_t>{0x27});
    CHECK(get<Bits>(p, "AllowedMemoryNodes").bytes == std::vector<uint8_t>{0x01});
    CHECK(get<uint64_t>(p, "TasksMax") == 10);
    CHECK(get<uint64_t>(p, "IOWeight") == cgroups::blkio_weight_to_io(500));
    CHECK_FALSE(find(p, "DevicePolicy")); // no device rules: systemd's default stays

    SECTION("quota rounds up to 10 ms per second; -1 is infinity") {
        Resources q;
        q.cpu = cpu(12345, 100000);
        CHECK(get<uint64_t>(resource_properties(q, "").value(), "CPUQuotaPerSecUSec") == 130000);
        q.cpu = cpu(-1);
        auto pq = resource_properties(q, "").value();
        CHECK(get<uint64_t>(pq, "CPUQuotaPerSecUSec") == kInf);
        CHECK_FALSE(find(pq, "CPUQuotaPeriodUSec"));
        q.cpu = cpu(50000); // default period 100 ms
        CHECK(get<uint64_t>(resource_properties(q, "").value(), "CPUQuotaPerSecUSec") == 500000);
    }
    SECTION("unlimited values") {
        Resources u;
        u.memory = mem(-1);
        u.pids = Pids{.limit = -1};
        auto pu = resource_properties(u, "").value();
        CHECK(get<uint64_t>(pu, "MemoryMax") == kInf);
        CHECK(get<uint64_t>(pu, "MemorySwapMax") == kInf);
        CHECK(get<uint64_t>(pu, "TasksMax") == kInf);
        u.pids = Pids{.limit = 0};
        CHECK_FALSE(find(resource_properties(u, "").value(), "TasksMax"));
    }
    SECTION("bad swap and cpu lists are refused") {
        Resources b;
        b.memory = mem(100, std::nullopt, 50);
        CHECK_FALSE(resource_properties(b, ""));
        b.memory = mem(std::nullopt, std::nullopt, 50);
        CHECK_FALSE(resource_properties(b, ""));
        b.memory.reset();
        b.cpu.emplace();
        b.cpu->cpus = "3-1";
        CHECK_FALSE(resource_properties(b, ""));
    }
}

TEST_CASE("systemd: cpu lists become bit masks", "[cgroups][systemd]") {
    CHECK(list_to_bits("0").value().bytes == std::vector<uint8_t>{0x01});
    CHECK(list_to_bits("0-7").value().bytes == std::vector<uint8_t>{0xff});
    CHECK(list_to_bits("9").value().bytes == std::vector<uint8_t>{0x00, 0x02});
    CHECK(list_to_bits("1,3-4\n").value().bytes == std::vector<uint8_t>{0x1a});
    for (const char* bad : {"", "a", "1-", "-1", "1,,2", "5-2"}) {
        INFO(bad);
        CHECK_FALSE(list_to_bits(bad));
    }
}

TEST_CASE("systemd: device rules become DevicePolicy and DeviceAllow", "[cgroups][systemd]") {
    const std::string proc_devices = "Character devices:\n  1 mem\n  5 /dev/tty\n136 pts\n\n"
                                     "Block devices:\n  8 sd\n";
    auto rule = [](bool allow, std::optional<DeviceRuleType> t, std::optional<int64_t> ma,
                   std::optional<int64_t> mi, std::string acc) {
        return DeviceRule{.allow = allow, .type = t, .major = ma, .minor = mi, .access = acc};
    };
    using T = DeviceRuleType;
    std::vector<DeviceRule> rules = {
        rule(false, std::nullopt, std::nullopt, std::nullopt, "rwm"), // deny all
        rule(true, T::Char, std::nullopt, std::nullopt, "m"),
        rule(true, T::Char, 1, 3, "rw"),
        rule(true, T::Char, 1, 3, "m"), // merged with the one before
        rule(true, T::Char, 136, std::nullopt, "rwm"),
        rule(true, T::Block, 8, 0, "r"),
        rule(true, T::Char, 99, std::nullopt, "r"), // no driver 99: left to hull's filter
        rule(true, T::Char, 1, 5, "rwm"),
        rule(false, T::Char, 1, 5, "rwm"), // removed again
    };
    auto p = device_properties(rules, proc_devices);
    REQUIRE(p.size() == 3);
    CHECK(p[0].name == "DeviceAllow");
    CHECK(std::get<DeviceAllowList>(p[0].value).empty()); // clears the unit's old list
    CHECK(get<std::string>(p, "DevicePolicy") == "strict");
    CHECK(std::get<DeviceAllowList>(p[2].value) == DeviceAllowList{{"char-*", "m"},
                                                                   {"/dev/char/1:3", "rwm"},
                                                                   {"char-pts", "rwm"},
                                                                   {"/dev/block/8:0", "r"}});
    // allow everything (also after a deny-all): systemd allows all, hull's filter does the rest
    auto all =
        device_properties({rules[0], rule(true, std::nullopt, std::nullopt, std::nullopt, "rwm"),
                           rule(false, T::Char, 1, 3, "rwm")},
                          proc_devices);
    CHECK(get<std::string>(all, "DevicePolicy") == "auto");
    CHECK(device_properties({}, proc_devices).empty());
}

TEST_CASE("systemd: GVariant text values", "[cgroups][systemd]") {
    CHECK(parse_gvariant("true").value() == Value(true));
    CHECK(parse_gvariant(" false ").value() == Value(false));
    CHECK(parse_gvariant("42").value() == Value(int32_t{42}));
    CHECK(parse_gvariant("-7").value() == Value(int32_t{-7}));
    CHECK(parse_gvariant("5000000000").value() == Value(int64_t{5000000000}));
    CHECK(parse_gvariant("uint64 18446744073709551615").value() == Value(kInf));
    CHECK(parse_gvariant("uint32 7").value() == Value(uint32_t{7}));
    CHECK(parse_gvariant("byte 255").value() == Value(uint8_t{255}));
    CHECK(parse_gvariant("int16 -3").value() == Value(int16_t{-3}));
    CHECK(parse_gvariant("1.5").value() == Value(1.5));
    CHECK(parse_gvariant("'a b'").value() == Value(std::string("a b")));
    CHECK(parse_gvariant("\"it's\"").value() == Value(std::string("it's")));
    CHECK(parse_gvariant("['x', 'y,z']").value() == Value(std::vector<std::string>{"x", "y,z"}));
    CHECK(parse_gvariant("[uint32 1, 2]").value() == Value(std::vector<uint32_t>{1, 2}));
    CHECK(parse_gvariant("@as []").value() == Value(std::vector<std::string>{}));
    for (const char* bad :
         {"", "yes", "'open", "byte 256", "uint32 -1", "[1, 'a']", "[1", "@q 5", "int16 70000"}) {
        INFO(bad);
        CHECK_FALSE(parse_gvariant(bad));
    }
}

TEST_CASE("systemd: org.systemd.property annotations", "[cgroups][systemd]") {
    std::map<std::string, std::string> a = {
        {"org.systemd.property.CollectMode", "'inactive-or-failed'"},
        {"org.systemd.property.TimeoutStopSec", "5"},
        {"org.systemd.property.RuntimeMaxUSec", "uint64 1000"},
        {"org.systemd.property.CPUAccounting", "true"},
        {"other.annotation", "x"},
    };
    auto p = annotation_properties(a).value();
    CHECK(p.size() == 4);
    CHECK(get<std::string>(p, "CollectMode") == "inactive-or-failed");
    CHECK(get<uint64_t>(p, "TimeoutStopUSec") == 5000000); // seconds -> USec
    CHECK(get<uint64_t>(p, "RuntimeMaxUSec") == 1000);
    CHECK(get<bool>(p, "CPUAccounting") == true);
    CHECK_FALSE(find(p, "TimeoutStopSec"));
    CHECK(get<uint64_t>(
              annotation_properties({{"org.systemd.property.TimeoutStopSec", "0.25"}}).value(),
              "TimeoutStopUSec") == 250000);
    for (auto bad : std::vector<std::pair<std::string, std::string>>{
             {"org.systemd.property.lower", "1"},
             {"org.systemd.property.Bad-Name", "1"},
             {"org.systemd.property.", "1"},
             {"org.systemd.property.Foo", "not gvariant"},
             {"org.systemd.property.TimeoutStopSec", "'five'"}}) {
        INFO(bad.first << "=" << bad.second);
        CHECK_FALSE(annotation_properties({bad}));
    }
}

TEST_CASE("systemd: value signatures", "[cgroups][systemd]") {
    CHECK(signature(Value(true)) == "b");
    CHECK(signature(Value(uint64_t{1})) == "t");
    CHECK(signature(Value(std::string())) == "s");
    CHECK(signature(Value(Bits{})) == "ay");
    CHECK(signature(Value(DeviceAllowList{})) == "a(ss)");
    CHECK(signature(Value(std::vector<uint32_t>{})) == "au");
}
