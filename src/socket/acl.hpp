// POSIX ACLs of a socket, read from the system.posix_acl_access extended
// attribute and decoded here (no libacl: one small binary, one format).
//
// The xattr (linux/posix_acl_xattr.h) is a little-endian u32 version (2)
// followed by 8-byte entries {u16 tag, u16 perm, u32 id}; ids are in the
// reader's user namespace. When an ACL has a mask entry, the mode's group
// bits show the mask and named entries are limited by it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace stepdown::socket {

enum class AclTag : std::uint16_t {
    UserObj = 0x01,
    User = 0x02,
    GroupObj = 0x04,
    Group = 0x08,
    Mask = 0x10,
    Other = 0x20,
};
const char* acl_tag_name(AclTag tag);  // "user", "group", "mask", "other"

struct AclEntry {
    AclTag tag = AclTag::Other;
    std::uint32_t id = 0;  // for User and Group only
    unsigned perm = 0;     // 4 read, 2 write, 1 execute

    [[nodiscard]] bool named() const { return tag == AclTag::User || tag == AclTag::Group; }
};

inline constexpr unsigned acl_read = 4;
inline constexpr unsigned acl_write = 2;
inline constexpr unsigned acl_execute = 1;

// Decodes the raw xattr value. Errors: truncated, wrong version, unknown tag.
Result<std::vector<AclEntry>> decode_acl_xattr(std::string_view bytes);

// The inverse (used by the tests to build inputs).
std::string encode_acl_xattr(const std::vector<AclEntry>& entries);

// getfacl's short text: "user::rw-", "user:1000:rw-", "mask::rw-", "other::---".
std::string format_acl_entry(const AclEntry& entry);

// What reading the ACL of a path gave. An ACL with only the three base
// entries equals the mode and is reported as none (as ls -l does).
struct AclRead {
    bool extended = false;            // has named entries or a mask
    std::vector<AclEntry> entries;    // all entries when extended
    int sys_errno = 0;                // a getxattr failure other than "no ACL"
    bool unsupported = false;         // the filesystem has no ACLs (ENOTSUP)
    std::string malformed;            // decode error, when the xattr was unreadable
};
AclRead read_acl(const std::string& path);  // follows symlinks, like stat/connect

// Whether (uid, gid, groups) may write (connect to) a file with this owner,
// mode and ACL, by the kernel's POSIX ACL algorithm (acl_permission_check);
// with no extended ACL, by the mode bits. Privileges (CAP_DAC_OVERRIDE) are
// not considered: the app has none. via names the deciding entry:
// "owner", "acl user:1000", "group 988", "acl group:1500", "other".
struct Access {
    bool allowed = false;
    std::string via;
};
Access may_write(mode_t mode, uid_t owner, gid_t group, const std::vector<AclEntry>& acl, uid_t uid, gid_t gid,
                 const std::vector<gid_t>& groups);

}  // namespace stepdown::socket
