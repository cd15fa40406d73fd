#include "hull/error.hpp"

#include <catch2/catch.hpp>

using hull::Error;
using hull::Result;

namespace {
Result<int> fails_with_enoent() { return hull::fail_sys(ENOENT, "open /x"); }
Result<int> adds_context() {
    int v = HULL_TRY_CTX(fails_with_enoent(), "mount proc on /proc");
    return v + 1;
}
Result<int> passes_through() {
    int v = HULL_TRY(Result<int>(41));
    return v + 1;
}
} // namespace

TEST_CASE("Error::sys formats strerror and keeps errno") {
    auto e = Error::sys(EACCES, "mount proc on /proc");
    CHECK(e.err() == EACCES);
    CHECK(e.message() == "mount proc on /proc: Permission denied");
}

TEST_CASE("context wraps the message, outermost first") {
    auto r = adds_context();
    REQUIRE_FALSE(r);
    CHECK(r.error().err() == ENOENT);
    CHECK(r.error().message() == "mount proc on /proc: open /x: No such file or directory");
    CHECK(passes_through().value() == 42);
}
