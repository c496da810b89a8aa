// src/socket/acl.cpp: the system.posix_acl_access xattr decoded without libacl,
// and the kernel's POSIX ACL access check for write (connect).
#include <catch2/catch.hpp>
#include <sys/stat.h>

#include "socket/acl.hpp"

using namespace stepdown;
using socket::AclEntry;
using socket::AclTag;

namespace {
const std::vector<AclEntry> with_named = {
    {AclTag::UserObj, 0, 6}, {AclTag::User, 1000, 6},  {AclTag::GroupObj, 0, 6},
    {AclTag::Group, 1500, 6}, {AclTag::Mask, 0, 6},   {AclTag::Other, 0, 0},
};
}  // namespace

TEST_CASE("check acl xattr: encode and decode round-trip, getfacl text", "[check][acl]") {
    const std::string raw = socket::encode_acl_xattr(with_named);
    REQUIRE(raw.size() == 4 + 6 * 8);
    CHECK(raw.substr(0, 4) == std::string("\x02\x00\x00\x00", 4));
    // user:1000:rw- is tag 0x0002, perm 6, id 1000 (0x3e8), little-endian
    CHECK(raw.substr(12, 8) == std::string("\x02\x00\x06\x00\xe8\x03\x00\x00", 8));
    auto back = socket::decode_acl_xattr(raw);
    REQUIRE(back);
    REQUIRE(back->size() == with_named.size());
    std::string text;
    for (const auto& e : *back) text += socket::format_acl_entry(e) + " ";
    CHECK(text == "user::rw- user:1000:rw- group::rw- group:1500:rw- mask::rw- other::--- ");
}

TEST_CASE("check acl xattr: malformed input is an error, never a guess", "[check][acl]") {
    CHECK_FALSE(socket::decode_acl_xattr(""));
    CHECK_FALSE(socket::decode_acl_xattr(std::string("\x02\x00\x00", 3)));
    CHECK_FALSE(socket::decode_acl_xattr(std::string("\x01\x00\x00\x00", 4)));              // version 1
    CHECK_FALSE(socket::decode_acl_xattr(std::string("\x02\x00\x00\x00\x01\x00\x06", 7)));  // half an entry
    CHECK_FALSE(socket::decode_acl_xattr(std::string("\x02\x00\x00\x00\x40\x00\x06\x00\xff\xff\xff\xff", 12)));  // tag
    CHECK_FALSE(socket::decode_acl_xattr(std::string("\x02\x00\x00\x00\x01\x00\x08\x00\xff\xff\xff\xff", 12)));  // perm
    auto empty = socket::decode_acl_xattr(std::string("\x02\x00\x00\x00", 4));
    REQUIRE(empty);
    CHECK(empty->empty());
}

TEST_CASE("check acl access check: the kernel's order", "[check][acl]") {
    const mode_t m = S_IFSOCK | 0660;
    struct Case {
        const char* name;
        std::vector<AclEntry> acl;
        uid_t uid;
        gid_t gid;
        std::vector<gid_t> groups;
        bool allowed;
        const char* via;
    };
    std::vector<AclEntry> masked = with_named;
    masked[4].perm = 4;  // mask::r--
    std::vector<AclEntry> group_ro = with_named;
    group_ro[2].perm = 4;  // group::r--
    const Case cases[] = {
        {"no ACL, in the group", {}, 1000, 1000, {988}, true, "group 988"},
        {"no ACL, not in the group", {}, 1000, 1000, {}, false, "other"},
        {"no ACL, owner", {}, 0, 1000, {}, true, "owner"},
        {"named user", with_named, 1000, 1000, {}, true, "acl user:1000:rw- (mask rw-)"},
        {"named user limited by the mask", masked, 1000, 1000, {}, false, "acl user:1000:rw- (mask r--)"},
        {"named group", with_named, 2000, 2000, {1500}, true, "acl group:1500:rw-"},
        {"owning group through the ACL", with_named, 2000, 2000, {988}, true, "group 988"},
        {"named group limited by the mask", masked, 2000, 2000, {1500}, false,
         "acl group:1500:rw- (no write after the mask)"},
        {"group entry without write, another with", group_ro, 2000, 2000, {988, 1500}, true, "acl group:1500:rw-"},
        {"nobody matches: other", with_named, 2000, 2000, {}, false, "other"},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        auto a = socket::may_write(m, 0, 988, c.acl, c.uid, c.gid, c.groups);
        CHECK(a.allowed == c.allowed);
        CHECK(a.via == c.via);
    }
}
