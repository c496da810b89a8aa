// Linked into the shipped binary only, with -Wl,--wrap=__cxa_demangle (see
// CMakeLists.txt). libstdc++'s default terminate handler demangles the type of
// an uncaught exception before it aborts, and that one call links the whole
// C++ demangler (~47 kB of the static binary, issue 6) into a program that
// never demangles anything else. Here demangling always fails, "invalid
// name", so the handler prints the mangled type name instead
// ("terminate called after throwing an instance of 'St9bad_alloc'") and
// still aborts. Nothing else in stepdown calls __cxa_demangle.
#include <cstddef>

extern "C" char* __wrap___cxa_demangle(const char* /*mangled*/, char* /*out*/, std::size_t* /*length*/,
                                       int* status) {
    if (status != nullptr) *status = -2;
    return nullptr;
}
