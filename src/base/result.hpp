// Values inside, messages at the edge: library functions return an Error that
// carries the system error and the context, and never log. The orchestration
// layer (src/app) logs each failure once and maps it to an exit code.
#pragma once

#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace stepdown {

struct Error {
    std::string what;  // "cannot rename '/etc/.group.XXXX' to '/etc/group'"
    int sys_errno = 0; // 0 when no system call failed
    int exit_code = 0; // when non-zero, the exit code the edge must use (app/exit_codes.hpp)

    // "what: strerror" or just "what".
    [[nodiscard]] std::string message() const {
        if (sys_errno == 0) return what;
        return what + ": " + std::strerror(sys_errno);
    }
};

// A minimal expected<T, Error> (C++20 has none; clang-tidy 14 cannot parse <expected>).
template <typename T>
class Result {
public:
    Result(T value) : v_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
    Result(Error error) : v_(std::move(error)) {}      // NOLINT(google-explicit-constructor)
    [[nodiscard]] bool ok() const { return std::holds_alternative<T>(v_); }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<T>(v_); }
    const T& value() const { return std::get<T>(v_); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() { return value(); }
    const T& operator*() const { return value(); }
    [[nodiscard]] const Error& error() const { return std::get<Error>(v_); }

private:
    std::variant<T, Error> v_;
};

// For operations that return nothing but may fail.
using Status = std::optional<Error>;  // nullopt = success

}  // namespace stepdown
