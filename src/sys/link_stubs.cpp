// Linked into the shipped binary only, each with -Wl,--wrap=SYMBOL (see
// CMakeLists.txt): stand-ins for library functions that stepdown never needs
// but whose mere references pull large parts of glibc and libstdc++ into the
// static binary (issue 6: binary size).
#include <cstddef>
#include <cstdlib>

#include "init/exec.hpp"

// libstdc++'s default terminate handler demangles the type of an uncaught
// exception before it aborts, and that one call links the whole C++
// demangler (~47 kB). Here demangling always fails, "invalid name", so the
// handler prints the mangled type name instead ("terminate called after
// throwing an instance of 'St9bad_alloc'") and still aborts. Nothing else in
// stepdown calls __cxa_demangle.
// The names are the linker's: --wrap=SYMBOL sends every reference to __wrap_SYMBOL.
extern "C" char* __wrap___cxa_demangle(  // NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp)
    const char* /*mangled*/, char* /*out*/, std::size_t* /*length*/, int* status) {
    if (status != nullptr) *status = -2;
    return nullptr;
}

// glibc's own assertions (in its start-up code; stepdown has none) report
// through __fxprintf, which handles wide streams and so links wide printf and
// the character-set converters (~30 kB with the next one). The same report,
// with one writev(2) (init::child_message), then abort() as glibc does.
extern "C" [[noreturn]] void __wrap___assert_fail(  // NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp)
    const char* assertion, const char* file, unsigned int line, const char* /*function*/) {
    char number[16];
    std::size_t i = sizeof number;
    number[--i] = '\0';
    do {
        number[--i] = static_cast<char>('0' + line % 10);
        line /= 10;
    } while (line != 0 && i > 0);
    stepdown::init::child_message({"stepdown: internal error: assertion failed in the C library: ",
                                   assertion != nullptr ? assertion : "?", " (", file != nullptr ? file : "?", ":",
                                   &number[i], ")\n"});
    std::abort();
}

// getopt's own diagnostics ("unrecognized option"), which stepdown turns off
// (opterr = 0 and a leading ':' in the option string, src/config/options.cpp)
// and replaces with its own messages: never printed.
extern "C" int __wrap___fxprintf_nocancel(  // NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp)
    void* /*stream*/, const char* /*format*/, ...) {
    return 0;
}
