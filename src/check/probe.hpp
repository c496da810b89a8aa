// The live probe of stepdown --check: a child process takes the identity the
// app would run with, exactly as a real start takes it (privilege::drop, then
// privilege::verify, through sys::real()), connects to each socket, sends
// "GET /_ping HTTP/1.0" and requires status 200 with the body "OK". A socket
// that accepts and answers anything else is an error, never a success.
//
// The parent keeps its credentials: only the child drops. The child ends in
// _exit (nothing unwinds into the parent's copy of the stack) and reports
// over a pipe (O_CLOEXEC) in a small line format (encode/decode_outcome) that
// ends with an "end" line, so a child that dies half-way is never read as a
// success. The group file is not edited: the kernel needs only the numbers.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "privilege/drop.hpp"
#include "sys/sys.hpp"

namespace stepdown::check {

enum class PingStatus {
    Ok,             // 200 and body "OK"
    Skipped,        // not probed (absent, not a socket, or the probe did not run)
    ConnectFailed,  // connect(2) failed: EACCES, ECONNREFUSED, ENOENT...
    NoResponse,     // connected, the peer closed without answering
    Timeout,        // connected, no complete answer in time
    HttpError,      // an HTTP status other than 200 (e.g. 500)
    BadResponse,    // not HTTP, truncated, or 200 with a body other than "OK"
};
const char* ping_status_name(PingStatus s);  // "ok", "skipped", "connect-failed", ...

struct PingResult {
    PingStatus status = PingStatus::Skipped;
    bool connected = false;
    int sys_errno = 0;         // of connect or I/O, when one failed
    int http_status = 0;       // 0 when there was no status line
    std::string detail;        // printable ASCII, bounded: "200 OK", "HTTP 500 Internal Server Error: {...}"
    std::int64_t rtt_us = -1;  // from connect to the last byte; -1 when not connected
};

// Judges a whole response to GET /_ping (pure). The body is the bytes after
// the header, cut to Content-Length when there is one.
PingResult judge_ping_response(std::string_view response);

// Whether the bytes so far hold a whole response (header + Content-Length body).
bool response_complete(std::string_view response);

struct ProbeRequest {
    bool drop = false;                 // take drop_plan (started as root); else the current identity
    privilege::DropPlan drop_plan;
    bool no_new_privs = true;          // current identity: shed capabilities and set no_new_privs as the real
                                       // non-root start does (privilege::shed_capabilities + verify_shed)
    std::vector<std::string> paths;    // one per socket; "" = do not probe this one
    int timeout_ms = 5000;             // per socket, connect to last byte
};

struct ProbeOutcome {
    bool ran = false;                        // a child was started and reported
    std::optional<Error> identity_error;     // the drop or its proof failed (exit code 71 or 70)
    std::optional<Error> failure;            // the probe itself failed (fork, pipe, child died, timeout)
    sys::Ids uid;                            // what the child was, after the drop
    sys::Ids gid;
    std::vector<gid_t> groups;
    int no_new_privs = -1;
    bool caps_empty = false;                 // every capability set of the child was empty
    bool caps_as_planned = false;            // each set held what the start plans: exactly the kept capabilities
                                             // (--keep-cap) in all five after a drop; nothing in effective,
                                             // permitted, inheritable and ambient on a non-root start
    std::vector<int> caps_held;              // capabilities in any of the child's sets (after a drop: the kept ones)
    std::vector<PingResult> sockets;         // parallel to ProbeRequest::paths
};

ProbeOutcome run_probe(const ProbeRequest& request);

// The pipe format (exposed for the unit tests).
std::string encode_outcome(const ProbeOutcome& outcome);
Result<ProbeOutcome> decode_outcome(std::string_view text);

}  // namespace stepdown::check
