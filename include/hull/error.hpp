// The one error convention of hull: Result<T> = std::expected<T, Error>.
//
// An Error carries an errno value (0 when the failure is not a system error) and a
// message. Callers add context as the error travels up ("mount /proc: Permission denied"),
// so the final text names the step that failed. No exception crosses a module boundary.
#pragma once

#include <cerrno>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace hull {

class Error {
  public:
    Error() = default;
    Error(int err, std::string message) : errno_(err), message_(std::move(message)) {}

    // A plain failure with no errno.
    static Error msg(std::string message) { return Error(0, std::move(message)); }
    // A system error: "<what>: <strerror(err)>".
    static Error sys(int err, std::string_view what);
    // The same, reading errno now.
    static Error from_errno(std::string_view what) { return sys(errno, what); }

    int err() const { return errno_; }
    const std::string& message() const { return message_; }

    // Prepends "<ctx>: " to the message, keeping the errno.
    Error& context(std::string_view ctx) &;
    Error&& context(std::string_view ctx) &&;

  private:
    int errno_ = 0;
    std::string message_;
};

template <class T = void>
using Result = std::expected<T, Error>;

// Shorthands for returning failures: `return fail("bad thing");`,
// `return fail_errno("open " + path);` (reads errno now), `return fail_sys(EINVAL, "...")`.
inline std::unexpected<Error> fail(std::string message) {
    return std::unexpected(Error::msg(std::move(message)));
}
inline std::unexpected<Error> fail_errno(std::string_view what) {
    return std::unexpected(Error::from_errno(what));
}
inline std::unexpected<Error> fail_sys(int err, std::string_view what) {
    return std::unexpected(Error::sys(err, what));
}

// Adds context to the error of a failed result, passing success through:
//   return with_context(mount_proc(), "mount proc on /proc");
template <class T>
Result<T> with_context(Result<T>&& r, std::string_view ctx) {
    if (!r) r.error().context(ctx);
    return std::move(r);
}

} // namespace hull

// Propagates an error out of the current function, evaluating to the value otherwise.
// GCC statement expression: `auto fd = TRY(open_dir(path));`.
#define HULL_TRY(expr)                                                                            \
    __extension__({                                                                                \
        auto&& hull_try_r_ = (expr);                                                               \
        if (!hull_try_r_) return std::unexpected(std::move(hull_try_r_).error());                  \
        std::move(hull_try_r_).value();                                                            \
    })
// As HULL_TRY, adding context to the error on the way out.
#define HULL_TRY_CTX(expr, ctx)                                                                    \
    __extension__({                                                                                \
        auto&& hull_try_r_ = (expr);                                                               \
        if (!hull_try_r_)                                                                          \
            return std::unexpected(std::move(hull_try_r_).error().context(ctx));                   \
        std::move(hull_try_r_).value();                                                            \
    })
