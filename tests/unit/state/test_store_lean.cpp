// [state][lean] annotations are stored once, beside state.json: kill/start/pause read a small
// state.json (a Lean load), and a Lean state saved again keeps them.
#include "state/store.hpp"
#include "util/fs.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

namespace {

struct LeanRoot {
    std::string path;
    LeanRoot() {
        char t[] = "/tmp/hull-lean-test-XXXXXX";
        REQUIRE(::mkdtemp(t) != nullptr);
        path = t;
    }
    ~LeanRoot() { (void)hull::fs::remove_tree(AT_FDCWD, path); }
};

} // namespace

TEST_CASE("state.json does not carry the annotations; a Lean load skips them", "[state][lean]") {
    LeanRoot t;
    auto s = hull::Store::open_root(t.path).value();
    hull::ContainerState st;
    st.id = "big";
    st.status = hull::Status::Created;
    st.annotations["big"] = std::string(1 << 20, 'z');
    st.annotations["k"] = "v";
    auto c = s.create("big", st).value();
    auto text = c.read_file("state.json").value();
    CHECK(text.size() < 4096);
    CHECK(text.find("zzzz") == std::string::npos);

    auto lean = c.load(hull::StateDetail::Lean).value();
    CHECK(lean.annotations.empty());
    lean.status = hull::Status::Running;
    REQUIRE(c.save(lean)); // as `start` does
    auto full = c.load().value();
    CHECK(full.status == hull::Status::Running);
    CHECK(full.annotations.size() == 2);
    CHECK(full.annotations["k"] == "v");
    CHECK(full.annotations["big"].size() == (1u << 20));
    REQUIRE(c.load_annotations(lean));
    CHECK(lean.annotations == full.annotations);
}

TEST_CASE("an old state.json that still holds its annotations loads them", "[state][lean]") {
    LeanRoot t;
    auto s = hull::Store::open_root(t.path).value();
    auto c = s.create("old").value();
    hull::ContainerState st;
    st.id = "old";
    st.status = hull::Status::Created;
    st.annotations["a"] = "b";
    REQUIRE(c.write_file("state.json", hull::to_persisted_json(st).dump()));
    CHECK(c.load().value().annotations.at("a") == "b");
}

TEST_CASE("state.json is one line that says whether annotations.json exists", "[state][lean]") {
    LeanRoot t;
    auto s = hull::Store::open_root(t.path).value();
    hull::ContainerState st;
    st.id = "plain";
    st.status = hull::Status::Created;
    auto c = s.create("plain", st).value();
    auto text = c.read_file("state.json").value();
    CHECK(text.ends_with("}\n"));
    CHECK(text.find('\n') == text.size() - 1);
    CHECK(text.find("\"annotationsFile\":false") != std::string::npos);
    auto loaded = c.load().value();
    CHECK(loaded.annotations.empty());
    CHECK(loaded.extra.find("annotationsFile") == loaded.extra.end()); // not the caller's

    // written by an older hull: annotations.json beside a state.json that says nothing of it
    hull::ContainerState old;
    old.id = "plain";
    old.status = hull::Status::Created;
    REQUIRE(c.write_file("state.json", hull::to_persisted_json(old).dump()));
    REQUIRE(c.write_file("annotations.json", "{\"x\":\"y\"}"));
    CHECK(c.load().value().annotations.at("x") == "y");
}
