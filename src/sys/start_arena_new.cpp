// Linked into the shipped static binary only (CMakeLists.txt): the global
// operator new and delete, routed through the start-up arena
// (base/start_arena.hpp), with malloc and free behind it. The array and sized
// forms are defined here; the nothrow forms reach these through libstdc++'s
// defaults (GCC >= 9); the aligned forms are not routed here (stepdown
// allocates nothing over-aligned) and keep libstdc++'s own pairing of
// aligned_alloc and free. No new_handler is ever installed, so none is called.
#include <cstdlib>
#include <new>

#include "base/start_arena.hpp"

void* operator new(std::size_t size) {
    if (void* p = stepdown::mem::start_allocate(size)) return p;
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}

void* operator new[](std::size_t size) { return ::operator new(size); }

void operator delete(void* p) noexcept {
    if (p == nullptr || stepdown::mem::start_free(p)) return;
    std::free(p);
}

void operator delete[](void* p) noexcept { ::operator delete(p); }
void operator delete(void* p, std::size_t /*size*/) noexcept { ::operator delete(p); }
void operator delete[](void* p, std::size_t /*size*/) noexcept { ::operator delete(p); }
