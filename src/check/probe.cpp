#include "check/probe.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "app/exit_codes.hpp"
#include "base/numbers.hpp"
#include "init/signals.hpp"

namespace stepdown::check {
namespace {

constexpr std::size_t max_response = 64 * 1024;
constexpr std::size_t max_detail = 80;

std::int64_t now_us() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

// One line of printable ASCII, bounded: a server's bytes go into reports.
std::string printable(std::string_view text) {
    std::string out;
    for (const char c : text.substr(0, max_detail)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    return text.size() > max_detail ? out + "..." : out;
}

std::string lower(std::string_view s) {
    std::string out;
    for (char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The value of a header (case-insensitive name) in the header block.
std::optional<std::string_view> header(std::string_view head, std::string_view name) {
    const std::string want = lower(name);
    std::size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos && pos + 2 < head.size()) {
        const std::size_t start = pos + 2;
        const std::size_t end = head.find("\r\n", start);
        const std::string_view line = head.substr(start, end == std::string_view::npos ? end : end - start);
        const auto colon = line.find(':');
        if (colon != std::string_view::npos && lower(line.substr(0, colon)) == want) {
            std::string_view v = line.substr(colon + 1);
            while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
            while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
            return v;
        }
        pos = end;
    }
    return std::nullopt;
}

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == ENOTSOCK) {
            const ssize_t w = ::write(fd, data.data(), data.size());
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) return false;
            data.remove_prefix(static_cast<std::size_t>(w));
            continue;
        }
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

PingResult ping(const std::string& path, int timeout_ms) {
    PingResult r;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) {
        r.status = PingStatus::ConnectFailed;
        r.sys_errno = ENAMETOOLONG;
        r.detail = "the path is too long for a unix socket address";
        return r;
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        r.status = PingStatus::ConnectFailed;
        r.sys_errno = errno;
        r.detail = std::string("cannot create a socket: ") + std::strerror(errno);
        return r;
    }
    // A unix connect(2) blocks only while the listen backlog is full, bounded by SO_SNDTIMEO.
    const timeval tv{timeout_ms / 1000, static_cast<suseconds_t>((timeout_ms % 1000) * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    const std::int64_t start = now_us();
    const std::int64_t deadline = start + static_cast<std::int64_t>(timeout_ms) * 1000;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        const int e = errno;
        ::close(fd);
        r.sys_errno = e;
        if (e == EAGAIN) {
            r.status = PingStatus::Timeout;
            r.detail = "connect timed out: the listener's backlog is full";
        } else {
            r.status = PingStatus::ConnectFailed;
            r.detail = std::string("connect: ") + std::strerror(e);
        }
        return r;
    }
    r.connected = true;
    std::string response;
    int io_errno = 0;
    bool timed_out = false;
    if (!write_all(fd, "GET /_ping HTTP/1.0\r\nHost: docker\r\nUser-Agent: stepdown-check\r\n\r\n")) {
        io_errno = errno;
    } else {
        char buf[4096];
        while (response.size() < max_response && !response_complete(response)) {
            const std::int64_t left_us = deadline - now_us();
            if (left_us <= 0) {
                timed_out = true;
                break;
            }
            pollfd p{fd, POLLIN, 0};
            const int pr = ::poll(&p, 1, static_cast<int>((left_us + 999) / 1000));
            if (pr < 0 && errno == EINTR) continue;
            if (pr < 0) {
                io_errno = errno;
                break;
            }
            if (pr == 0) {
                timed_out = true;
                break;
            }
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                io_errno = errno;
                break;
            }
            if (n == 0) break;
            response.append(buf, static_cast<std::size_t>(n));
        }
    }
    r.rtt_us = now_us() - start;
    ::close(fd);
    if (timed_out && !response_complete(response)) {
        r.status = PingStatus::Timeout;
        r.detail = "no complete answer to GET /_ping within " + std::to_string(timeout_ms) + " ms";
        if (!response.empty()) r.detail += " (got '" + printable(response.substr(0, response.find("\r\n"))) + "')";
        return r;
    }
    if (response.empty() && io_errno != 0) {
        r.status = PingStatus::NoResponse;
        r.sys_errno = io_errno;
        r.detail = std::string("connected, then: ") + std::strerror(io_errno);
        return r;
    }
    PingResult judged = judge_ping_response(response);
    judged.connected = true;
    judged.rtt_us = r.rtt_us;
    if (judged.status == PingStatus::Ok && io_errno != 0 && !response_complete(response)) {
        judged.status = PingStatus::BadResponse;
        judged.sys_errno = io_errno;
        judged.detail = std::string("the answer was cut short: ") + std::strerror(io_errno);
    }
    return judged;
}

// ---- the pipe format: one record per line, tab-separated, escaped fields.

std::string esc(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '\\') out += "\\\\";
        else if (c == '\t') out += "\\t";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string unesc(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) {
            const char n = s[++i];
            out += n == 't' ? '\t' : n == 'n' ? '\n' : n;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    while (true) {
        const auto at = s.find(sep);
        out.push_back(s.substr(0, at));
        if (at == std::string_view::npos) return out;
        s.remove_prefix(at + 1);
    }
}

std::string ids(const sys::Ids& i) {
    return std::to_string(i.real) + "," + std::to_string(i.effective) + "," + std::to_string(i.saved);
}

std::optional<std::int64_t> parse_int(std::string_view s) {
    bool neg = !s.empty() && s.front() == '-';
    if (neg) s.remove_prefix(1);
    auto v = parse_unsigned(s, static_cast<std::uint64_t>(INT64_MAX));
    if (!v) return std::nullopt;
    return neg ? -static_cast<std::int64_t>(*v) : static_cast<std::int64_t>(*v);
}

std::optional<sys::Ids> parse_ids(std::string_view s) {
    const auto f = split(s, ',');
    if (f.size() != 3) return std::nullopt;
    sys::Ids out;
    unsigned* dst[3] = {&out.real, &out.effective, &out.saved};
    for (std::size_t i = 0; i < 3; ++i) {
        auto v = parse_unsigned(f[i], 4294967295U);
        if (!v) return std::nullopt;
        *dst[i] = static_cast<unsigned>(*v);
    }
    return out;
}

// What the child is after taking the identity.
void describe_self(ProbeOutcome& o, const ProbeRequest& req) {
    uid_t ru = 0, eu = 0, su = 0;
    gid_t rg = 0, eg = 0, sg = 0;
    ::getresuid(&ru, &eu, &su);
    ::getresgid(&rg, &eg, &sg);
    o.uid = {ru, eu, su};
    o.gid = {rg, eg, sg};
    std::vector<gid_t> groups;
    sys::real().getgroups(groups);
    o.groups = privilege::normalize_groups(std::move(groups));
    o.no_new_privs = ::prctl(PR_GET_NO_NEW_PRIVS, 0UL, 0UL, 0UL, 0UL);
    sys::CapState c;
    if (sys::real().caps_read(c) != 0) return;  // caps_empty and caps_as_planned stay false
    o.caps_empty = !c.any_effective && !c.any_permitted && !c.any_inheritable && !c.any_ambient && !c.any_bounding;
    if (req.drop) {
        // After a drop every set holds exactly the kept capabilities (none without --keep-cap).
        const std::uint64_t want = privilege::cap_mask(req.drop_plan.keep_caps);
        o.caps_as_planned = c.effective == want && c.permitted == want && c.inheritable == want &&
                            c.ambient == want && c.bounding == want;
    } else {
        // A non-root start sheds all but the bounding set (privilege::shed_capabilities).
        o.caps_as_planned = !c.any_effective && !c.any_permitted && !c.any_inheritable && !c.any_ambient;
    }
    const std::uint64_t any = c.effective | c.permitted | c.inheritable | c.ambient | (req.drop ? c.bounding : 0);
    for (int cap = 0; cap < 64; ++cap)
        if (((any >> cap) & 1U) != 0) o.caps_held.push_back(cap);
}

// The child: take the identity, probe, report, _exit. Nothing may unwind.
[[noreturn]] void probe_child(int fd, const ProbeRequest& req) noexcept {
    try {
        ProbeOutcome o;
        o.ran = true;
        Status err;
        if (req.drop) {
            err = privilege::drop(sys::real(), req.drop_plan);
            if (!err) err = privilege::verify(sys::real(), req.drop_plan);
        } else {
            // The real non-root start: shed what capabilities there are, keep the ids.
            err = privilege::shed_capabilities(sys::real(), req.no_new_privs);
            if (!err) err = privilege::verify_shed(sys::real(), req.no_new_privs);
        }
        describe_self(o, req);
        if (err) {
            o.identity_error = err;
        } else {
            for (const auto& path : req.paths) o.sockets.push_back(path.empty() ? PingResult{} : ping(path, req.timeout_ms));
        }
        const std::string text = encode_outcome(o);
        write_all(fd, text);
    } catch (...) {
        static constexpr char msg[] = "stepdown: --check probe: out of memory\n";
        [[maybe_unused]] const ssize_t n = ::write(2, msg, sizeof msg - 1);
    }
    ::_exit(0);
}

Error probe_error(std::string what, int err = 0) { return Error{"live probe: " + std::move(what), err, exit_code::os_error}; }

}  // namespace

