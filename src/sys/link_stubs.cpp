// Linked into the shipped binary only, each with -Wl,--wrap=SYMBOL (see
// CMakeLists.txt): stand-ins for library functions that stepdown never needs
// but whose mere references pull large parts of glibc and libstdc++ into the
// static binary (issue 6: binary size).
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace {

void write_all(const char* text) {
    std::size_t left = std::strlen(text);
    while (left > 0) {
        const ssize_t n = ::write(STDERR_FILENO, text, left);
        if (n <= 0) return;
        text += n;
        left -= static_cast<std::size_t>(n);
    }
}

}  // namespace

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
// with write(2), then abort() as glibc does.
extern "C" [[noreturn]] void __wrap___assert_fail(  // NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp)
    const char* assertion, const char* file, unsigned int line, const char* /*function*/) {
    char number[16];
    std::size_t i = sizeof number;
    number[--i] = '\0';
    do {
        number[--i] = static_cast<char>('0' + line % 10);
        line /= 10;
    } while (line != 0 && i > 0);
    write_all("stepdown: internal error: assertion failed in the C library: ");
    write_all(assertion != nullptr ? assertion : "?");
    write_all(" (");
    write_all(file != nullptr ? file : "?");
    write_all(":");
    write_all(&number[i]);
    write_all(")\n");
    std::abort();
}

// getopt's own diagnostics ("unrecognized option"), which stepdown turns off
// (opterr = 0 and a leading ':' in the option string, src/config/options.cpp)
// and replaces with its own messages: never printed.
extern "C" int __wrap___fxprintf_nocancel(  // NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp)
    void* /*stream*/, const char* /*format*/, ...) {
    return 0;
}
