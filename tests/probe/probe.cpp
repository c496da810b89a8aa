// stepdown-probe: the static helper the scenario tests run as COMMAND.
//
// It reports facts from the kernel (ids, groups, capability sets, signal
// state, fds, process group) and from real sockets, so the tests assert on what
// the kernel says rather than on an image's tools (crun's tests/init.c idea).
// It also serves a tiny Docker-like HTTP API on a unix socket and offers small
// building blocks for the PID-1 tests. Plain libc and the C++ standard library
// only: no NSS (the force-included no_nss.hpp poisons it), no libcap-ng.
//
//   stepdown-probe report [--connect PATH]... [--ping PATH]...
//   stepdown-probe serve PATH [--mode ok|500|close|wrong] [--uid U] [--gid G]
//                            [--perm 0660] [--pidfile F] [--log F]
//   stepdown-probe sleep SECONDS          (decimal, e.g. 2 or 0.25)
//   stepdown-probe exit CODE
//   stepdown-probe kill-self SIGNAL
//   stepdown-probe orphans N [--linger SECONDS] [--wait SECONDS]
//   stepdown-probe trap SIGNAL FILE       (FILE.ready holds the pid once armed)
//   stepdown-probe tiocsti TARGET TEXT [TARGET TEXT]...
//                                         (TARGET: 0 for stdin, parent-fd0, or a tty path)
//   stepdown-probe subreaper PROGRAM [ARG...]
//                                         (becomes a child subreaper, then execs PROGRAM:
//                                          a launcher that is a subreaper, as tini's tests use)
//   stepdown-probe with-env ENTRY... -- PROGRAM [ARG...]
//                                         (execs PROGRAM with exactly these environ entries,
//                                          repeated names and entries without '=' included)
//
// Usage errors exit 2 with a message on stderr.

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <string>
#include <string_view>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

using Args = std::vector<std::string_view>;

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "stepdown-probe: %s\n", message.c_str());
  std::exit(2);
}

[[noreturn]] void fail(const std::string& operation, int err) {
  std::fprintf(stderr, "stepdown-probe: %s: %s\n", operation.c_str(), std::strerror(err));
  std::exit(1);
}

std::string quoted(std::string_view value) { return "'" + std::string(value) + "'"; }

// Strict unsigned decimal (or octal): digits only, no sign, no spaces, <= max.
std::optional<std::uint64_t> parse_uint(std::string_view text, std::uint64_t max, unsigned base = 10) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c >= static_cast<char>('0' + base)) return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (digit > max || value > (max - digit) / base) return std::nullopt;
    value = value * base + digit;
  }
  return value;
}

std::uint64_t need_uint(std::string_view what, std::string_view text, std::uint64_t max, unsigned base = 10) {
  const auto value = parse_uint(text, max, base);
  if (!value) usage_error("invalid " + std::string(what) + " " + quoted(text));
  return *value;
}

