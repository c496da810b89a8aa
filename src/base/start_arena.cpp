#include "base/start_arena.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>

#include "base/arena.hpp"

namespace stepdown::mem {
namespace {

// Address space only: the kernel backs a page when it is first written, so an
// ordinary start touches ~20 pages of it. A start that needs more (a huge
// /etc/group) goes on in malloc.
constexpr std::size_t reserve_bytes = std::size_t{1} << 20;

struct State {
    BumpArena arena;
    void* base = nullptr;  // the mapping, reserve_bytes long, while it stands
    bool may_map = true;   // until the first allocation or the end of the start
    bool unmapped = false;
};

State& state() noexcept {
    static constinit State s;  // no guard, no allocation, no destructor to run
    return s;
}

void unmap(State& s) noexcept {
    if (s.base == nullptr) return;
    s.arena.forget();  // from now on no address is taken for the arena's
    // Cannot fail for a whole mapping of ours; if it did, the pages would stay.
    s.unmapped = ::munmap(s.base, reserve_bytes) == 0;
    s.base = nullptr;
}

// A delete of something the arena did not hand out, or handed out and took
// back already: a bug that must stop the process, as glibc's free would.
[[noreturn]] void not_live() noexcept {
    static const char msg[] =
        "stepdown: internal error: operator delete of a start-up arena address that is not a live piece\n";
    const ssize_t ignored = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    static_cast<void>(ignored);
    std::abort();
}

}  // namespace

void* start_allocate(std::size_t size) noexcept {
    State& s = state();
    if (s.may_map) {
        s.may_map = false;  // one attempt
        void* p = ::mmap(nullptr, reserve_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                         -1, 0);
        if (p == MAP_FAILED) return nullptr;
        s.base = p;
        s.arena.attach(static_cast<std::byte*>(p), reserve_bytes);
    }
    return s.arena.allocate(size);
}

bool start_free(void* p) noexcept {
    State& s = state();
    if (!s.arena.owns(p)) return false;
    switch (s.arena.deallocate(p)) {
        case BumpArena::Freed::Piece: break;
        case BumpArena::Freed::LastPiece: unmap(s); break;
        case BumpArena::Freed::NotLive: not_live();
    }
    return true;
}

void end_start() noexcept {
    State& s = state();
    s.may_map = false;  // a start that allocated nothing must not map the arena afterwards
    if (s.arena.close()) unmap(s);
}

StartArenaReport start_arena_report() noexcept {
    const State& s = state();
    return {s.arena.allocations() > 0, s.arena.peak_bytes(), s.arena.allocations(), s.arena.live(), s.unmapped};
}

}  // namespace stepdown::mem
