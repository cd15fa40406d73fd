// The real command table: runc's surface as callers use it, and the help texts.
#include "cli/command_table.hpp"
#include "cli/help.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

using namespace hull::cli;

namespace {

hull::Result<ParsedArgs> parse_cmd(const std::string& name, std::vector<std::string> argv) {
    const CommandSpec* spec = find_command(name);
    REQUIRE(spec);
    auto r = parse_args(spec->flags, spec->args, argv);
    if (r) {
        auto n = check_arg_count(name, spec->args, r->positionals().size());
        if (!n) return std::unexpected(n.error());
    }
    return r;
}

} // namespace

TEST_CASE("command table: every command is present, sorted, with help", "[cli]") {
    const std::vector<std::string> expected{
        "checkpoint", "create",  "delete", "events", "exec", "features", "kill",  "list",  "pause",
        "ps",         "restore", "resume", "run",    "spec", "start",    "state", "update"};
    std::vector<std::string> names;
    for (const auto& c : command_specs()) {
        names.emplace_back(c.name);
        INFO(c.name);
        CHECK_FALSE(c.summary.empty());
        REQUIRE_FALSE(c.flags.empty());
        CHECK(c.flags.back().name == "help");
        CHECK(c.flags.back().short_name == 'h');
        // No duplicate long or short names within one command.
        std::set<std::string_view> longs;
        std::set<char> shorts;
        for (const auto& f : c.flags) {
            CHECK(longs.insert(f.name).second);
            if (f.short_name) CHECK(shorts.insert(f.short_name).second);
            CHECK_FALSE(f.help.empty());
        }
    }
    CHECK(names == expected);
    CHECK(find_command("nope") == nullptr);
    CHECK(find_command("help") == nullptr);
}

TEST_CASE("command table: global options", "[cli]") {
    std::vector<std::string> argv{
        "--root",          "/r",    "--log=/l", "--log-format=json", "--debug", "--systemd-cgroup",
        "--rootless=true", "state", "--bogus"};
    auto r = parse_args(global_flags(), global_rules(), argv);
    REQUIRE(r);
    CHECK(r->value("root") == "/r");
    CHECK(r->value("log") == "/l");
    CHECK(r->value("log-format") == "json");
    CHECK(r->flag("debug"));
    CHECK(r->flag("systemd-cgroup"));
    CHECK(r->value("rootless") == "true");
    // Global flag parsing stops at the command; the rest belongs to it.
    CHECK(r->positionals() == std::vector<std::string>{"state", "--bogus"});

    std::vector<std::string> v{"-v"};
    auto ver = parse_args(global_flags(), global_rules(), v);
    REQUIRE(ver);
    CHECK(ver->flag("version"));
    std::vector<std::string> bad{"--log-format", "xml", "state"};
    CHECK_FALSE(parse_args(global_flags(), global_rules(), bad));
    std::vector<std::string> rl{"--rootless", "maybe"};
    CHECK_FALSE(parse_args(global_flags(), global_rules(), rl));
    // A command flag before the command is a global flag, and unknown there.
    std::vector<std::string> early{"--bundle", "/b", "create", "id"};
    auto e = parse_args(global_flags(), global_rules(), early);
    REQUIRE_FALSE(e);
    CHECK(e.error().message() == "flag provided but not defined: -bundle");
}

TEST_CASE("command table: create as containerd and conmon call it", "[cli]") {
    auto r = parse_cmd("create", {"--bundle", "/b", "--pid-file", "/b/init.pid",
                                  "--console-socket=/s", "--no-pivot", "--no-new-keyring",
                                  "--preserve-fds", "2", "-no-subreaper", "ctr1"});
    REQUIRE(r);
    CHECK(r->value("bundle") == "/b");
    CHECK(r->value("pid-file") == "/b/init.pid");
    CHECK(r->value("console-socket") == "/s");
    CHECK(r->flag("no-pivot"));
    CHECK(r->flag("no-new-keyring"));
    CHECK(r->unsigned_value("preserve-fds") == 2u);
    CHECK(r->flag("no-subreaper"));
    CHECK(r->positionals() == std::vector<std::string>{"ctr1"});
    auto cfg = parse_cmd("create", {"-b", "/b", "-f", "/other.json", "id"});
    REQUIRE(cfg);
    CHECK(cfg->value("config") == "/other.json");
    CHECK_FALSE(parse_cmd("create", {"-b", "/b"}));
    CHECK_FALSE(parse_cmd("create", {"a", "b"}));
    CHECK_FALSE(parse_cmd("create", {"--detach", "id"}));
}