// Decimal seconds with an optional fraction: "2", "0.25".
timespec need_duration(std::string_view text) {
  const auto dot = text.find('.');
  const auto whole = need_uint("seconds", text.substr(0, dot), 1'000'000'000);
  long nanos = 0;
  if (dot != std::string_view::npos) {
    const auto frac = text.substr(dot + 1);
    if (frac.empty() || frac.size() > 9) usage_error("invalid seconds " + quoted(text));
    nanos = static_cast<long>(need_uint("seconds", frac, 999'999'999));
    for (auto i = frac.size(); i < 9; ++i) nanos *= 10;
  }
  return timespec{static_cast<time_t>(whole), nanos};
}

void sleep_for(timespec duration) {
  while (nanosleep(&duration, &duration) != 0 && errno == EINTR) {
  }
}

// Signal by number, by name with or without SIG (any case), or RTMIN+n / RTMAX-n.
int need_signal(std::string_view text) {
  if (const auto number = parse_uint(text, static_cast<std::uint64_t>(SIGRTMAX))) {
    if (*number > 0) return static_cast<int>(*number);
  }
  std::string name;
  for (const char c : text) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (name.starts_with("SIG")) name.erase(0, 3);
  for (int sig = 1; sig < SIGRTMIN; ++sig) {
    const char* abbrev = sigabbrev_np(sig);
    if (abbrev != nullptr && name == abbrev) return sig;
  }
  const auto rt = [&](std::string_view prefix, int base, int direction) -> std::optional<int> {
    if (!std::string_view(name).starts_with(prefix)) return std::nullopt;
    const auto rest = std::string_view(name).substr(prefix.size());
    if (rest.empty()) return base;
    if (rest.size() < 2 || rest[0] != (direction > 0 ? '+' : '-')) return std::nullopt;
    const auto offset = parse_uint(rest.substr(1), static_cast<std::uint64_t>(SIGRTMAX - SIGRTMIN));
    if (!offset) return std::nullopt;
    return base + direction * static_cast<int>(*offset);
  };
  if (const auto sig = rt("RTMIN", SIGRTMIN, 1)) return *sig;
  if (const auto sig = rt("RTMAX", SIGRTMAX, -1)) return *sig;
  usage_error("invalid signal " + quoted(text));
}

std::optional<std::string> read_file(const char* path) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string content;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) content.append(buffer, static_cast<std::size_t>(n));
  close(fd);
  if (n < 0) return std::nullopt;
  return content;
}

// send() with MSG_NOSIGNAL on sockets, so a peer that hung up gives EPIPE
// rather than killing the probe; write() on anything else.
bool write_all(int fd, std::string_view data) {
  bool is_socket = true;
  while (!data.empty()) {
    const ssize_t n = is_socket ? send(fd, data.data(), data.size(), MSG_NOSIGNAL) : write(fd, data.data(), data.size());
    if (n < 0 && errno == ENOTSOCK && is_socket) {
      is_socket = false;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Write FILE atomically (temp file + rename) so a poller never sees half of it.
void write_file_atomic(const std::string& path, const std::string& content) {
  const std::string temp = path + ".probe-tmp";
  const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create " + quoted(temp), errno);
  const bool ok = write_all(fd, content);
  const int err = errno;
  close(fd);
  if (!ok) fail("cannot write " + quoted(temp), err);
  if (rename(temp.c_str(), path.c_str()) != 0) fail("cannot rename to " + quoted(path), errno);
}

// ---------------------------------------------------------------- report

// The value of "Key:\tvalue" in /proc/self/status, or "<missing>".
std::string status_field(const std::string& status, std::string_view key) {
  const std::string needle = "\n" + std::string(key) + ":";
  auto pos = status.find(needle);
  if (pos == std::string::npos) return "<missing>";
  pos += needle.size();
  const auto end = status.find('\n', pos);
  const auto value = std::string_view(status).substr(pos, end - pos);
  const auto first = value.find_first_not_of(" \t");
  return first == std::string_view::npos ? "" : std::string(value.substr(first));
}

std::string open_fds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return "error:" + std::string(std::strerror(errno));
  const int own = dirfd(dir);
  std::vector<std::uint64_t> fds;
  while (const dirent* entry = readdir(dir)) {
    const auto fd = parse_uint(entry->d_name, 1U << 30);
    if (fd && *fd > 2 && *fd != static_cast<std::uint64_t>(own)) fds.push_back(*fd);
  }
  closedir(dir);
  std::sort(fds.begin(), fds.end());
  std::string list;
  for (const auto fd : fds) list += (list.empty() ? "" : ",") + std::to_string(fd);
  return list;
}

std::string groups_list() {
  const int count = getgroups(0, nullptr);
  if (count < 0) return "error:" + std::string(std::strerror(errno));
  std::vector<gid_t> groups(static_cast<std::size_t>(count));
  const int got = getgroups(count, groups.data());
  if (got < 0) return "error:" + std::string(std::strerror(errno));
  groups.resize(static_cast<std::size_t>(got));
  std::sort(groups.begin(), groups.end());
  std::string list;
  for (const auto gid : groups) list += (list.empty() ? "" : ",") + std::to_string(gid);
  return list;
}

// Whether setuid(0) works, tried in a child so the probe keeps its identity.
std::string setuid0() {
  std::fflush(nullptr);
  const pid_t child = fork();
  if (child < 0) return "error:" + std::string(std::strerror(errno));
  if (child == 0) _exit(setuid(0) == 0 ? 0 : 1);
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) return "error:" + std::string(std::strerror(errno));
  }
  if (!WIFEXITED(status)) return "error:child status " + std::to_string(status);
  return WEXITSTATUS(status) == 0 ? "succeeds" : "fails";
}

