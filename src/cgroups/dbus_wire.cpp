#include "cgroups/dbus_wire.hpp"

#include <bit>
#include <cstring>

namespace hull::cgroups::dbus {

namespace {

constexpr bool kNativeBig = std::endian::native == std::endian::big;
constexpr std::size_t kMaxMessage = 128u << 20; // the specification's limit
constexpr int kMaxDepth = 64;                   // nesting of containers

Error malformed(std::string_view what) {
    return Error::msg("malformed D-Bus message: " + std::string(what));
}

std::size_t align_up(std::size_t n, std::size_t a) {
    return (n + a - 1) / a * a;
}

// The alignment of a value of the type starting with `c`.
std::size_t alignment_of(char c) {
    switch (c) {
    case 'n':
    case 'q':
        return 2;
    case 'b':
    case 'i':
    case 'u':
    case 'h':
    case 's':
    case 'o':
    case 'a':
        return 4;
    case 'x':
    case 't':
    case 'd':
    case '(':
    case '{':
        return 8;
    default:
        return 1; // y, g, v
    }
}

// The length of the single complete type at the start of `sig` (0: none or malformed).
std::size_t complete_type_length(std::string_view sig, int depth = 0) {
    if (sig.empty() || depth > kMaxDepth) return 0;
    switch (sig[0]) {
    case 'a': {
        const std::size_t n = complete_type_length(sig.substr(1), depth + 1);
        return n ? n + 1 : 0;
    }
    case '(':
    case '{': {
        const char close = sig[0] == '(' ? ')' : '}';
        std::size_t i = 1;
        while (i < sig.size() && sig[i] != close) {
            const std::size_t n = complete_type_length(sig.substr(i), depth + 1);
            if (!n) return 0;
            i += n;
        }
        return i < sig.size() && i > 1 ? i + 1 : 0;
    }
    case 'y':
    case 'b':
    case 'n':
    case 'q':
    case 'i':
    case 'u':
    case 'x':
    case 't':
    case 'd':
    case 'h':
    case 's':
    case 'o':
    case 'g':
    case 'v':
        return 1;
    default:
        return 0;
    }
}

} // namespace

// ---- Writer ----

void Writer::align(std::size_t n) {
    buf_.resize(align_up(buf_.size(), n), '\0');
}

void Writer::byte(uint8_t v) {
    buf_.push_back(static_cast<char>(v));
}

void Writer::fixed(const void* v, std::size_t n) {
    align(n);
    buf_.append(static_cast<const char*>(v), n);
}

void Writer::string(char, std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    buf_.append(s);
    buf_.push_back('\0');
}

void Writer::signature(std::string_view sig) {
    byte(static_cast<uint8_t>(sig.size()));
    buf_.append(sig);
    buf_.push_back('\0');
}

Writer::ArrayMark Writer::open_array(std::size_t element_alignment) {
    ArrayMark m;
    align(4);
    m.length_at = buf_.size();
    u32(0);
    align(element_alignment);
    m.first = buf_.size();
    return m;
}

void Writer::close_array(ArrayMark mark) {
    const auto len = static_cast<uint32_t>(buf_.size() - mark.first);
    std::memcpy(buf_.data() + mark.length_at, &len, 4);
}

// ---- Reader ----

Result<void> Reader::need(std::size_t n) const {
    if (n > data_.size() - pos_) return std::unexpected(malformed("truncated"));
    return {};
}

uint64_t Reader::fixed(std::size_t n) {
    uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const auto b = static_cast<uint8_t>(data_[pos_ + i]);
        if (big_)
            v = (v << 8) | b;
        else
            v |= static_cast<uint64_t>(b) << (8 * i);
    }
    pos_ += n;
    return v;
}

Result<void> Reader::align(std::size_t n) {
    const std::size_t to = align_up(pos_, n);
    if (to > data_.size()) return std::unexpected(malformed("truncated padding"));
    pos_ = to;
    return {};
}

Result<uint8_t> Reader::byte() {
    HULL_TRY(need(1));
    return static_cast<uint8_t>(fixed(1));
}

