// hull::cgroups::dbus: the D-Bus wire format, as much of it as the systemd driver speaks
// (a method call out, its reply or error and signals in). Marshalling follows the D-Bus
// specification: every value aligned to its own size (8 for structs and dict entries) from the
// start of the message, arrays prefixed with their byte length, strings with their length and a
// NUL, signatures with a one-byte length. hull writes little-endian messages and reads both.
//
//     dbus::Writer w;
//     w.string('s', "hull-c1.scope");
//     auto a = w.open_array(8);      // a(sv)
//     ... w.align(8); w.string('s', "Delegate"); w.signature("b"); w.boolean(true);
//     w.close_array(a);
//     std::string bytes = dbus::encode(call, "sa(sv)", w.bytes(), serial);
#pragma once

#include "hull/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hull::cgroups::dbus {

enum class MessageType : uint8_t { Invalid = 0, MethodCall = 1, Return = 2, Error = 3, Signal = 4 };

// A message: its header fields and its body, still marshalled (read it with a Reader).
struct Message {
    MessageType type = MessageType::Invalid;
    uint8_t flags = 0;
    uint32_t serial = 0;
    uint32_t reply_serial = 0;
    std::string path{}, interface{}, member{}, error_name{}, destination{}, sender{}, signature{};
    std::string body{};
    bool big_endian = false;
};

// Builds a body (or a header) in little-endian order. Alignment is counted from the start of
// the buffer, which is 8-aligned in the message.
class Writer {
  public:
    void align(std::size_t n);
    void byte(uint8_t v);
    void boolean(bool v) { u32(v ? 1 : 0); }
    void i16(int16_t v) { fixed(&v, 2); }
    void u16(uint16_t v) { fixed(&v, 2); }
    void i32(int32_t v) { fixed(&v, 4); }
    void u32(uint32_t v) { fixed(&v, 4); }
    void i64(int64_t v) { fixed(&v, 8); }
    void u64(uint64_t v) { fixed(&v, 8); }
    void f64(double v) { fixed(&v, 8); }
    // 's' (string) or 'o' (object path).
    void string(char type, std::string_view s);
    void signature(std::string_view sig);
    // An array: open_array(alignment of its element) returns a mark for close_array, which
    // fills in the length.
    struct ArrayMark {
        std::size_t length_at = 0; // where the length goes
        std::size_t first = 0;     // where the first element starts
    };
    ArrayMark open_array(std::size_t element_alignment);
    void close_array(ArrayMark mark);
    const std::string& bytes() const { return buf_; }

  private:
    void fixed(const void* v, std::size_t n);
    std::string buf_;
};

// Reads a body (or a header) from its start. Every read checks bounds and alignment padding
// against the data: a malformed message is an error, never a read past the end.
class Reader {
  public:
    Reader(std::string_view data, bool big_endian) : data_(data), big_(big_endian) {}
    Result<void> align(std::size_t n);
    Result<uint8_t> byte();
    Result<bool> boolean();
    Result<uint32_t> u32();
    Result<uint64_t> u64();
    Result<std::string> string(); // 's' or 'o'
    Result<std::string> signature();
    // Skips one complete value of the single complete type at the start of `sig` and removes
    // that type from `sig`.
    Result<void> skip(std::string_view& sig);
    // The end offset of an array whose length was just read (for `while (pos() < end)`).
    Result<std::size_t> array_end(uint32_t length, std::size_t element_alignment);
    std::size_t pos() const { return pos_; }
    bool at_end() const { return pos_ == data_.size(); }

  private:
    Result<void> need(std::size_t n) const;
    uint64_t fixed(std::size_t n);
    std::string_view data_;
    bool big_;
    std::size_t pos_ = 0;
};

// The whole message: the header (fields for the non-empty strings of `m`, the signature from
// `m.signature`) then `m.body`. Little-endian, protocol version 1.
std::string encode(const Message& m);

// How many bytes the message at the start of `data` takes, once its first 16 bytes are there
// (0: not yet known). Error: not a D-Bus message, or larger than 128 MiB.
Result<std::size_t> message_size(std::string_view data);
// Parses one whole message (exactly message_size bytes).
Result<Message> decode(std::string_view data);

// The first string argument of an error reply's body ("" when it has none).
std::string error_text(const Message& m);

} // namespace hull::cgroups::dbus