std::string env_or_unset(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "<unset>" : value;
}

// Connects to a unix stream socket; returns the fd or -errno.
int connect_unix(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return -ENAMETOOLONG;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    close(fd);
    return -err;
  }
  return fd;
}

void set_timeouts(int fd, long seconds) {
  const timeval tv{seconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

std::string errno_text(int err) {
  if (err == EAGAIN || err == EWOULDBLOCK) return "timed out waiting for a response";
  return std::strerror(err);
}

// One line, printable, bounded: for echoing a server's bytes into a report.
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, 60)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return text.size() > 60 ? out + "..." : out;
}

std::string check_connect(const std::string& path) {
  const int fd = connect_unix(path);
  if (fd < 0) return "error:" + std::string(std::strerror(-fd));
  close(fd);
  return "ok";
}

// OK only for status 200 with the body exactly "OK": anything else is an error.
std::string check_ping(const std::string& path) {
  const int fd = connect_unix(path);
  if (fd < 0) return "error:" + std::string(std::strerror(-fd));
  set_timeouts(fd, 5);
  std::string response;
  int err = 0;
  if (!write_all(fd, "GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")) {
    err = errno;
  } else {
    char buffer[4096];
    ssize_t n = 0;
    while (response.size() < 65536 && (n = recv(fd, buffer, sizeof buffer, 0)) != 0) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        err = errno;
        break;
      }
      response.append(buffer, static_cast<std::size_t>(n));
    }
  }
  close(fd);
  if (response.empty()) return "error:" + (err != 0 ? errno_text(err) : "connection closed without a response");
  const auto line_end = response.find("\r\n");
  const std::string_view line = std::string_view(response).substr(0, line_end);
  if (!line.starts_with("HTTP/1.") || line.size() < 12 || line[8] != ' ')
    return "error:not an HTTP response '" + printable(line) + "'";
  const auto status = parse_uint(line.substr(9, 3), 999);
  if (!status) return "error:bad HTTP status line '" + printable(line) + "'";
  if (*status != 200) return "error:http " + printable(line.substr(9));
  const auto header_end = response.find("\r\n\r\n");
  if (header_end == std::string::npos) return "error:truncated HTTP response";
  const auto body = std::string_view(response).substr(header_end + 4);
  if (body != "OK") return "error:unexpected body '" + printable(body) + "'";
  return err != 0 ? "error:" + errno_text(err) : "OK";
}