TEST_CASE("command table: run has create's flags plus detach and keep", "[cli]") {
    auto r = parse_cmd("run", {"-b", "/b", "-d", "--keep", "--pidfd-socket", "/p", "id"});
    REQUIRE(r);
    CHECK(r->flag("detach"));
    CHECK(r->flag("keep"));
    CHECK(r->value("pidfd-socket") == "/p");
}

TEST_CASE("command table: kill", "[cli]") {
    auto positional = parse_cmd("kill", {"--all", "id", "9"});
    REQUIRE(positional);
    CHECK(positional->flag("all"));
    CHECK(positional->positionals() == std::vector<std::string>{"id", "9"});
    auto by_flag = parse_cmd("kill", {"--signal", "KILL", "id"});
    REQUIRE(by_flag);
    CHECK(by_flag->value("signal") == "KILL");
    auto defaulted = parse_cmd("kill", {"-a", "id"});
    REQUIRE(defaulted);
    CHECK(defaulted->positionals().size() == 1);
    CHECK_FALSE(parse_cmd("kill", {"id", "TERM", "extra"}));
    CHECK_FALSE(parse_cmd("kill", {}));
}

TEST_CASE("command table: exec command line after the ID", "[cli]") {
    auto r = parse_cmd("exec", {"-t", "-e", "A=1", "--env", "B=2", "ctr", "-u", "1000:1000", "sh",
                                "-c", "echo -e x", "--tty", "-e"});
    REQUIRE(r);
    CHECK(r->flag("tty"));
    CHECK(r->values("env") == std::vector<std::string>{"A=1", "B=2"});
    CHECK(r->value("user") == "1000:1000");
    CHECK(r->positionals() ==
          std::vector<std::string>{"ctr", "sh", "-c", "echo -e x", "--tty", "-e"});

    auto go_runc = parse_cmd("exec", {"--process", "/tmp/p.json", "--detach", "--pid-file",
                                      "/b/e.pid", "--preserve-fds=1", "ctr"});
    REQUIRE(go_runc);
    CHECK(go_runc->value("process") == "/tmp/p.json");
    CHECK(go_runc->flag("detach"));
    CHECK(go_runc->positionals() == std::vector<std::string>{"ctr"});

    auto caps = parse_cmd("exec", {"-c", "CAP_NET_ADMIN", "--cap", "CAP_SYS_TIME", "-g", "10",
                                   "--additional-gids=20", "--cgroup", "cpu:sub", "--cgroup",
                                   "/all", "--ignore-paused", "--no-new-privs", "ctr", "true"});
    REQUIRE(caps);
    CHECK(caps->values("cap") == std::vector<std::string>{"CAP_NET_ADMIN", "CAP_SYS_TIME"});
    CHECK(caps->values("additional-gids") == std::vector<std::string>{"10", "20"});
    CHECK(caps->values("cgroup") == std::vector<std::string>{"cpu:sub", "/all"});
    CHECK(caps->flag("ignore-paused"));
    CHECK(caps->flag("no-new-privs"));
    CHECK_FALSE(parse_cmd("exec", {}));
}

TEST_CASE("command table: ps passes its trailing options through", "[cli]") {
    auto r = parse_cmd("ps", {"--format", "table", "ctr", "-ef", "--forest"});
    REQUIRE(r);
    CHECK(r->value("format") == "table");
    CHECK(r->positionals() == std::vector<std::string>{"ctr", "-ef", "--forest"});
    auto json = parse_cmd("ps", {"-f", "json", "ctr"});
    REQUIRE(json);
    CHECK(json->value("format") == "json");
    auto def = parse_cmd("ps", {"ctr"});
    REQUIRE(def);
    CHECK(def->value("format") == "table");
}

