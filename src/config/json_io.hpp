// Generic JSON <-> struct machinery for the config model (private to src/config).
//
// Each struct is described once by `template <class V> void fields(V& v, T& t)` (fields.hpp),
// calling v.req("name", t.member) or v.opt("name", t.member). Reader walks a parsed JSON
// object with type and range checks; Writer builds an ordered_json. Errors are thrown as
// ConfigError (never leaves src/config: the public functions catch it and return Result).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "hull/config.hpp"

namespace hull::config_detail {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

// "<path>: <message>", thrown while reading, caught at the public API boundary.
struct ConfigError {
    std::string text;
};

[[noreturn]] inline void throw_at(const std::string& path, std::string_view msg) {
    if (path.empty()) throw ConfigError{std::string(msg)};
    throw ConfigError{path + ": " + std::string(msg)};
}

inline std::string child_path(const std::string& path, std::string_view key) {
    if (path.empty()) return std::string(key);
    return path + "." + std::string(key);
}
inline std::string index_path(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
}
inline std::string key_path(const std::string& path, std::string_view key) {
    return path + "[\"" + std::string(key) + "\"]";
}

template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct is_vector : std::false_type {};
template <class T> struct is_vector<std::vector<T>> : std::true_type {};
template <class T> struct is_map : std::false_type {};
template <class T> struct is_map<std::map<std::string, T>> : std::true_type {};

template <class T> constexpr std::string_view int_label() {
    constexpr int bits = std::numeric_limits<T>::digits + (std::is_signed_v<T> ? 1 : 0);
    if constexpr (std::is_signed_v<T>) {
        if constexpr (bits == 8)
            return "int8";
        else if constexpr (bits == 16)
            return "int16";
        else if constexpr (bits == 32)
            return "int32";
        else
            return "int64";
    } else {
        if constexpr (bits == 8)
            return "uint8";
        else if constexpr (bits == 16)
            return "uint16";
        else if constexpr (bits == 32)
            return "uint32";
        else
            return "uint64";
    }
}

[[noreturn]] inline void type_error(const std::string& path, std::string_view expected,
                                    const json& j) {
    throw_at(path, "expected " + std::string(expected) + ", got " + j.type_name());
}

template <class T> T read_int(const json& j, const std::string& path) {
    if (!j.is_number_integer()) type_error(path, "integer", j);
    if (j.is_number_unsigned()) {
        const auto u = j.get<uint64_t>();
        if (u > static_cast<uint64_t>(std::numeric_limits<T>::max()))
            throw_at(path, "value " + std::to_string(u) + " out of range for " +
                               std::string(int_label<T>()));
        return static_cast<T>(u);
    }
    const auto s = j.get<int64_t>();
    if constexpr (std::is_unsigned_v<T>) {
        if (s < 0)
            throw_at(path, "value " + std::to_string(s) + " out of range for " +
                               std::string(int_label<T>()));
        if (static_cast<uint64_t>(s) > static_cast<uint64_t>(std::numeric_limits<T>::max()))
            throw_at(path, "value " + std::to_string(s) + " out of range for " +
                               std::string(int_label<T>()));
    } else {
        if (s < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
            s > static_cast<int64_t>(std::numeric_limits<T>::max()))
            throw_at(path, "value " + std::to_string(s) + " out of range for " +
                               std::string(int_label<T>()));
    }
    return static_cast<T>(s);
}

class Reader;

template <class T>
void read_value(const json& j, T& out, const std::string& path, std::vector<std::string>* warn);

// Visitor reading the members of one JSON object.
class Reader {
  public:
    Reader(const json& obj, std::string path, std::vector<std::string>* warnings)
        : obj_(obj), path_(std::move(path)), warnings_(warnings) {}

    template <class T> void req(std::string_view key, T& out) {
        const auto it = obj_.find(std::string(key));
        if (it == obj_.end() || it->is_null())
            throw_at(child_path(path_, key), "required field missing");
        read_value(*it, out, child_path(path_, key), warnings_);
    }

    template <class T> void opt(std::string_view key, T& out) {
        const auto it = obj_.find(std::string(key));
        if (it == obj_.end() || it->is_null()) return;
        read_value(*it, out, child_path(path_, key), warnings_);
    }