int cmd_report(const Args& args) {
  std::vector<std::pair<std::string, std::string>> sockets;  // (key, path)
  for (std::size_t i = 0; i < args.size(); i += 2) {
    if ((args[i] != "--connect" && args[i] != "--ping") || i + 1 >= args.size())
      usage_error("report: expected --connect PATH or --ping PATH, got " + quoted(args[i]));
    sockets.emplace_back(std::string(args[i].substr(2)), std::string(args[i + 1]));
  }
  const std::string fds = open_fds();  // first, before the probe opens anything
  const std::string status = read_file("/proc/self/status").value_or("");
  uid_t ruid = 0, euid = 0, suid = 0;
  gid_t rgid = 0, egid = 0, sgid = 0;
  getresuid(&ruid, &euid, &suid);
  getresgid(&rgid, &egid, &sgid);
  char cwd[4096];
  const char* cwd_ok = getcwd(cwd, sizeof cwd);

  std::vector<std::pair<std::string, std::string>> out = {
      {"pid", std::to_string(getpid())},
      {"ppid", std::to_string(getppid())},
      {"uid", std::to_string(ruid) + "," + std::to_string(euid) + "," + std::to_string(suid)},
      {"gid", std::to_string(rgid) + "," + std::to_string(egid) + "," + std::to_string(sgid)},
      {"groups", groups_list()},
      {"cap_eff", status_field(status, "CapEff")},
      {"cap_prm", status_field(status, "CapPrm")},
      {"cap_inh", status_field(status, "CapInh")},
      {"cap_amb", status_field(status, "CapAmb")},
      {"cap_bnd", status_field(status, "CapBnd")},
      {"no_new_privs", std::to_string(prctl(PR_GET_NO_NEW_PRIVS, 0UL, 0UL, 0UL, 0UL))},
      {"sig_blk", status_field(status, "SigBlk")},
      {"sig_ign", status_field(status, "SigIgn")},
      {"setuid0", setuid0()},
      {"home", env_or_unset("HOME")},
      {"user", env_or_unset("USER")},
      {"logname", env_or_unset("LOGNAME")},
      {"cwd", cwd_ok != nullptr ? cwd : "error:" + std::string(std::strerror(errno))},
      {"fds", fds},
      {"dumpable", std::to_string(prctl(PR_GET_DUMPABLE, 0UL, 0UL, 0UL, 0UL))},
      {"pgid", std::to_string(getpgrp())},
      {"sid", std::to_string(getsid(0))},
      {"tty_fg", std::to_string(tcgetpgrp(STDIN_FILENO))},
  };
  for (const auto& [kind, path] : sockets)
    out.emplace_back(kind + ':' + path, kind == "connect" ? check_connect(path) : check_ping(path));
  for (const auto& [key, value] : out) std::printf("%s=%s\n", key.c_str(), value.c_str());
  return std::fflush(stdout) == 0 ? 0 : 1;
}

// ---------------------------------------------------------------- serve

volatile std::sig_atomic_t g_signal = 0;

void note_signal(int sig) { g_signal = sig; }

void on_signal(int sig) {
  struct sigaction action{};
  action.sa_handler = note_signal;
  sigemptyset(&action.sa_mask);
  if (sigaction(sig, &action, nullptr) != 0) fail("sigaction", errno);
}

std::string http_response(int code, std::string_view content_type, std::string_view body, bool head) {
  const char* reason = code == 200 ? "OK" : code == 404 ? "Not Found" : "Internal Server Error";
  std::string response = "HTTP/1.1 " + std::to_string(code) + " " + reason + "\r\n";
  response += "Api-Version: 1.43\r\nServer: stepdown-probe\r\nConnection: close\r\n";
  response += "Content-Type: " + std::string(content_type) + "\r\n";
  response += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  if (!head) response += body;
  return response;
}

// Reads one request's headers, logs and answers it, then drains the rest.
void answer(int fd, std::string_view mode, const std::string& log_path) {
  if (mode == "close") return;
  set_timeouts(fd, 2);
  std::string request;
  char buffer[4096];
  std::size_t header_end = std::string::npos;
  while (request.size() < 65536 && (header_end = request.find("\r\n\r\n")) == std::string::npos) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return;
    request.append(buffer, static_cast<std::size_t>(n));
  }
  if (header_end == std::string::npos) return;
  const auto first_line = std::string_view(request).substr(0, request.find("\r\n"));
  const auto method = first_line.substr(0, first_line.find(' '));
  auto target = first_line.substr(std::min(first_line.size(), method.size() + 1));
  target = target.substr(0, target.find(' '));
  if (!log_path.empty()) {
    const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log >= 0) {
      write_all(log, std::string(method) + " " + std::string(target) + "\n");
      close(log);
    }
  }
  std::string response;
  if (mode == "500") {
    response = http_response(500, "application/json", "{\"message\":\"boom\"}", method == "HEAD");
  } else if (mode == "wrong") {  // 200 but not Docker: a ping must not call this OK
    response = http_response(200, "text/plain", "NOT OK", method == "HEAD");
  } else {
    auto path = target.substr(0, target.find('?'));
    if (path.starts_with("/v") && path.find('/', 1) != std::string_view::npos)  // /v1.43/_ping
      path.remove_prefix(path.find('/', 1));
    if ((method == "GET" || method == "HEAD") && path == "/_ping")
      response = http_response(200, "text/plain; charset=utf-8", "OK", method == "HEAD");
    else if (method == "GET" && path == "/containers/json")
      response = http_response(200, "application/json", "[]", false);
    else
      response = http_response(404, "application/json", "{\"message\":\"page not found\"}", method == "HEAD");
  }
  write_all(fd, response);
  // Let the client read everything before we close (a unix socket closed with
  // unread data resets the peer), bounded by the receive timeout.
  shutdown(fd, SHUT_WR);
  while (recv(fd, buffer, sizeof buffer, 0) > 0) {
  }
}

