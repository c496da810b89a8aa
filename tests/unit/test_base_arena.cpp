#include <catch2/catch.hpp>

#include <array>
#include <cstddef>
#include <cstdint>

#include "base/arena.hpp"
#include "base/start_arena.hpp"

using stepdown::mem::BumpArena;

namespace {

struct Block {
    alignas(16) std::array<std::byte, 256> bytes{};
};

std::uintptr_t address(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

}  // namespace

TEST_CASE("BumpArena hands out 16-byte aligned pieces in order, after its bitmap, until full", "[arena]") {
    Block block;
    BumpArena arena(block.bytes.data(), block.bytes.size());
    // 256 bytes are 16 pieces: a one-word bitmap, rounded up to 16 bytes, comes first.
    void* a = arena.allocate(1);
    void* b = arena.allocate(17);
    void* c = arena.allocate(0);
    REQUIRE(a == block.bytes.data() + 16);
    CHECK(address(b) == address(a) + 16);
    CHECK(address(c) == address(b) + 32);  // 17 rounds up to 32; 0 still takes a piece of its own
    CHECK(address(c) % 16 == 0);
    CHECK(arena.owns(block.bytes.data()));
    CHECK(arena.owns(block.bytes.data() + 255));
    CHECK_FALSE(arena.owns(block.bytes.data() + 256));
    CHECK(arena.live() == 3);
    const std::size_t left = 256 - 80;
    CHECK(arena.allocate(left + 1) == nullptr);  // does not fit: the caller uses malloc
    CHECK(arena.allocate(~std::size_t{0}) == nullptr);
    CHECK(arena.allocate(~std::size_t{0} - 8) == nullptr);  // no wrap-around in the rounding
    void* d = arena.allocate(left);  // exactly what is left
    CHECK(address(d) == address(c) + 16);
    CHECK(arena.allocate(1) == nullptr);
    CHECK(arena.peak_bytes() == 256);
}

TEST_CASE("BumpArena takes back only the most recent piece", "[arena]") {
    Block block;
    BumpArena arena(block.bytes.data(), block.bytes.size());
    void* a = arena.allocate(32);
    void* b = arena.allocate(32);
    CHECK(arena.deallocate(b) == BumpArena::Freed::Piece);  // open: never "give the block back"
    CHECK(arena.allocate(48) == b);                         // b's place is reused
    void* c = arena.allocate(16);
    CHECK(arena.deallocate(a) == BumpArena::Freed::Piece);  // not the most recent: only counted
    void* d = arena.allocate(16);
    CHECK(address(d) == address(c) + 16);
    CHECK(arena.live() == 3);
    CHECK(arena.allocations() == 5);
}

TEST_CASE("BumpArena refuses to free what is not a live piece, and changes nothing", "[arena]") {
    Block block;
    BumpArena arena(block.bytes.data(), block.bytes.size());
    auto* a = static_cast<std::byte*>(arena.allocate(32));
    void* b = arena.allocate(16);
    CHECK(arena.deallocate(a) == BumpArena::Freed::Piece);
    CHECK(arena.deallocate(a) == BumpArena::Freed::NotLive);       // twice
    CHECK(arena.deallocate(a + 16) == BumpArena::Freed::NotLive);  // inside a piece
    CHECK(arena.deallocate(a + 1) == BumpArena::Freed::NotLive);   // not aligned
    CHECK(arena.deallocate(block.bytes.data()) == BumpArena::Freed::NotLive);  // the bitmap
    CHECK(arena.deallocate(block.bytes.data() + 200) == BumpArena::Freed::NotLive);  // never handed out
    CHECK(arena.live() == 1);
    CHECK_FALSE(arena.close());
    CHECK(arena.deallocate(b) == BumpArena::Freed::LastPiece);
    CHECK(arena.deallocate(b) == BumpArena::Freed::NotLive);
}

TEST_CASE("A closed BumpArena allocates nothing and is empty once its last piece is freed", "[arena]") {
    Block block;
    BumpArena arena(block.bytes.data(), block.bytes.size());
    void* a = arena.allocate(10);
    void* b = arena.allocate(10);
    CHECK_FALSE(arena.close());  // two pieces alive
    CHECK_FALSE(arena.is_open());
    CHECK(arena.allocate(10) == nullptr);
    CHECK(arena.deallocate(a) == BumpArena::Freed::Piece);
    CHECK(arena.deallocate(b) == BumpArena::Freed::LastPiece);  // the block may go
    arena.forget();
    CHECK_FALSE(arena.owns(block.bytes.data() + 16));

    Block other;
    BumpArena unused(other.bytes.data(), other.bytes.size());
    CHECK(unused.close());  // nothing alive: may go at once
    BumpArena none;
    CHECK(none.allocate(1) == nullptr);
    CHECK_FALSE(none.owns(nullptr));
}

TEST_CASE("Without the shipped binary's operator new the start-up arena stays unused", "[arena]") {
    // The unit tests keep the standard operator new: nothing reaches the arena.
    const auto report = stepdown::mem::start_arena_report();
    CHECK_FALSE(report.used);
    CHECK(report.live == 0);
    int marker = 0;
    CHECK_FALSE(stepdown::mem::start_free(&marker));
}
