#include "hull/error.hpp"

#include <cstring>

namespace hull {

Error Error::sys(int err, std::string_view what) {
    std::string m(what);
    m += ": ";
    m += std::strerror(err);
    return Error(err, std::move(m));
}

Error& Error::context(std::string_view ctx) & {
    std::string m(ctx);
    m += ": ";
    m += message_;
    message_ = std::move(m);
    return *this;
}

Error&& Error::context(std::string_view ctx) && {
    context(ctx);
    return std::move(*this);
}

} // namespace hull
