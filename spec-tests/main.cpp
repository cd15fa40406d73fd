// main() of hull-spec: checks the environment, runs Catch2, removes the per-run temp dir.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "harness.hpp"
#include "rootless_user.hpp"

#include <cstdio>

int main(int argc, char** argv) {
    if (spectest::hull_binary().empty() || spectest::probe_binary().empty()) {
        std::fprintf(stderr, "hull-spec: set HULL_BINARY and HULL_PROBE (meson test does)\n");
        return 2;
    }
    int rc = Catch::Session().run(argc, argv);
    spectest::remove_rootless_user();
    spectest::cleanup_temp();
    return rc;
}
