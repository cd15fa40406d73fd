// Placeholder entry point; the command line lands with the CLI module.
#include "hull_build_info.h"

#include <cstdio>

int main() {
    std::printf("hull version %s\n", HULL_VERSION);
    return 0;
}
