#!/usr/bin/env bash
# Builds the libFuzzer targets into fuzz/out/ (or $FUZZ_OUT) with clang 16 from Debian
# (clang-16, libclang-rt-16-dev; fuzz/setup.sh installs them), with ASan and UBSan.
# clang 16 defines __cpp_concepts as 201907 although it implements what libstdc++ 12's
# <expected> needs (P0848): the macro is raised so that <expected> is visible.
# Usage: fuzz/build.sh [TARGET...]   (default: all four)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${FUZZ_OUT:-fuzz/out}
cxx=${FUZZ_CXX:-clang++-16}
mkdir -p "$out/obj"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(config cli state mount_options)

# A generated header meson writes in a normal build (version strings).
mkdir -p "$out/util"
cat > "$out/util/build_info.h" <<'H'
#define HULL_VERSION "fuzz"
#define HULL_COMMIT "fuzz"
#define HULL_SPEC_VERSION "1.3.0"
H

flags=(-std=c++2b -D_GNU_SOURCE -U__cpp_concepts -D__cpp_concepts=202002L
       -Wno-builtin-macro-redefined -g -O1 -fno-omit-frame-pointer
       -fsanitize=address,undefined -fno-sanitize-recover=all
       -Iinclude -Isrc -I"$out" $(pkg-config --cflags spdlog))
libs=($(pkg-config --libs spdlog libseccomp libcap))

# The library part: what the four readers need (config, state, cli parser, util).
lib_srcs=(src/config/enums.cpp src/config/mount_options.cpp
          src/config/parse.cpp src/config/spec_default.cpp src/config/validate.cpp
          src/state/state_json.cpp src/state/status.cpp src/state/store.cpp src/state/lock.cpp
          src/util/error.cpp src/util/fs.cpp src/util/io.cpp src/util/log.cpp src/util/proc.cpp
          src/util/signals.cpp
          src/cli/args.cpp src/cli/command_table.cpp src/cli/global_options.cpp
          fuzz/runtime_stub.cpp)
objs=()
for s in "${lib_srcs[@]}"; do
    o="$out/obj/$(echo "$s" | tr / _).o"
    if [ ! -f "$o" ] || [ "$s" -nt "$o" ]; then
        "$cxx" "${flags[@]}" -fsanitize=fuzzer-no-link -c "$s" -o "$o"
    fi
    objs+=("$o")
done
for t in "${targets[@]}"; do
    "$cxx" "${flags[@]}" -fsanitize=fuzzer "fuzz/fuzz_$t.cpp" "${objs[@]}" "${libs[@]}" \
        -o "$out/fuzz_$t"
    echo "built $out/fuzz_$t"
done
