// Public parse / serialise entry points of the config model (config_parse.hpp).
#include "hull/config_parse.hpp"

#include "util/fs.hpp"

#include "config/fields.hpp"
#include "config/json_io.hpp"

namespace hull {

namespace config_detail {

json parse_json_text(std::string_view text) {
    try {
        return json::parse(text.begin(), text.end());
    } catch (const json::exception& e) {
        throw ConfigError{std::string("invalid JSON: ") + e.what()};
    }
}

namespace {

// Parses `text` as one object of type T (path prefix ""), converting every failure into an
// Error. nlohmann exceptions and ConfigError never escape.
template <class T>
Result<T> parse_object(std::string_view text, std::vector<std::string>* warnings) {
    try {
        const json j = parse_json_text(text);
        T out{};
        read_value(j, out, "", warnings);
        return out;
    } catch (const ConfigError& e) {
        return fail(e.text);
    } catch (const json::exception& e) {
        return fail(std::string("invalid JSON: ") + e.what());
    }
}

} // namespace
} // namespace config_detail

Result<Config> parse_config(std::string_view json_text) {
    std::vector<std::string> warnings;
    auto cfg = HULL_TRY(config_detail::parse_object<Config>(json_text, &warnings));
    HULL_TRY(check_oci_version(cfg.ociVersion));
    HULL_TRY(validate_config(cfg, &warnings));
    cfg.warnings = std::move(warnings);
    return cfg;
}

Result<Config> load_config_file(const std::string& path) {
    auto text = fs::read_file(path);
    if (!text) return std::unexpected(std::move(text.error().context("config.json")));
    return with_context(parse_config(*text), "config.json");
}

Result<Process> parse_process(std::string_view json_text, std::vector<std::string>* warnings) {
    auto p = HULL_TRY(config_detail::parse_object<Process>(json_text, warnings));
    HULL_TRY(validate_process(p, ""));
    return p;
}

Result<Resources> parse_resources(std::string_view json_text) {
    auto r = HULL_TRY(config_detail::parse_object<Resources>(json_text, nullptr));
    HULL_TRY(validate_resources(r, ""));
    return r;
}

nlohmann::ordered_json to_json(const Config& cfg) {
    return config_detail::write_value(cfg);
}
nlohmann::ordered_json to_json(const Process& p) {
    return config_detail::write_value(p);
}
nlohmann::ordered_json to_json(const Resources& r) {
    return config_detail::write_value(r);
}

} // namespace hull
