// src/check/probe.cpp: judging the answer to GET /_ping (a socket that accepts
// and answers 500 is an error, never a success), the pipe format between the
// probe child and the parent, and the live probe against real unix sockets
// served by a forked process (as the current identity: no root needed).
#include <catch2/catch.hpp>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "app/exit_codes.hpp"
#include "check/probe.hpp"

using namespace stepdown;
using check::PingStatus;

namespace {

std::string http(const std::string& status, const std::string& body, bool length = true) {
    std::string r = "HTTP/1.1 " + status + "\r\nApi-Version: 1.43\r\n";
    if (length) r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    return r + "\r\n" + body;
}

// A unix socket in a fresh temp dir, served by a forked process that answers
// each connection with `answer` ("" = close at once), `connections` times.
struct Server {
    std::string dir;
    std::string path;
    pid_t pid = -1;

    Server(const std::string& answer, int connections, bool listen_at_all = true) {
        char tmpl[] = "/tmp/stepdown-unit.XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        dir = tmpl;
        path = dir + "/api.sock";
        const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd >= 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
        REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
        if (!listen_at_all) {  // a stale socket file: nobody listens
            ::close(fd);
            return;
        }
        REQUIRE(::listen(fd, 8) == 0);
        pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            if (connections < 0) {  // listen, never accept, never answer
                while (true) ::pause();
            }
            for (int i = 0; i < connections; ++i) {
                const int c = ::accept(fd, nullptr, nullptr);
                if (c < 0) ::_exit(1);
                if (!answer.empty()) {
                    char buf[4096];
                    [[maybe_unused]] ssize_t n = ::recv(c, buf, sizeof buf, 0);
                    n = ::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
                    ::shutdown(c, SHUT_WR);
                    while (::recv(c, buf, sizeof buf, 0) > 0) {
                    }
                }
                ::close(c);
            }
            ::_exit(0);
        }
        ::close(fd);
    }
    ~Server() {
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
        ::unlink(path.c_str());
        ::rmdir(dir.c_str());
    }
};

check::ProbeOutcome probe(const std::vector<std::string>& paths) {
    check::ProbeRequest req;
    req.drop = false;
    req.no_new_privs = true;  // in the child only
    req.paths = paths;
    req.timeout_ms = 2000;
    return check::run_probe(req);
}

}  // namespace

