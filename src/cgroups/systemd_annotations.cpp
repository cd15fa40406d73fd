// org.systemd.property.* annotations -> unit properties, with a small GVariant text parser
// (the value syntax runc accepts for them).
#include "cgroups/systemd.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace hull::cgroups::systemd {

namespace {

constexpr std::string_view kPrefix = "org.systemd.property.";

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return s;
}

// The typed-number keywords of the GVariant text format and their D-Bus signatures.
struct Keyword {
    std::string_view word;
    char sig;
};
constexpr Keyword kKeywords[] = {{"byte", 'y'},   {"int16", 'n'},  {"uint16", 'q'},
                                 {"int32", 'i'},  {"uint32", 'u'}, {"int64", 'x'},
                                 {"uint64", 't'}, {"double", 'd'}, {"boolean", 'b'}};

template <class T> Result<Value> ranged(long double v, std::string_view text) {
    if (v < static_cast<long double>(std::numeric_limits<T>::lowest()) ||
        v > static_cast<long double>(std::numeric_limits<T>::max()) || v != std::floor(v))
        return fail("\"" + std::string(text) + "\" is out of range for its type");
    return Value(static_cast<T>(v));
}

// One scalar; `sig` is the type asked for ('\0': decide from the text).
Result<Value> scalar(std::string_view text, char sig) {
    text = trim(text);
    auto bad = [&] {
        return fail("cannot parse \"" + std::string(text) + "\" as a GVariant value");
    };
    if (text.empty()) return bad();
    if (text == "true" || text == "false") {
        if (sig && sig != 'b') return bad();
        return Value(text == "true");
    }
    if (text.front() == '\'' || text.front() == '"') {
        if (sig && sig != 's') return bad();
        if (text.size() < 2 || text.back() != text.front()) return bad();
        std::string out;
        for (size_t i = 1; i + 1 < text.size(); ++i) {
            char c = text[i];
            if (c == '\\' && i + 2 < text.size())
                c = text[++i];
            else if (c == text.front())
                return bad();
            out += c;
        }
        return Value(std::move(out));
    }
    if (sig == 's' || sig == 'b') return bad();
    const bool is_float =
        text.find_first_of(".eE") != std::string_view::npos && !text.starts_with("0x");
    if (is_float || sig == 'd') {
        double d = 0;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
        if (ec != std::errc() || p != text.data() + text.size()) return bad();
        if (sig && sig != 'd') return bad();
        return Value(d);
    }
    long double v = 0;
    if (text.front() == '-') {
        int64_t n = 0;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec != std::errc() || p != text.data() + text.size()) return bad();
        v = static_cast<long double>(n);
    } else {
        uint64_t n = 0;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec != std::errc() || p != text.data() + text.size()) return bad();
        v = static_cast<long double>(n);
        if (sig == 't') return Value(n); // exact, even above 2^63
    }
    switch (sig) {
    case 'y':
        return ranged<uint8_t>(v, text);
    case 'n':
        return ranged<int16_t>(v, text);
    case 'q':
        return ranged<uint16_t>(v, text);
    case 'u':
        return ranged<uint32_t>(v, text);
    case 'x':
        return ranged<int64_t>(v, text);
    case 'i':
        return ranged<int32_t>(v, text);
    default: // untyped: int32 as GVariant, int64 when it does not fit
        if (auto r = ranged<int32_t>(v, text)) return r;
        return ranged<int64_t>(v, text);
    }
}

// Splits "a, 'b,c', d" at top-level commas.
std::vector<std::string_view> split_items(std::string_view s) {
    std::vector<std::string_view> out;
    char quote = 0;
    size_t start = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (quote) {
            if (c == '\\')
                ++i;
            else if (c == quote)
                quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == ',') {
            out.push_back(s.substr(start, i - start));
            start = i + 1;
        }
    }
    if (!trim(s.substr(start)).empty() || !out.empty()) out.push_back(s.substr(start));
    return out;
}

