// Parse, validate and serialise config.json (runtime-spec v1.3, Linux).
//
// Parsing is strict about types (an integer field given a string, a negative uint, an unknown
// enum value are errors) and ignores unknown properties everywhere. Every error names the JSON
// path of the offending value, e.g.
//   linux.resources.memory.limit: expected integer, got string
//   mounts[2].destination: required field missing
//   linux.namespaces[1].type: unknown value "foo"
//   process.user.uid: value -1 out of range for uint32
// parse_config also validates the result (validate_config) and checks ociVersion.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "hull/config.hpp"
#include "hull/error.hpp"

namespace hull {

// A whole config.json text: parse + validate_config. Warnings land in Config::warnings.
Result<Config> parse_config(std::string_view json_text);
// Reads `path` then parse_config; errors are prefixed "config.json: ".
Result<Config> load_config_file(const std::string& path);

// A Process object alone (`exec --process FILE`), validated with validate_process. Paths in
// errors are relative to the object ("cwd: ..."). Unknown capability names are appended to
// *warnings when given.
Result<Process> parse_process(std::string_view json_text,
                              std::vector<std::string>* warnings = nullptr);
// A LinuxResources object alone (`update --resources FILE`), validated with validate_resources.
Result<Resources> parse_resources(std::string_view json_text);

// The semantic MUSTs of the spec that the type system does not catch (absolute paths,
// duplicates, combinations, patterns). `prefix` is the JSON path of the object ("process",
// "linux.resources"; "" for a standalone object). Warnings (deprecated forms) are appended to
// *warnings when given.
Result<void> validate_config(const Config& cfg, std::vector<std::string>* warnings = nullptr);
Result<void> validate_process(const Process& p, std::string_view prefix);
Result<void> validate_resources(const Resources& r, std::string_view prefix);

// ociVersion check: SemVer 2.0.0 with 1.0.0 <= major.minor.patch < 1.4.0 (pre-release and
// build suffixes allowed, e.g. "1.0.2-dev", "1.3.0-rc.1").
Result<void> check_oci_version(std::string_view version);

// Serialisation. Absent optionals and empty arrays/maps are omitted; keys in spec order.
// parse_config(to_json(cfg).dump()) gives back cfg (minus warnings).
nlohmann::ordered_json to_json(const Config& cfg);
nlohmann::ordered_json to_json(const Process& p);
nlohmann::ordered_json to_json(const Resources& r);

} // namespace hull