  private:
    const json& obj_;
    std::string path_;
    std::vector<std::string>* warnings_;
};

template <class T>
void read_value(const json& j, T& out, const std::string& path, std::vector<std::string>* warn) {
    if constexpr (std::is_same_v<T, bool>) {
        if (!j.is_boolean()) type_error(path, "boolean", j);
        out = j.get<bool>();
    } else if constexpr (std::is_integral_v<T>) {
        out = read_int<T>(j, path);
    } else if constexpr (std::is_same_v<T, std::string>) {
        if (!j.is_string()) type_error(path, "string", j);
        out = j.get<std::string>();
    } else if constexpr (std::is_enum_v<T>) {
        if (!j.is_string()) type_error(path, "string", j);
        const auto& s = j.get_ref<const std::string&>();
        const auto v = parse_enum<T>(s);
        if (!v) throw_at(path, "unknown value \"" + s + "\"");
        out = *v;
    } else if constexpr (is_optional<T>::value) {
        typename T::value_type tmp{};
        read_value(j, tmp, path, warn);
        out = std::move(tmp);
    } else if constexpr (std::is_same_v<T, std::vector<Capability>>) {
        // Unknown capability names: warn and skip (the spec says SHOULD NOT fail).
        if (!j.is_array()) type_error(path, "array", j);
        out.clear();
        for (std::size_t i = 0; i < j.size(); ++i) {
            const auto& e = j[i];
            if (!e.is_string()) type_error(index_path(path, i), "string", e);
            const auto& s = e.get_ref<const std::string&>();
            if (auto c = parse_enum<Capability>(s)) {
                out.push_back(*c);
            } else if (warn) {
                warn->push_back(index_path(path, i) + ": unknown capability \"" + s + "\" ignored");
            }
        }
    } else if constexpr (is_vector<T>::value) {
        if (!j.is_array()) type_error(path, "array", j);
        out.clear();
        out.resize(j.size());
        for (std::size_t i = 0; i < j.size(); ++i)
            read_value(j[i], out[i], index_path(path, i), warn);
    } else if constexpr (is_map<T>::value) {
        if (!j.is_object()) type_error(path, "object", j);
        out.clear();
        for (const auto& [k, v] : j.items()) {
            typename T::mapped_type tmp{};
            read_value(v, tmp, key_path(path, k), warn);
            out.emplace(k, std::move(tmp));
        }
    } else {
        if (!j.is_object()) type_error(path, "object", j);
        Reader r(j, path, warn);
        fields(r, out);
    }
}

template <class T> ojson write_value(const T& v);

template <class T> bool is_unset(const T& v) {
    if constexpr (is_optional<T>::value)
        return !v.has_value();
    else if constexpr (is_vector<T>::value || is_map<T>::value)
        return v.empty();
    else if constexpr (std::is_class_v<T> && !std::is_same_v<T, std::string>)
        return v == T{};
    else
        return false;
}

// Visitor writing the members of one struct into an ordered_json object.
class Writer {
  public:
    explicit Writer(ojson& obj) : obj_(obj) {}

    template <class T> void req(std::string_view key, const T& v) {
        if constexpr (is_optional<T>::value) {
            if (!v) return;
        }
        obj_[std::string(key)] = write_value(v);
    }

    template <class T> void opt(std::string_view key, const T& v) {
        if (is_unset(v)) return;
        obj_[std::string(key)] = write_value(v);
    }

  private:
    ojson& obj_;
};

template <class T> ojson write_value(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
        return ojson(v);
    } else if constexpr (std::is_integral_v<T>) {
        return ojson(v);
    } else if constexpr (std::is_same_v<T, std::string>) {
        return ojson(v);
    } else if constexpr (std::is_enum_v<T>) {
        return ojson(std::string(to_string(v)));
    } else if constexpr (is_optional<T>::value) {
        return v ? write_value(*v) : ojson(nullptr);
    } else if constexpr (is_vector<T>::value) {
        ojson a = ojson::array();
        for (const auto& e : v)
            a.push_back(write_value(e));
        return a;
    } else if constexpr (is_map<T>::value) {
        ojson o = ojson::object();
        for (const auto& [k, e] : v)
            o[k] = write_value(e);
        return o;
    } else {
        ojson o = ojson::object();
        Writer w(o);
        // fields() takes a mutable reference so one description serves both visitors;
        // Writer only reads through it.
        fields(w, const_cast<T&>(v));
        return o;
    }
}

// Parses `text` as JSON, throwing ConfigError("invalid JSON: ...") on syntax errors.
json parse_json_text(std::string_view text);

} // namespace hull::config_detail
