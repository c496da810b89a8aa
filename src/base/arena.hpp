// A bump allocator over one block of memory it does not own: what the
// start-up arena (base/start_arena.hpp) is made of. Separate so that unit
// tests can drive it over a plain buffer.
//
// allocate() hands out the next 16-byte aligned piece, or nullptr when the
// piece does not fit or the arena is closed (the caller then uses malloc).
// deallocate() only counts, except that the most recent piece is taken back
// (a temporary string or buffer freed at once costs nothing). Once closed and
// with nothing left alive, the block may be given back whole.
//
// The start of the block is a bitmap with one bit per 16 bytes, set where a
// live piece starts: freeing anything else (a double free, an address inside
// a piece) is reported as NotLive instead of being counted, so that a bug
// cannot make the arena look empty while a piece is still in use.
#pragma once

#include <cstddef>
#include <cstdint>

namespace stepdown::mem {

class BumpArena {
public:
    static constexpr std::size_t alignment = 16;  // __STDCPP_DEFAULT_NEW_ALIGNMENT__ on x86-64

    BumpArena() = default;
    BumpArena(std::byte* base, std::size_t capacity) noexcept { attach(base, capacity); }

    enum class Freed { Piece, LastPiece, NotLive };

    // Takes over a zero-filled block (its start 16-byte aligned, its size a
    // multiple of 16); the arena is open. The bitmap takes capacity / 128 bytes.
    void attach(std::byte* base, std::size_t capacity) noexcept {
        base_ = base;
        capacity_ = capacity;
        map_bytes_ = round_up((capacity / alignment + 63) / 64 * sizeof(std::uint64_t));
        used_ = map_bytes_ < capacity ? map_bytes_ : capacity;
        last_ = none;
        open_ = base != nullptr && used_ < capacity;
    }

    [[nodiscard]] void* allocate(std::size_t size) noexcept {
        if (!open_ || size > capacity_ - used_) return nullptr;
        const std::size_t rounded = size == 0 ? alignment : round_up(size);
        if (rounded > capacity_ - used_) return nullptr;
        last_ = used_;
        used_ += rounded;
        mark(last_ / alignment, true);
        ++live_;
        ++allocations_;
        if (used_ > peak_) peak_ = used_;
        return base_ + last_;
    }

    // Whether p was handed out by this arena (any address inside the block).
    [[nodiscard]] bool owns(const void* p) const noexcept {
        const auto addr = reinterpret_cast<std::uintptr_t>(p);
        const auto base = reinterpret_cast<std::uintptr_t>(base_);
        return base_ != nullptr && addr >= base && addr - base < capacity_;
    }

    // p must be owned. LastPiece: the arena is closed and now empty, the
    // block may be given back (and then forget() called). NotLive: p is not
    // the start of a live piece; nothing was changed.
    [[nodiscard]] Freed deallocate(void* p) noexcept {
        const auto offset = static_cast<std::size_t>(static_cast<std::byte*>(p) - base_);
        if (offset < map_bytes_ || offset % alignment != 0 || !marked(offset / alignment) || live_ == 0) {
            return Freed::NotLive;
        }
        mark(offset / alignment, false);
        --live_;
        if (offset == last_) {
            used_ = last_;
            last_ = none;
        }
        return !open_ && live_ == 0 ? Freed::LastPiece : Freed::Piece;
    }

    // No further allocation. True when nothing is alive: the block may be given back.
    bool close() noexcept {
        open_ = false;
        return live_ == 0;
    }

    // The block is gone: no address is owned any more.
    void forget() noexcept {
        base_ = nullptr;
        capacity_ = 0;
        map_bytes_ = 0;
        used_ = 0;
        last_ = none;
        open_ = false;
    }

    [[nodiscard]] bool is_open() const noexcept { return open_; }
    [[nodiscard]] std::size_t live() const noexcept { return live_; }
    [[nodiscard]] std::size_t allocations() const noexcept { return allocations_; }
    [[nodiscard]] std::size_t peak_bytes() const noexcept { return peak_; }

private:
    static constexpr std::size_t none = ~std::size_t{0};

    static constexpr std::size_t round_up(std::size_t n) noexcept { return (n + alignment - 1) & ~(alignment - 1); }
    [[nodiscard]] std::uint64_t* map() const noexcept { return reinterpret_cast<std::uint64_t*>(base_); }
    [[nodiscard]] bool marked(std::size_t piece) const noexcept {
        return ((map()[piece / 64] >> (piece % 64)) & 1U) != 0;
    }
    void mark(std::size_t piece, bool live) noexcept {
        const std::uint64_t bit = std::uint64_t{1} << (piece % 64);
        if (live) map()[piece / 64] |= bit;
        else map()[piece / 64] &= ~bit;
    }

    std::byte* base_ = nullptr;
    std::size_t capacity_ = 0;
    std::size_t map_bytes_ = 0;  // the bitmap at the start of the block
    std::size_t used_ = 0;
    std::size_t last_ = none;  // offset of the most recent piece, while it is the top one
    std::size_t live_ = 0;
    std::size_t allocations_ = 0;
    std::size_t peak_ = 0;
    bool open_ = false;
};

}  // namespace stepdown::mem