const char* ping_status_name(PingStatus s) {
    switch (s) {
        case PingStatus::Ok: return "ok";
        case PingStatus::Skipped: return "skipped";
        case PingStatus::ConnectFailed: return "connect-failed";
        case PingStatus::NoResponse: return "no-response";
        case PingStatus::Timeout: return "timeout";
        case PingStatus::HttpError: return "http-error";
        case PingStatus::BadResponse: return "bad-response";
    }
    return "?";
}

bool response_complete(std::string_view response) {
    const auto end = response.find("\r\n\r\n");
    if (end == std::string_view::npos) return false;
    const auto length = header(response.substr(0, end), "Content-Length");
    if (!length) return false;  // read to EOF
    const auto n = parse_unsigned(*length, max_response);
    return n && response.size() - (end + 4) >= *n;
}

PingResult judge_ping_response(std::string_view response) {
    PingResult r;
    r.connected = true;
    if (response.empty()) {
        r.status = PingStatus::NoResponse;
        r.detail = "connected, but the peer closed the connection without an answer";
        return r;
    }
    const auto line_end = response.find("\r\n");
    const std::string_view line = response.substr(0, line_end);
    // "HTTP/1.1 200 OK": version, space, three digits, then a space or the end.
    if (!line.starts_with("HTTP/1.") || line.size() < 12 || line[8] != ' ' ||
        (line.size() > 12 && line[12] != ' ')) {
        r.status = PingStatus::BadResponse;
        r.detail = "not an HTTP response: '" + printable(line) + "'";
        return r;
    }
    const auto code = parse_unsigned(line.substr(9, 3), 999);
    if (!code || *code < 100) {
        r.status = PingStatus::BadResponse;
        r.detail = "bad HTTP status line: '" + printable(line) + "'";
        return r;
    }
    r.http_status = static_cast<int>(*code);
    const auto head_end = response.find("\r\n\r\n");
    std::string_view body;
    if (head_end != std::string_view::npos) {
        body = response.substr(head_end + 4);
        if (const auto len = header(response.substr(0, head_end), "Content-Length")) {
            const auto n = parse_unsigned(*len, max_response);
            if (n && *n <= body.size()) body = body.substr(0, *n);
            else if (n) {
                r.status = PingStatus::BadResponse;
                r.detail = "truncated HTTP response: " + std::to_string(body.size()) + " of " + std::to_string(*n) +
                           " body bytes";
                return r;
            }
        }
    }
    if (*code != 200) {
        r.status = PingStatus::HttpError;
        r.detail = "HTTP " + printable(line.substr(9));
        if (!body.empty()) r.detail += ": " + printable(body);
        return r;
    }
    if (head_end == std::string_view::npos) {
        r.status = PingStatus::BadResponse;
        r.detail = "truncated HTTP response: no end of the header";
        return r;
    }
    if (body != "OK") {
        r.status = PingStatus::BadResponse;
        r.detail = "HTTP 200, but the body is '" + printable(body) + "', not 'OK': not a Docker or Podman API";
        return r;
    }
    r.status = PingStatus::Ok;
    r.detail = "200 OK";
    return r;
}