// Strips a leading type keyword ("uint64 5" -> 't', "5").
char take_keyword(std::string_view& text) {
    for (const auto& k : kKeywords)
        if (text.starts_with(k.word) && text.size() > k.word.size() &&
            std::isspace(static_cast<unsigned char>(text[k.word.size()]))) {
            text = trim(text.substr(k.word.size()));
            return k.sig;
        }
    return 0;
}

Result<Value> array(std::string_view body, char sig) {
    std::vector<Value> items;
    for (auto item : split_items(body)) {
        item = trim(item);
        char s = take_keyword(item);
        if (!sig)
            sig = s;
        else if (s && s != sig)
            return fail("mixed types in a GVariant array");
        auto v = HULL_TRY(scalar(item, sig));
        if (!sig) sig = signature(v)[0];
        items.push_back(std::move(v));
    }
    auto conv = [&]<class T>(std::vector<T> out) -> Result<Value> {
        for (auto& v : items) {
            if (auto* x = std::get_if<T>(&v))
                out.push_back(*x);
            else if (auto* i = std::get_if<int32_t>(&v); i && *i >= 0)
                out.push_back(static_cast<T>(*i));
            else
                return fail("mixed types in a GVariant array");
        }
        return Value(std::move(out));
    };
    switch (sig) {
    case 's': {
        std::vector<std::string> out;
        for (auto& v : items)
            out.push_back(std::get<std::string>(v));
        return Value(std::move(out));
    }
    case 'u':
        return conv(std::vector<uint32_t>{});
    case 't':
        return conv(std::vector<uint64_t>{});
    case 'y': {
        Bits b;
        for (auto& v : items)
            b.bytes.push_back(std::get<uint8_t>(v));
        return Value(std::move(b));
    }
    case 0:
        return Value(std::vector<std::string>{}); // "[]" alone: an empty string array
    default:
        return fail("GVariant arrays of this type are not supported");
    }
}

} // namespace

Result<Value> parse_gvariant(std::string_view text) {
    std::string_view t = trim(text);
    char sig = 0;
    if (t.starts_with("@")) { // "@as []", "@au [1]"
        size_t sp = t.find_first_of(" [");
        std::string_view type = t.substr(1, sp == std::string_view::npos ? sp : sp - 1);
        if (type.size() != 2 || type[0] != 'a')
            return fail("unsupported GVariant type " + std::string(type));
        sig = type[1];
        t = trim(t.substr(type.size() + 1));
        if (!t.starts_with("[")) return fail("expected an array after @" + std::string(type));
    }
    if (t.starts_with("[")) {
        if (!t.ends_with("]"))
            return fail("unterminated GVariant array \"" + std::string(text) + "\"");
        return array(t.substr(1, t.size() - 2), sig);
    }
    char s = take_keyword(t);
    return scalar(t, s);
}

Result<Properties> annotation_properties(const std::map<std::string, std::string>& annotations) {
    Properties out;
    for (const auto& [key, text] : annotations) {
        if (!key.starts_with(kPrefix)) continue;
        std::string name = key.substr(kPrefix.size());
        bool ok = !name.empty() && std::isupper(static_cast<unsigned char>(name[0]));
        for (char c : name)
            ok = ok && std::isalnum(static_cast<unsigned char>(c));
        if (!ok)
            return fail("annotation " + key + ": invalid systemd property name \"" + name + "\"");
        auto value = HULL_TRY_CTX(parse_gvariant(text), "annotation " + key + "=" + text);
        if (name.size() > 3 && name.ends_with("Sec") && !name.ends_with("USec")) {
            // seconds -> microseconds, as a uint64 "...USec" property
            double sec = -1;
            std::visit(
                [&](const auto& v) {
                    using T = std::decay_t<decltype(v)>;
                    if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>)
                        sec = static_cast<double>(v);
                },
                value);
            if (sec < 0)
                return fail("annotation " + key + "=" + text + ": a number of seconds is needed");
            name = name.substr(0, name.size() - 3) + "USec";
            value = static_cast<uint64_t>(std::llround(sec * 1e6));
        }
        out.push_back({.name = std::move(name), .value = std::move(value)});
    }
    return out;
}

} // namespace hull::cgroups::systemd