int cmd_serve(const Args& args) {
  if (args.empty() || args[0].starts_with("--")) usage_error("serve: missing socket PATH");
  const std::string path(args[0]);
  std::string_view mode = "ok";
  std::optional<std::uint64_t> uid, gid;
  std::uint64_t perm = 0660;
  std::string pidfile, log_path;
  for (std::size_t i = 1; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) usage_error("serve: option " + quoted(args[i]) + " needs a value");
    const auto value = args[i + 1];
    if (args[i] == "--mode" && (value == "ok" || value == "500" || value == "close" || value == "wrong")) mode = value;
    else if (args[i] == "--uid") uid = need_uint("uid", value, 0xfffffffeU);
    else if (args[i] == "--gid") gid = need_uint("gid", value, 0xfffffffeU);
    else if (args[i] == "--perm") perm = need_uint("mode", value, 07777, 8);
    else if (args[i] == "--pidfile") pidfile = value;
    else if (args[i] == "--log") log_path = value;
    else usage_error("serve: invalid option " + quoted(args[i]) + " " + quoted(value));
  }
  struct stat st{};
  if (lstat(path.c_str(), &st) == 0) fail("refusing to replace " + quoted(path), EEXIST);

  // Bind under a temporary name, set owner and mode, listen, then rename into
  // place: whoever sees PATH sees the final owner and mode and can connect.
  const std::string temp = path + ".probe-" + std::to_string(getpid());
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (temp.size() >= sizeof addr.sun_path) fail("cannot bind " + quoted(temp), ENAMETOOLONG);
  std::memcpy(addr.sun_path, temp.c_str(), temp.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("socket", errno);
  const mode_t old_umask = umask(0077);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) fail("cannot bind " + quoted(temp), errno);
  const auto give_up = [&](const std::string& operation) {
    const int err = errno;
    unlink(temp.c_str());
    fail(operation, err);
  };
  if ((uid || gid) && chown(temp.c_str(), uid ? static_cast<uid_t>(*uid) : static_cast<uid_t>(-1),
                            gid ? static_cast<gid_t>(*gid) : static_cast<gid_t>(-1)) != 0)
    give_up("cannot chown " + quoted(temp));
  if (chmod(temp.c_str(), static_cast<mode_t>(perm)) != 0) give_up("cannot chmod " + quoted(temp));
  if (listen(fd, 64) != 0) give_up("listen");
  if (lstat(temp.c_str(), &st) != 0) give_up("cannot stat " + quoted(temp));
  if (rename(temp.c_str(), path.c_str()) != 0) give_up("cannot rename to " + quoted(path));
  umask(old_umask);

  sigset_t stop_signals, wait_mask;
  sigemptyset(&stop_signals);
  for (const int sig : {SIGTERM, SIGINT, SIGHUP}) {
    sigaddset(&stop_signals, sig);
    on_signal(sig);
  }
  sigprocmask(SIG_BLOCK, &stop_signals, &wait_mask);
  sigdelset(&wait_mask, SIGTERM);
  sigdelset(&wait_mask, SIGINT);
  sigdelset(&wait_mask, SIGHUP);
  std::signal(SIGPIPE, SIG_IGN);
  if (!pidfile.empty()) write_file_atomic(pidfile, std::to_string(getpid()) + "\n");

  while (g_signal == 0) {  // the stop signals are only delivered inside ppoll
    pollfd pfd{fd, POLLIN, 0};
    if (ppoll(&pfd, 1, nullptr, &wait_mask) < 0) {
      if (errno == EINTR) continue;
      fail("ppoll", errno);
    }
    const int client = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    answer(client, mode, log_path);
    close(client);
  }
  close(fd);
  struct stat now{};  // unlink only our own socket, not one put there since
  if (lstat(path.c_str(), &now) == 0 && now.st_dev == st.st_dev && now.st_ino == st.st_ino) unlink(path.c_str());
  if (!pidfile.empty()) unlink(pidfile.c_str());
  return 0;
}