std::string encode_outcome(const ProbeOutcome& o) {
    std::string out;
    std::string groups;
    for (gid_t g : o.groups) groups += (groups.empty() ? "" : ",") + std::to_string(g);
    std::string caps;
    for (int c : o.caps_held) caps += (caps.empty() ? "" : ",") + std::to_string(c);
    out += "identity\t" + ids(o.uid) + "\t" + ids(o.gid) + "\t" + groups + "\t" + std::to_string(o.no_new_privs) +
           "\t" + (o.caps_empty ? "1" : "0") + "\t" + (o.caps_as_planned ? "1" : "0") + "\t" + caps + "\n";
    if (o.identity_error) {
        out += "identity-error\t" + std::to_string(o.identity_error->exit_code) + "\t" +
               std::to_string(o.identity_error->sys_errno) + "\t" + esc(o.identity_error->what) + "\n";
    }
    for (std::size_t i = 0; i < o.sockets.size(); ++i) {
        const auto& s = o.sockets[i];
        out += "socket\t" + std::to_string(i) + "\t" + ping_status_name(s.status) + "\t" + (s.connected ? "1" : "0") +
               "\t" + std::to_string(s.sys_errno) + "\t" + std::to_string(s.http_status) + "\t" +
               std::to_string(s.rtt_us) + "\t" + esc(s.detail) + "\n";
    }
    out += "end\n";
    return out;
}