TEST_CASE("check ping answers: only 200 with the body OK is a success", "[check][probe]") {
    struct Case {
        const char* name;
        std::string response;
        PingStatus status;
        int http;
        const char* detail;
    };
    const Case cases[] = {
        {"docker", http("200 OK", "OK"), PingStatus::Ok, 200, "200 OK"},
        {"HTTP/1.0 without Content-Length", "HTTP/1.0 200 OK\r\n\r\nOK", PingStatus::Ok, 200, "200 OK"},
        {"500", http("500 Internal Server Error", "{\"message\":\"boom\"}"), PingStatus::HttpError, 500,
         "HTTP 500 Internal Server Error: {\"message\":\"boom\"}"},
        {"403 from a proxy", http("403 Forbidden", ""), PingStatus::HttpError, 403, "HTTP 403 Forbidden"},
        {"200 but not OK", http("200 OK", "NOT OK"), PingStatus::BadResponse, 200,
         "HTTP 200, but the body is 'NOT OK', not 'OK': not a Docker or Podman API"},
        {"200 with an empty body", http("200 OK", ""), PingStatus::BadResponse, 200, nullptr},
        {"OK followed by more", "HTTP/1.0 200 OK\r\n\r\nOKAY", PingStatus::BadResponse, 200, nullptr},
        {"truncated body", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nO", PingStatus::BadResponse, 200, nullptr},
        {"no end of header", "HTTP/1.1 200 OK\r\nServer: x", PingStatus::BadResponse, 200, nullptr},
        {"not HTTP", "SSH-2.0-OpenSSH_9.2\r\n", PingStatus::BadResponse, 0, "not an HTTP response: 'SSH-2.0-OpenSSH_9.2'"},
        {"garbage status", "HTTP/1.1 2x0 OK\r\n\r\nOK", PingStatus::BadResponse, 0, nullptr},
        {"status too long", "HTTP/1.1 2000 OK\r\n\r\nOK", PingStatus::BadResponse, 0, nullptr},
        {"nothing", "", PingStatus::NoResponse, 0, nullptr},
        {"control bytes are not echoed", "\x1b[2J\x01", PingStatus::BadResponse, 0, "not an HTTP response: '?[2J?'"},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        const auto r = check::judge_ping_response(c.response);
        CHECK(r.status == c.status);
        CHECK(r.http_status == c.http);
        if (c.detail != nullptr) CHECK(r.detail == c.detail);
    }
    CHECK(check::response_complete(http("200 OK", "OK")));
    CHECK_FALSE(check::response_complete("HTTP/1.0 200 OK\r\n\r\nOK"));  // no length: read to EOF
    CHECK_FALSE(check::response_complete("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nO"));
}

TEST_CASE("check probe pipe format: round trip, and a report cut short is never a success", "[check][probe]") {
    check::ProbeOutcome o;
    o.ran = true;
    o.uid = {1000, 1000, 1000};
    o.gid = {1000, 1000, 1000};
    o.groups = {988, 991};
    o.no_new_privs = 1;
    o.caps_empty = false;
    o.caps_as_planned = true;
    o.caps_held = {10, 13};  // --keep-cap NET_BIND_SERVICE,NET_RAW
    o.sockets.push_back({PingStatus::Ok, true, 0, 200, "200 OK", 412});
    o.sockets.push_back({PingStatus::Skipped, false, 0, 0, "", -1});
    o.sockets.push_back({PingStatus::ConnectFailed, false, ECONNREFUSED, 0, "tab\there\nnew\\line", -1});
    const std::string text = check::encode_outcome(o);
    auto back = check::decode_outcome(text);
    REQUIRE(back);
    CHECK(back->groups == o.groups);
    CHECK(back->uid.saved == 1000);
    CHECK_FALSE(back->caps_empty);
    CHECK(back->caps_as_planned);
    CHECK(back->caps_held == std::vector<int>{10, 13});
    REQUIRE(back->sockets.size() == 3);
    CHECK(back->sockets[0].rtt_us == 412);
    CHECK(back->sockets[2].sys_errno == ECONNREFUSED);
    CHECK(back->sockets[2].detail == "tab\there\nnew\\line");

    CHECK_FALSE(check::decode_outcome(text.substr(0, text.size() - 4)));  // no "end"
    CHECK_FALSE(check::decode_outcome(""));
    CHECK_FALSE(check::decode_outcome("end\n"));  // no identity
    CHECK_FALSE(check::decode_outcome(text + "socket\t9\tok\t1\t0\t200\t1\tx\n"));

    o.caps_held = {};
    o.caps_as_planned = false;
    auto none = check::decode_outcome(check::encode_outcome(o));
    REQUIRE(none);
    CHECK(none->caps_held.empty());
    CHECK_FALSE(none->caps_as_planned);
    std::string bad_cap = text;
    bad_cap.replace(bad_cap.find("\t10,13\n"), 7, "\t10,64\n");
    CHECK_FALSE(check::decode_outcome(bad_cap));  // not a capability number

    check::ProbeOutcome failed = o;
    failed.sockets.clear();
    failed.identity_error = Error{"cannot set supplementary groups to [988]", EPERM, exit_code::os_error};
    auto f = check::decode_outcome(check::encode_outcome(failed));
    REQUIRE(f);
    REQUIRE(f->identity_error);
    CHECK(f->identity_error->exit_code == exit_code::os_error);
    CHECK(f->identity_error->sys_errno == EPERM);
}

TEST_CASE("check live probe: a Docker-like socket answers OK, with a round-trip time", "[check][probe]") {
    Server ok(http("200 OK", "OK"), 1);
    auto o = probe({ok.path, ""});
    REQUIRE_FALSE(o.failure);
    REQUIRE_FALSE(o.identity_error);
    REQUIRE(o.sockets.size() == 2);
    CHECK(o.sockets[0].status == PingStatus::Ok);
    CHECK(o.sockets[0].connected);
    CHECK(o.sockets[0].rtt_us >= 0);
    CHECK(o.sockets[1].status == PingStatus::Skipped);
    CHECK(o.no_new_privs == 1);  // set in the child ...
    CHECK(o.uid.effective == ::geteuid());
}

TEST_CASE("check live probe: 500, close, refused and missing are each reported as errors", "[check][probe]") {
    Server err(http("500 Internal Server Error", "{\"message\":\"boom\"}"), 1);
    Server closes("", 1);
    Server stale("", 0, false);
    auto o = probe({err.path, closes.path, stale.path, err.dir + "/missing.sock"});
    REQUIRE_FALSE(o.failure);
    REQUIRE(o.sockets.size() == 4);
    CHECK(o.sockets[0].status == PingStatus::HttpError);
    CHECK(o.sockets[0].http_status == 500);
    CHECK(o.sockets[0].connected);
    CHECK(o.sockets[1].status == PingStatus::NoResponse);
    CHECK(o.sockets[2].status == PingStatus::ConnectFailed);
    CHECK(o.sockets[2].sys_errno == ECONNREFUSED);
    CHECK_FALSE(o.sockets[2].connected);
    CHECK(o.sockets[3].status == PingStatus::ConnectFailed);
    CHECK(o.sockets[3].sys_errno == ENOENT);
}

TEST_CASE("check live probe: a server that never answers times out", "[check][probe]") {
    // Accepts but never writes: the server child sleeps on recv until killed.
    Server silent("", -1);
    check::ProbeRequest req;
    req.paths = {silent.path};
    req.timeout_ms = 300;
    auto o = check::run_probe(req);
    REQUIRE_FALSE(o.failure);
    REQUIRE(o.sockets.size() == 1);
    // The backlog accepts the connection even though the server never calls accept.
    CHECK(o.sockets[0].status == PingStatus::Timeout);
    CHECK(o.sockets[0].connected);
}

TEST_CASE("check live probe: the parent's credentials are untouched", "[check][probe]") {
    const uid_t uid = ::geteuid();
    const gid_t gid = ::getegid();
    const int nnp = ::prctl(PR_GET_NO_NEW_PRIVS, 0UL, 0UL, 0UL, 0UL);
    Server ok(http("200 OK", "OK"), 1);
    auto o = probe({ok.path});
    REQUIRE_FALSE(o.failure);
    CHECK(o.no_new_privs == 1);
    CHECK(::geteuid() == uid);
    CHECK(::getegid() == gid);
    CHECK(::prctl(PR_GET_NO_NEW_PRIVS, 0UL, 0UL, 0UL, 0UL) == nnp);
}