// ---------------------------------------------------------------- PID-1 building blocks

int cmd_kill_self(int sig) {
  // No core file in the test's working directory for SEGV, ABRT and friends.
  const rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  prctl(PR_SET_DUMPABLE, 0UL, 0UL, 0UL, 0UL);
  std::signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  std::fflush(nullptr);
  raise(sig);
  std::fprintf(stderr, "stepdown-probe: still alive after signal %d (its default action does not terminate)\n", sig);
  return 1;
}

// N grandchildren whose parent exits without reaping them: after this returns
// they are orphans of the nearest subreaper or PID 1, zombies once they exit.
int cmd_orphans(const Args& args) {
  if (args.empty()) usage_error("orphans: missing N");
  const auto count = need_uint("count", args[0], 100000);
  timespec linger{0, 0}, wait{0, 0};
  for (std::size_t i = 1; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) usage_error("orphans: option " + quoted(args[i]) + " needs a value");
    if (args[i] == "--linger") linger = need_duration(args[i + 1]);
    else if (args[i] == "--wait") wait = need_duration(args[i + 1]);
    else usage_error("orphans: invalid option " + quoted(args[i]));
  }
  std::fflush(nullptr);
  const pid_t middle = fork();
  if (middle < 0) fail("fork", errno);
  if (middle == 0) {
    for (std::uint64_t i = 0; i < count; ++i) {
      const pid_t child = fork();
      if (child < 0) {
        const std::string message = "stepdown-probe: fork: " + std::string(std::strerror(errno)) + "\n";
        write_all(STDERR_FILENO, message);
        _exit(1);
      }
      if (child == 0) {
        sleep_for(linger);
        _exit(0);
      }
    }
    _exit(0);
  }
  int status = 0;
  while (waitpid(middle, &status, 0) < 0) {
    if (errno != EINTR) fail("waitpid", errno);
  }
  std::printf("orphans=%llu\n", static_cast<unsigned long long>(count));
  std::fflush(stdout);
  sleep_for(wait);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

int cmd_trap(int sig, const std::string& file) {
  if (sig == SIGKILL || sig == SIGSTOP) usage_error("trap: signal " + std::to_string(sig) + " cannot be caught");
  sigset_t set, wait_mask;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_BLOCK, &set, &wait_mask);
  sigdelset(&wait_mask, sig);
  on_signal(sig);
  write_file_atomic(file + ".ready", std::to_string(getpid()) + "\n");
  while (g_signal == 0) sigsuspend(&wait_mask);
  write_file_atomic(file, std::to_string(g_signal) + "\n");
  return 0;
}