Result<ProbeOutcome> decode_outcome(std::string_view text) {
    ProbeOutcome o;
    o.ran = true;
    bool ended = false, identity = false;
    auto bad = [](std::string_view what) { return Error{"live probe: unreadable report from the child: " + std::string(what), 0, exit_code::software}; };
    for (auto line : split(text, '\n')) {
        if (line.empty()) continue;
        if (ended) return bad("data after the end");
        const auto f = split(line, '\t');
        if (f[0] == "end" && f.size() == 1) {
            ended = true;
        } else if (f[0] == "identity" && f.size() == 8) {
            auto u = parse_ids(f[1]), g = parse_ids(f[2]);
            auto nnp = parse_int(f[4]);
            if (!u || !g || !nnp) return bad("identity");
            o.uid = *u;
            o.gid = *g;
            if (!f[3].empty()) {
                for (auto gs : split(f[3], ',')) {
                    auto v = parse_unsigned(gs, 4294967295U);
                    if (!v) return bad("groups");
                    o.groups.push_back(static_cast<gid_t>(*v));
                }
            }
            o.no_new_privs = static_cast<int>(*nnp);
            o.caps_empty = f[5] == "1";
            o.caps_as_planned = f[6] == "1";
            if (!f[7].empty()) {
                for (auto cs : split(f[7], ',')) {
                    auto v = parse_unsigned(cs, 63U);
                    if (!v) return bad("capabilities");
                    o.caps_held.push_back(static_cast<int>(*v));
                }
            }
            identity = true;
        } else if (f[0] == "identity-error" && f.size() == 4) {
            auto code = parse_int(f[1]), e = parse_int(f[2]);
            if (!code || !e) return bad("identity-error");
            o.identity_error = Error{unesc(f[3]), static_cast<int>(*e), static_cast<int>(*code)};
        } else if (f[0] == "socket" && f.size() == 8) {
            auto index = parse_unsigned(f[1], 1U << 20);
            auto e = parse_int(f[4]), http = parse_int(f[5]), rtt = parse_int(f[6]);
            if (!index || *index != o.sockets.size() || !e || !http || !rtt) return bad("socket");
            PingResult r;
            bool known = false;
            for (auto s : {PingStatus::Ok, PingStatus::Skipped, PingStatus::ConnectFailed, PingStatus::NoResponse,
                           PingStatus::Timeout, PingStatus::HttpError, PingStatus::BadResponse}) {
                if (f[2] == ping_status_name(s)) {
                    r.status = s;
                    known = true;
                }
            }
            if (!known) return bad("socket status");
            r.connected = f[3] == "1";
            r.sys_errno = static_cast<int>(*e);
            r.http_status = static_cast<int>(*http);
            r.rtt_us = *rtt;
            r.detail = unesc(f[7]);
            o.sockets.push_back(std::move(r));
        } else {
            return bad("unknown record");
        }
    }
    if (!ended) return bad("it ended before its report was complete");
    if (!identity) return bad("no identity");
    return o;
}