TEST_CASE("command table: list, delete, update, events, spec", "[cli]") {
    auto list = parse_cmd("list", {"--format=json", "-q"});
    REQUIRE(list);
    CHECK(list->value("format") == "json");
    CHECK(list->flag("quiet"));
    CHECK_FALSE(parse_cmd("list", {"extra"}));

    auto del = parse_cmd("delete", {"-f", "id"});
    REQUIRE(del);
    CHECK(del->flag("force"));

    auto upd = parse_cmd("update", {"--resources=-", "--memory", "1g", "--cpu-quota=-1",
                                    "--pids-limit", "100", "--cpuset-cpus", "0-1", "id"});
    REQUIRE(upd);
    CHECK(upd->value("resources") == "-");
    CHECK(upd->value("memory") == "1g");
    CHECK(upd->signed_value("cpu-quota") == -1);
    CHECK(upd->signed_value("pids-limit") == 100);
    CHECK_FALSE(parse_cmd("update", {"--cpu-period=abc", "id"}));

    auto ev = parse_cmd("events", {"--interval=2s", "--stats", "id"});
    REQUIRE(ev);
    CHECK(ev->value("interval") == "2s");
    CHECK(ev->flag("stats"));
    auto ev_default = parse_cmd("events", {"id"});
    REQUIRE(ev_default);
    CHECK(ev_default->value("interval") == "5s");

    auto spec = parse_cmd("spec", {"-b", "/b", "--rootless"});
    REQUIRE(spec);
    CHECK(spec->value("bundle") == "/b");
    CHECK(spec->flag("rootless"));
    CHECK_FALSE(parse_cmd("spec", {"id"}));
    CHECK(parse_cmd("features", {}));
    CHECK_FALSE(parse_cmd("features", {"x"}));
}

TEST_CASE("command table: checkpoint and restore", "[cli]") {
    auto cp = parse_cmd("checkpoint", {"--image-path",
                                       "/img",
                                       "--work-path",
                                       "/w",
                                       "--leave-running",
                                       "--tcp-established",
                                       "--file-locks",
                                       "--pre-dump",
                                       "--parent-path",
                                       "../pre",
                                       "--manage-cgroups-mode",
                                       "full",
                                       "--empty-ns",
                                       "network",
                                       "--status-fd",
                                       "3",
                                       "--page-server",
                                       "h:1",
                                       "--lazy-pages",
                                       "--auto-dedup",
                                       "--ext-unix-sk",
                                       "--shell-job",
                                       "id"});
    REQUIRE(cp);
    CHECK(cp->value("image-path") == "/img");
    CHECK(cp->flag("pre-dump"));
    CHECK(cp->value("manage-cgroups-mode") == "full");
    CHECK(cp->values("empty-ns") == std::vector<std::string>{"network"});
    CHECK(cp->signed_value("status-fd") == 3);
    CHECK_FALSE(parse_cmd("checkpoint", {"--manage-cgroups-mode", "bogus", "id"}));

    // conmon and go-runc.
    auto rs =
        parse_cmd("restore", {"--bundle", "/b", "--pid-file", "/p", "--detach", "--image-path",
                              "/img", "--work-path", "/b", "-no-subreaper", "--no-pivot",
                              "--console-socket", "/s", "-d", "--tcp-established", "id"});
    REQUIRE(rs);
    CHECK(rs->value("bundle") == "/b");
    CHECK(rs->flag("no-subreaper"));
    CHECK(rs->flag("detach"));
    CHECK_FALSE(parse_cmd("restore", {"--pre-dump", "id"}));
}

TEST_CASE("command table: help texts list commands and flags", "[cli]") {
    const std::string global = global_help();
    for (const auto& c : command_specs())
        CHECK(global.find("   " + std::string(c.name)) != std::string::npos);
    CHECK(global.find("--log-format text|json") != std::string::npos);
    CHECK(global.find("-v, --version") != std::string::npos);

    const std::string create = command_help(*find_command("create"));
    CHECK(create.starts_with("Usage: hull create [command options] <container-id>\n"));
    CHECK(create.find("-b, --bundle DIR") != std::string::npos);
    CHECK(create.find("--preserve-fds N") != std::string::npos);
    CHECK(create.find("-h, --help") != std::string::npos);

    const std::string exec = command_help(*find_command("exec"));
    CHECK(exec.find("-e, --env KEY=VALUE") != std::string::npos);
    CHECK(exec.find("(repeatable)") != std::string::npos);
    const std::string events = command_help(*find_command("events"));
    CHECK(events.find("(default: 5s)") != std::string::npos);
}