// A TIOCSTI attack (CVE-2016-2779 class), as a dropped app would try it on
// the terminal of the root shell that started it. First it tries to make fd 0
// its controlling terminal (TIOCSCTTY: what an app in a session of its own
// would need), then, for each TARGET, pushes TEXT and a newline into that
// terminal's input one byte at a time. A path is opened without O_NOCTTY, so
// a session leader without a terminal would acquire it if the kernel let it.
// parent-fd0 is the parent's fd 0 through /proc (an init left on the terminal).
// Prints tiocsctty=ok|error:<strerror> and tiocsti:TARGET=ok|error:<strerror>
// (the first failure; "open: " when the path cannot be opened). Exits 0.
int cmd_tiocsti(const Args& args) {
  if (args.empty() || args.size() % 2 != 0) usage_error("tiocsti: expected TARGET TEXT pairs");
  const auto result = [](bool ok, int err) { return ok ? std::string("ok") : "error:" + std::string(std::strerror(err)); };
  const bool stolen = ioctl(STDIN_FILENO, TIOCSCTTY, 0) == 0;
  std::printf("tiocsctty=%s\n", result(stolen, errno).c_str());
  for (std::size_t i = 0; i < args.size(); i += 2) {
    const std::string target(args[i]);
    const std::string text = std::string(args[i + 1]) + "\n";
    int fd = STDIN_FILENO;
    if (target != "0") {
      const std::string path = target == "parent-fd0" ? "/proc/" + std::to_string(getppid()) + "/fd/0" : target;
      fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
      if (fd < 0) {
        std::printf("tiocsti:%s=error:open: %s\n", target.c_str(), std::strerror(errno));
        continue;
      }
    }
    std::string outcome = "ok";
    for (const char c : text) {
      if (ioctl(fd, TIOCSTI, &c) != 0) {
        outcome = result(false, errno);
        break;
      }
    }
    if (fd != STDIN_FILENO) close(fd);
    std::printf("tiocsti:%s=%s\n", target.c_str(), outcome.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Args all(argv + 1, argv + argc);
  if (all.empty()) usage_error("usage: stepdown-probe report|serve|sleep|exit|kill-self|orphans|trap|tiocsti ...");
  const auto command = all[0];
  const Args args(all.begin() + 1, all.end());
  const auto need_args = [&](std::size_t n) {
    if (args.size() != n) usage_error(std::string(command) + ": expected " + std::to_string(n) + " argument(s)");
  };
  if (command == "report") return cmd_report(args);
  if (command == "serve") return cmd_serve(args);
  if (command == "orphans") return cmd_orphans(args);
  if (command == "tiocsti") return cmd_tiocsti(args);
  if (command == "subreaper") {
    if (args.empty()) usage_error("subreaper: expected PROGRAM [ARG...]");
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
      std::fprintf(stderr, "stepdown-probe: cannot become a child subreaper: %s\n", std::strerror(errno));
      return 1;
    }
    std::vector<std::string> owned(args.begin(), args.end());
    std::vector<char*> prog;
    for (auto& a : owned) prog.push_back(a.data());
    prog.push_back(nullptr);
    execv(prog[0], prog.data());
    std::fprintf(stderr, "stepdown-probe: cannot execute %s: %s\n", prog[0], std::strerror(errno));
    return 127;
  }
  if (command == "with-env") {
    // Shells and env(1) keep one value per name: this is how a test hands a
    // program an environ with repeated names and entries without '='.
    const auto dashes = std::find(args.begin(), args.end(), std::string_view("--"));
    if (dashes == args.end() || dashes + 1 == args.end()) usage_error("with-env: expected ENTRY... -- PROGRAM [ARG...]");
    std::vector<std::string> owned(args.begin(), args.end());
    const auto split = static_cast<std::size_t>(dashes - args.begin());
    std::vector<char*> envp;
    std::vector<char*> prog;
    for (std::size_t i = 0; i < owned.size(); ++i) {
      if (i < split) envp.push_back(owned[i].data());
      if (i > split) prog.push_back(owned[i].data());
    }
    envp.push_back(nullptr);
    prog.push_back(nullptr);
    execve(prog[0], prog.data(), envp.data());
    std::fprintf(stderr, "stepdown-probe: cannot execute %s: %s\n", prog[0], std::strerror(errno));
    return 127;
  }
  if (command == "sleep") {
    need_args(1);
    sleep_for(need_duration(args[0]));
    return 0;
  }
  if (command == "exit") {
    need_args(1);
    return static_cast<int>(need_uint("exit code", args[0], 255));
  }
  if (command == "kill-self") {
    need_args(1);
    return cmd_kill_self(need_signal(args[0]));
  }
  if (command == "trap") {
    need_args(2);
    return cmd_trap(need_signal(args[0]), std::string(args[1]));
  }
  usage_error("unknown command " + quoted(command));
}
