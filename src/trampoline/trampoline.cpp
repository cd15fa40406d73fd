// hull-trampoline: the step between hull's code and the user's program (docs/security.md,
// "The hull binary cannot be overwritten from a container").
//
// The container init and the child of `hull exec` run hull's binary until their execve. If
// the user's program (or its script interpreter, or its ELF interpreter) is /proc/self/exe,
// the kernel resolves that link in their context and runs hull itself inside the container,
// where a process can take its /proc/<pid>/exe and later write the host's binary through it.
// So when the container could write that binary, hull does not execve the user's program
// itself: it execs this program from a memfd sealed against writes, and this program execs
// the user's program. /proc/self/exe then names the sealed memfd, never hull.
//
// It has no libc (it is copied into a memfd for every container start, so it is small) and
// makes raw system calls; x86_64 and aarch64.
//
//   argv: kMagic, REPORT_FD, PATH, args...   envp: the user's environment
//
// REPORT_FD (or "-") is hull's error channel (exec.fifo or the exec sync socket): it is made
// close-on-exec, so it closes when the execve of PATH succeeds; when it fails, the same text
// as hull's own execve error ("exec PATH: permission denied") is written there, and the
// program exits with 1. Started any other way (argv[0] is not kMagic, e.g. through a
// "#!/proc/self/exe" script), it refuses with 126.
#include <asm/unistd.h>
#include <linux/errno.h>

namespace {

constexpr char kMagic[] = "hull-trampoline";
constexpr long kSetFd = 2;   // F_SETFD
constexpr long kCloExec = 1; // FD_CLOEXEC

#if defined(__x86_64__)
asm(".text\n"
    ".global _start\n"
    ".type _start,@function\n"
    "_start:\n"
    "  xor %rbp, %rbp\n"
    "  mov %rsp, %rdi\n"
    "  and $-16, %rsp\n"
    "  call trampoline_main\n"
    "  hlt\n");

long syscall3(long n, long a, long b, long c) {
    long ret;
    asm volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return ret;
}
#elif defined(__aarch64__)
asm(".text\n"
    ".global _start\n"
    ".type _start,%function\n"
    "_start:\n"
    "  mov x29, #0\n"
    "  mov x30, #0\n"
    "  mov x0, sp\n"
    "  bl trampoline_main\n"
    "  brk #0\n");

long syscall3(long n, long a, long b, long c) {
    register long x8 asm("x8") = n;
    register long x0 asm("x0") = a;
    register long x1 asm("x1") = b;
    register long x2 asm("x2") = c;
    asm volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    return x0;
}
#else
#error "hull-trampoline: no system call glue for this architecture"
#endif

long write_all(int fd, const char* s, unsigned long n) {
    while (n > 0) {
        long w = syscall3(__NR_write, fd, reinterpret_cast<long>(s), static_cast<long>(n));
        if (w == -EINTR) continue;
        if (w <= 0) return w;
        s += w;
        n -= static_cast<unsigned long>(w);
    }
    return 0;
}

[[noreturn]] void exit_with(int code) {
    for (;;)
        syscall3(__NR_exit_group, code, 0, 0);
}

bool same(const char* a, const char* b) {
    while (*a && *a == *b) {
        ++a;
        ++b;
    }
    return *a == *b;
}

// The errno texts of hull's own execve errors (lower case, as runc prints them); callers map
// "permission denied" to 126 and "no such file or directory" to 127.
const char* reason(long err) {
    switch (err) {
    case EACCES:
        return "permission denied";
    case ENOENT:
        return "no such file or directory";
    case ENOEXEC:
        return "exec format error";
    case ENOTDIR:
        return "not a directory";
    case EISDIR:
        return "is a directory";
    case ELOOP:
        return "too many levels of symbolic links";
    case ENAMETOOLONG:
        return "file name too long";
    case E2BIG:
        return "argument list too long";
    case ENOMEM:
        return "cannot allocate memory";
    case ETXTBSY:
        return "text file busy";
    case EPERM:
        return "operation not permitted";
    case EIO:
        return "input/output error";
    case EINVAL:
        return "invalid argument";
    case ELIBBAD:
        return "accessing a corrupted shared library";
    case EFAULT:
        return "bad address";
    case EAGAIN:
        return "resource temporarily unavailable";
    default:
        return nullptr;
    }
}

// A small append-only text buffer (no libc).
struct Text {
    char buf[4352];
    unsigned long len = 0;
    void add(const char* s) {
        while (*s && len < sizeof(buf))
            buf[len++] = *s++;
    }
    void add_number(long v) {
        char digits[24];
        int n = 0;
        do {
            digits[n++] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v > 0 && n < 24);
        while (n > 0 && len < sizeof(buf))
            buf[len++] = digits[--n];
    }
};

int parse_fd(const char* s) {
    if (s[0] == '-' && s[1] == '\0') return -1;
    long v = 0;
    for (; *s; ++s) {
        if (*s < '0' || *s > '9' || v > 1000000) return -1;
        v = v * 10 + (*s - '0');
    }
    return static_cast<int>(v);
}

} // namespace

extern "C" [[noreturn]] void trampoline_main(long* sp) {
    const long argc = sp[0];
    char** argv = reinterpret_cast<char**>(sp + 1);
    char** envp = argv + argc + 1;
    if (argc < 4 || !same(argv[0], kMagic)) {
        const char msg[] = "hull-trampoline: only hull starts this program\n";
        write_all(2, msg, sizeof(msg) - 1);
        exit_with(126);
    }
    const char* path = argv[2];
    int report = parse_fd(argv[1]);
    // Never leak the channel into the program: if it cannot be made close-on-exec (a seccomp
    // profile refusing fcntl), it is closed, and an error goes unreported.
    if (report >= 0 && syscall3(__NR_fcntl, report, kSetFd, kCloExec) != 0) {
        syscall3(__NR_close, report, 0, 0);
        report = -1;
    }
    const long err = -syscall3(__NR_execve, reinterpret_cast<long>(path),
                               reinterpret_cast<long>(argv + 3), reinterpret_cast<long>(envp));
    if (report >= 0) {
        Text t;
        t.add("exec ");
        t.add(path);
        t.add(": ");
        if (const char* r = reason(err)) {
            t.add(r);
        } else {
            t.add("errno ");
            t.add_number(err);
        }
        write_all(report, t.buf, t.len);
    }
    exit_with(1);
}

// The compiler may call these even without a libc.
extern "C" void* memset(void* d, int c, unsigned long n) {
    auto* p = static_cast<unsigned char*>(d);
    while (n--)
        *p++ = static_cast<unsigned char>(c);
    return d;
}
extern "C" void* memcpy(void* d, const void* s, unsigned long n) {
    auto* p = static_cast<unsigned char*>(d);
    const auto* q = static_cast<const unsigned char*>(s);
    while (n--)
        *p++ = *q++;
    return d;
}
