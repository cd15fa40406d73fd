// Passing a file descriptor over a Unix socket (SCM_RIGHTS), as on runc's --console-socket:
// one message carrying one fd and a short payload (the pty name, e.g. "/dev/pts/3").
#pragma once

#include "hull/error.hpp"
#include "util/fd.hpp"

#include <string>
#include <string_view>
#include <utility>

namespace hull::fdpass {

// Sends `fd` with `payload` as one sendmsg(2). An empty payload is sent as one NUL byte,
// since a stream socket does not deliver ancillary data without data.
Result<void> send_fd(int sock, int fd, std::string_view payload);

// Receives one message with exactly one fd (O_CLOEXEC). Extra fds are closed and reported
// as an error, as is a message without an fd or with truncated control data. The payload
// loses trailing NUL bytes. EOF before any message: error "connection closed".
Result<std::pair<UniqueFd, std::string>> recv_fd(int sock);

// A connected AF_UNIX SOCK_STREAM socket (O_CLOEXEC). Paths too long for sun_path are
// reached through an O_PATH fd of their directory (/proc/self/fd/N/<name>).
Result<UniqueFd> connect_unix(const std::string& path);

// A listening AF_UNIX SOCK_STREAM socket bound at `path` (O_CLOEXEC, backlog 16).
Result<UniqueFd> listen_unix(const std::string& path);

// socketpair(AF_UNIX, type | SOCK_CLOEXEC), type SOCK_STREAM or SOCK_SEQPACKET.
Result<std::pair<UniqueFd, UniqueFd>> unix_socketpair(int type);

} // namespace hull::fdpass