ProbeOutcome run_probe(const ProbeRequest& req) {
    ProbeOutcome out;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        out.failure = probe_error("cannot create a pipe", errno);
        return out;
    }
    std::fflush(nullptr);  // the child must not write the parent's buffered output again
    const pid_t pid = ::fork();
    if (pid < 0) {
        const int e = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        out.failure = probe_error("cannot fork", e);
        return out;
    }
    if (pid == 0) {
        ::close(fds[0]);
        probe_child(fds[1], req);
    }
    ::close(fds[1]);

    const std::int64_t budget_ms =
        static_cast<std::int64_t>(req.timeout_ms) * static_cast<std::int64_t>(req.paths.size() + 1) + 5000;
    const std::int64_t deadline = now_us() + budget_ms * 1000;
    std::string text;
    bool timed_out = false;
    int read_errno = 0;
    char buf[4096];
    while (true) {
        const std::int64_t left = deadline - now_us();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        pollfd p{fds[0], POLLIN, 0};
        const int pr = ::poll(&p, 1, static_cast<int>((left + 999) / 1000));
        if (pr < 0 && errno == EINTR) continue;
        if (pr < 0) {
            read_errno = errno;
            break;
        }
        if (pr == 0) continue;  // the deadline check above ends it
        const ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            read_errno = errno;
            break;
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > 1024 * 1024) break;
    }
    ::close(fds[0]);
    if (timed_out) ::kill(pid, SIGKILL);
    int status = 0;
    pid_t w = 0;
    while ((w = ::waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
    }
    // ECHILD: SIGCHLD ignored by whoever started us; the "end" line decides then.
    const bool reaped = w == pid;

    if (timed_out) {
        out.failure = probe_error("the child did not finish within " + std::to_string(budget_ms / 1000) + " s");
        return out;
    }
    if (read_errno != 0) {
        out.failure = probe_error("cannot read the child's report", read_errno);
        return out;
    }
    if (reaped && WIFSIGNALED(status)) {
        // stepdown's own names: glibc's sigabbrev_np would link its signal
        // tables into the relocated RELRO of every start (issue 6).
        const std::string name = init::signal_name(WTERMSIG(status));  // "signal N" when it has none
        out.failure = probe_error("the child was killed by signal " + std::to_string(WTERMSIG(status)) +
                                  (name.rfind("SIG", 0) == 0 ? " (" + name + ")" : std::string()));
        return out;
    }
    auto decoded = decode_outcome(text);
    if (!decoded) {
        out.failure = decoded.error();
        return out;
    }
    if (!decoded->identity_error && decoded->sockets.size() != req.paths.size()) {
        out.failure = probe_error("the child reported " + std::to_string(decoded->sockets.size()) + " sockets of " +
                                  std::to_string(req.paths.size()));
        return out;
    }
    return std::move(*decoded);
}

}  // namespace stepdown::check