Result<uint32_t> Reader::u32() {
    HULL_TRY(align(4));
    HULL_TRY(need(4));
    return static_cast<uint32_t>(fixed(4));
}

Result<bool> Reader::boolean() {
    const uint32_t v = HULL_TRY(u32());
    if (v > 1) return std::unexpected(malformed("boolean is not 0 or 1"));
    return v == 1;
}

Result<uint64_t> Reader::u64() {
    HULL_TRY(align(8));
    HULL_TRY(need(8));
    return fixed(8);
}

Result<std::string> Reader::string() {
    const uint32_t len = HULL_TRY(u32());
    HULL_TRY(need(std::size_t{len} + 1));
    if (data_[pos_ + len] != '\0') return std::unexpected(malformed("string without its NUL"));
    std::string s(data_.substr(pos_, len));
    pos_ += std::size_t{len} + 1;
    return s;
}

Result<std::string> Reader::signature() {
    const uint8_t len = HULL_TRY(byte());
    HULL_TRY(need(std::size_t{len} + 1));
    if (data_[pos_ + len] != '\0') return std::unexpected(malformed("signature without its NUL"));
    std::string s(data_.substr(pos_, len));
    pos_ += std::size_t{len} + 1;
    return s;
}

Result<std::size_t> Reader::array_end(uint32_t length, std::size_t element_alignment) {
    if (length > (64u << 20)) return std::unexpected(malformed("array over 64 MiB"));
    HULL_TRY(align(element_alignment));
    HULL_TRY(need(length));
    return pos_ + length;
}

Result<void> Reader::skip(std::string_view& sig) {
    static thread_local int depth = 0;
    struct Depth {
        Depth() { ++depth; }
        ~Depth() { --depth; }
    } guard;
    if (depth > kMaxDepth) return std::unexpected(malformed("nested too deep"));
    const std::size_t n = complete_type_length(sig);
    if (n == 0) return std::unexpected(malformed("bad signature '" + std::string(sig) + "'"));
    const std::string_view type = sig.substr(0, n);
    sig.remove_prefix(n);
    switch (type[0]) {
    case 'y':
        HULL_TRY(byte());
        return {};
    case 'n':
    case 'q':
        HULL_TRY(align(2));
        HULL_TRY(need(2));
        pos_ += 2;
        return {};
    case 'b':
    case 'i':
    case 'u':
    case 'h':
        HULL_TRY(u32());
        return {};
    case 'x':
    case 't':
    case 'd':
        HULL_TRY(u64());
        return {};
    case 's':
    case 'o':
        HULL_TRY(string());
        return {};
    case 'g':
        HULL_TRY(signature());
        return {};
    case 'v': {
        const std::string inner = HULL_TRY(signature());
        std::string_view rest = inner;
        HULL_TRY(skip(rest));
        if (!rest.empty()) return std::unexpected(malformed("variant of more than one type"));
        return {};
    }
    case 'a': {
        const uint32_t len = HULL_TRY(u32());
        const std::size_t end = HULL_TRY(array_end(len, alignment_of(type[1])));
        pos_ = end;
        return {};
    }
    default: { // ( or {
        HULL_TRY(align(8));
        std::string_view members = type.substr(1, type.size() - 2);
        while (!members.empty())
            HULL_TRY(skip(members));
        return {};
    }
    }
}

// ---- messages ----

namespace {
enum FieldCode : uint8_t {
    kPath = 1,
    kInterface = 2,
    kMember = 3,
    kErrorName = 4,
    kReplySerial = 5,
    kDestination = 6,
    kSender = 7,
    kSignature = 8,
};
} // namespace

