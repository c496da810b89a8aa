// The start-up arena (issue 6: PID 1's idle memory).
//
// Everything stepdown allocates while it starts (options, environment,
// /etc/passwd, /etc/group and /etc/gshadow parsed, the plan, the app's argv
// and environment) is garbage once the app is forked, but in glibc's heap it
// stays resident: freed chunks sit among live ones, glibc's per-thread cache
// keeps some of them, and malloc_trim cannot give those pages back. The
// shipped static binary therefore replaces operator new and delete
// (src/sys/start_arena_new.cpp) with these functions: until end_start(),
// C++ allocations come from one private anonymous mapping; after it they
// come from malloc, and the mapping is unmapped, whole, as soon as the last
// piece allocated in it is freed (in the supervisor, right after the fork).
// A piece still alive keeps the mapping; nothing is ever unmapped under it.
//
// The dynamic and sanitizer builds keep the standard operator new, so there
// nothing is allocated here and these functions do nothing. C allocations
// (libcap-ng, glibc) always use malloc. Single-threaded, like stepdown.
#pragma once

#include <cstddef>

namespace stepdown::mem {

// A piece of at least size bytes, 16-byte aligned, or nullptr (the arena is
// over, full, or could not be mapped): the caller uses malloc instead.
void* start_allocate(std::size_t size) noexcept;

// Frees p when the arena handed it out (true); false: p is malloc's.
bool start_free(void* p) noexcept;

// The start is over: later allocations come from malloc.
void end_start() noexcept;

struct StartArenaReport {
    bool used = false;          // anything was allocated in it
    std::size_t peak_bytes = 0;
    std::size_t allocations = 0;
    std::size_t live = 0;       // pieces not freed yet
    bool unmapped = false;      // given back to the kernel
};
StartArenaReport start_arena_report() noexcept;

}  // namespace stepdown::mem
