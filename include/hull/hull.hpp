// libhull's API in one include: the typed config.json model, the container commands and
// the error type. The command line (src/cli/) uses nothing else of the library.
#pragma once

#include "hull/checkpoint.hpp"
#include "hull/config.hpp"
#include "hull/config_parse.hpp"
#include "hull/error.hpp"
#include "hull/exec.hpp"
#include "hull/features.hpp"
#include "hull/runtime.hpp"
#include "hull/spec_default.hpp"