std::string encode(const Message& m) {
    Writer w;
    w.byte(kNativeBig ? 'B' : 'l');
    w.byte(static_cast<uint8_t>(m.type));
    w.byte(m.flags);
    w.byte(1);
    w.u32(static_cast<uint32_t>(m.body.size()));
    w.u32(m.serial);
    auto fields = w.open_array(8);
    auto text = [&](uint8_t code, char type, const std::string& v) {
        if (v.empty()) return;
        w.align(8);
        w.byte(code);
        w.signature(std::string(1, type));
        if (type == 'g')
            w.signature(v);
        else
            w.string(type, v);
    };
    text(kPath, 'o', m.path);
    text(kInterface, 's', m.interface);
    text(kMember, 's', m.member);
    text(kErrorName, 's', m.error_name);
    if (m.reply_serial) {
        w.align(8);
        w.byte(kReplySerial);
        w.signature("u");
        w.u32(m.reply_serial);
    }
    text(kDestination, 's', m.destination);
    text(kSender, 's', m.sender);
    text(kSignature, 'g', m.signature);
    w.close_array(fields);
    w.align(8);
    return w.bytes() + m.body;
}

Result<std::size_t> message_size(std::string_view data) {
    if (data.size() < 16) return 0;
    if (data[0] != 'l' && data[0] != 'B') return std::unexpected(malformed("bad endian mark"));
    Reader r(data.substr(0, 16), data[0] == 'B');
    HULL_TRY(r.u32()); // endian, type, flags, version
    const uint32_t body = HULL_TRY(r.u32());
    HULL_TRY(r.u32()); // serial
    const uint32_t fields = HULL_TRY(r.u32());
    const uint64_t total = align_up(16 + uint64_t{fields}, 8) + body;
    if (total > kMaxMessage) return std::unexpected(malformed("larger than 128 MiB"));
    return static_cast<std::size_t>(total);
}

Result<Message> decode(std::string_view data) {
    const std::size_t size = HULL_TRY(message_size(data));
    if (size == 0 || size != data.size()) return std::unexpected(malformed("wrong length"));
    Message m;
    m.big_endian = data[0] == 'B';
    Reader r(data, m.big_endian);
    HULL_TRY(r.byte());
    const uint8_t type = HULL_TRY(r.byte());
    if (type < 1 || type > 4) return std::unexpected(malformed("unknown message type"));
    m.type = static_cast<MessageType>(type);
    m.flags = HULL_TRY(r.byte());
    if (HULL_TRY(r.byte()) != 1) return std::unexpected(malformed("protocol version is not 1"));
    const uint32_t body_len = HULL_TRY(r.u32());
    m.serial = HULL_TRY(r.u32());
    const uint32_t fields_len = HULL_TRY(r.u32());
    const std::size_t end = HULL_TRY(r.array_end(fields_len, 8));
    while (r.pos() < end) {
        HULL_TRY(r.align(8));
        const uint8_t code = HULL_TRY(r.byte());
        const std::string sig_text = HULL_TRY(r.signature());
        // Compared as a view: GCC 12 at -O2 warns (falsely) on std::string == "s".
        const std::string_view sig = sig_text;
        std::string* text = nullptr;
        switch (code) {
        case kPath:
            text = &m.path;
            break;
        case kInterface:
            text = &m.interface;
            break;
        case kMember:
            text = &m.member;
            break;
        case kErrorName:
            text = &m.error_name;
            break;
        case kDestination:
            text = &m.destination;
            break;
        case kSender:
            text = &m.sender;
            break;
        case kSignature:
            text = &m.signature;
            break;
        default:
            break;
        }
        if (text && (sig == "s" || sig == "o"))
            *text = HULL_TRY(r.string());
        else if (text && sig == "g")
            *text = HULL_TRY(r.signature());
        else if (code == kReplySerial && sig == "u")
            m.reply_serial = HULL_TRY(r.u32());
        else {
            std::string_view rest = sig;
            HULL_TRY(r.skip(rest));
            if (!rest.empty()) return std::unexpected(malformed("header field of many types"));
        }
    }
    if (r.pos() != end) return std::unexpected(malformed("header fields overrun"));
    HULL_TRY(r.align(8));
    if (data.size() - r.pos() != body_len) return std::unexpected(malformed("body length"));
    m.body = std::string(data.substr(r.pos()));
    return m;
}

std::string error_text(const Message& m) {
    if (m.signature.empty() || m.signature[0] != 's') return "";
    Reader r(m.body, m.big_endian);
    auto s = r.string();
    return s ? *s : "";
}

} // namespace hull::cgroups::dbus
