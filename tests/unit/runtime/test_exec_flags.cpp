// exec's flag form: runc's getProcess rules (process_from_flags) and --cgroup parsing.
#include "hull/exec.hpp"

#include <catch2/catch.hpp>

using namespace hull;
using namespace hull::runtime;

namespace {

Process base() {
    Process p;
    p.args = {"/init"};
    p.cwd = "/";
    p.env = {"PATH=/bin", "A=1"};
    p.terminal = true;
    p.user.uid = 0;
    p.user.gid = 0;
    p.user.additionalGids = {10};
    Capabilities c;
    c.bounding = {Capability::Kill};
    c.effective = {Capability::Kill};
    c.permitted = {Capability::Kill};
    p.capabilities = c;
    return p;
}

} // namespace

TEST_CASE("exec flags: args, cwd, env, terminal, user, groups", "[exec][unit]") {
    ExecFlags f;
    f.args = {"sh", "-c", "x"};
    f.cwd = "/tmp";
    f.env = {"A=2", "B=3"};
    f.user = "1000:1001";
    f.additional_gids = {"5"};
    auto p = process_from_flags(base(), f);
    REQUIRE(p);
    CHECK(p->args == std::vector<std::string>{"sh", "-c", "x"});
    CHECK(p->cwd == "/tmp");
    CHECK(p->env == std::vector<std::string>{"PATH=/bin", "A=2", "B=3"});
    CHECK(p->terminal == false); // the config's terminal does not carry over
    CHECK(p->user.uid == 1000);
    CHECK(p->user.gid == 1001);
    CHECK(p->user.additionalGids == std::vector<uint32_t>{10, 5});

    f.tty = true;
    f.user = "7";
    p = process_from_flags(base(), f);
    REQUIRE(p);
    CHECK(p->terminal == true);
    CHECK(p->user.uid == 7);
    CHECK(p->user.gid == 0);
}

TEST_CASE("exec flags: caps go to every set but inheritable; nnp, labels", "[exec][unit]") {
    ExecFlags f;
    f.args = {"/x"};
    f.caps = {"CAP_SYS_TIME", "net_admin", "CAP_KILL"};
    f.no_new_privs = true;
    f.apparmor = "prof";
    f.process_label = "label";
    auto p = process_from_flags(base(), f);
    REQUIRE(p);
    const auto& c = *p->capabilities;
    std::vector<Capability> want{Capability::Kill, Capability::SysTime, Capability::NetAdmin};
    CHECK(c.bounding == want);
    CHECK(c.effective == want);
    CHECK(c.permitted == want);
    CHECK(c.ambient ==
          std::vector<Capability>{Capability::SysTime, Capability::NetAdmin, Capability::Kill});
    CHECK(c.inheritable.empty());
    CHECK(p->noNewPrivileges == true);
    CHECK(p->apparmorProfile == "prof");
    CHECK(p->selinuxLabel == "label");
}

TEST_CASE("exec flags: errors", "[exec][unit]") {
    ExecFlags f;
    CHECK(process_from_flags(base(), f).error().message() == "process args cannot be empty");
    f.args = {"/x"};
    f.user = "abc";
    CHECK(process_from_flags(base(), f).error().message() == "parsing abc as int for uid failed");
    f.user = "1:x";
    CHECK(process_from_flags(base(), f).error().message() == "parsing x as int for gid failed");
    f.user.reset();
    f.additional_gids = {"-1"};
    CHECK(process_from_flags(base(), f).error().message() ==
          "additional-gids must be a positive number -1");
    f.additional_gids.clear();
    f.caps = {"CAP_NOPE"};
    CHECK(process_from_flags(base(), f).error().message() == "unknown capability \"CAP_NOPE\"");
    f.caps.clear();
    f.cwd = "relative";
    CHECK_FALSE(process_from_flags(base(), f));
}

TEST_CASE("exec flags: --cgroup syntax", "[exec][unit]") {
    auto one = parse_sub_cgroups({"sub"});
    REQUIRE(one);
    CHECK(*one == std::map<std::string, std::string>{{"", "sub"}});
    auto many = parse_sub_cgroups({"cpu,memory:a", "pids:b"});
    REQUIRE(many);
    CHECK(*many ==
          std::map<std::string, std::string>{{"cpu", "a"}, {"memory", "a"}, {"pids", "b"}});
    CHECK(parse_sub_cgroups({"a", "b"}).error().message() ==
          "invalid --cgroup argument: a (missing <controller>: prefix)");
    CHECK(parse_sub_cgroups({"x:y:z"}).error().message() == "invalid --cgroup argument: x:y:z");
    CHECK(parse_sub_cgroups({})->empty());
}
