#include "socket/acl.hpp"

#include <sys/stat.h>
#include <sys/xattr.h>

#include <algorithm>
#include <cerrno>

namespace stepdown::socket {
namespace {

constexpr std::uint32_t acl_xattr_version = 2;
constexpr std::size_t header_size = 4;
constexpr std::size_t entry_size = 8;
constexpr std::size_t max_acl_size = 64 * 1024;  // the kernel's XATTR_SIZE_MAX

std::uint32_t le32(std::string_view b, std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4; ++k) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + k])) << (8 * k);
    return v;
}
std::uint16_t le16(std::string_view b, std::size_t at) {
    return static_cast<std::uint16_t>(static_cast<unsigned char>(b[at]) |
                                      (static_cast<unsigned>(static_cast<unsigned char>(b[at + 1])) << 8));
}
void put_le(std::string& out, std::uint32_t v, std::size_t bytes) {
    for (std::size_t k = 0; k < bytes; ++k) out += static_cast<char>((v >> (8 * k)) & 0xffU);
}

bool in(gid_t g, gid_t primary, const std::vector<gid_t>& groups) {
    return g == primary || std::find(groups.begin(), groups.end(), g) != groups.end();
}

}  // namespace

const char* acl_tag_name(AclTag tag) {
    switch (tag) {
        case AclTag::UserObj:
        case AclTag::User: return "user";
        case AclTag::GroupObj:
        case AclTag::Group: return "group";
        case AclTag::Mask: return "mask";
        case AclTag::Other: return "other";
    }
    return "?";
}

Result<std::vector<AclEntry>> decode_acl_xattr(std::string_view bytes) {
    if (bytes.size() < header_size || (bytes.size() - header_size) % entry_size != 0)
        return Error{"malformed ACL: " + std::to_string(bytes.size()) + " bytes is not a header and whole entries"};
    if (const auto version = le32(bytes, 0); version != acl_xattr_version)
        return Error{"malformed ACL: version " + std::to_string(version) + ", expected 2"};
    std::vector<AclEntry> entries;
    for (std::size_t at = header_size; at < bytes.size(); at += entry_size) {
        const std::uint16_t tag = le16(bytes, at);
        const std::uint16_t perm = le16(bytes, at + 2);
        AclEntry e;
        switch (tag) {
            case 0x01: e.tag = AclTag::UserObj; break;
            case 0x02: e.tag = AclTag::User; break;
            case 0x04: e.tag = AclTag::GroupObj; break;
            case 0x08: e.tag = AclTag::Group; break;
            case 0x10: e.tag = AclTag::Mask; break;
            case 0x20: e.tag = AclTag::Other; break;
            default: return Error{"malformed ACL: unknown entry tag " + std::to_string(tag)};
        }
        if (perm > 7) return Error{"malformed ACL: permission bits " + std::to_string(perm)};
        e.perm = perm;
        if (e.named()) e.id = le32(bytes, at + 4);
        entries.push_back(e);
    }
    return entries;
}

std::string encode_acl_xattr(const std::vector<AclEntry>& entries) {
    std::string out;
    put_le(out, acl_xattr_version, 4);
    for (const auto& e : entries) {
        put_le(out, static_cast<std::uint32_t>(e.tag), 2);
        put_le(out, e.perm, 2);
        put_le(out, e.named() ? e.id : 0xffffffffU, 4);
    }
    return out;
}

std::string format_acl_entry(const AclEntry& e) {
    std::string s = acl_tag_name(e.tag);
    s += ':';
    if (e.named()) s += std::to_string(e.id);
    s += ':';
    s += (e.perm & acl_read) != 0 ? 'r' : '-';
    s += (e.perm & acl_write) != 0 ? 'w' : '-';
    s += (e.perm & acl_execute) != 0 ? 'x' : '-';
    return s;
}

AclRead read_acl(const std::string& path) {
    AclRead r;
    std::string buf(256, '\0');
    ssize_t n = -1;
    while (true) {
        n = ::getxattr(path.c_str(), "system.posix_acl_access", buf.data(), buf.size());
        if (n >= 0 || errno != ERANGE || buf.size() >= max_acl_size) break;
        buf.resize(max_acl_size);
    }
    if (n < 0) {
        if (errno == ENODATA) return r;
        if (errno == ENOTSUP) {
            r.unsupported = true;
            return r;
        }
        r.sys_errno = errno;
        return r;
    }
    buf.resize(static_cast<std::size_t>(n));
    auto decoded = decode_acl_xattr(buf);
    if (!decoded) {
        r.malformed = decoded.error().what;
        return r;
    }
    r.extended = std::any_of(decoded->begin(), decoded->end(),
                             [](const AclEntry& e) { return e.named() || e.tag == AclTag::Mask; });
    if (r.extended) r.entries = std::move(*decoded);
    return r;
}

Access may_write(mode_t mode, uid_t owner, gid_t group, const std::vector<AclEntry>& acl, uid_t uid, gid_t gid,
                 const std::vector<gid_t>& groups) {
    if (acl.empty()) {
        if (uid == owner) return {(mode & S_IWUSR) != 0, "owner"};
        if (in(group, gid, groups)) return {(mode & S_IWGRP) != 0, "group " + std::to_string(group)};
        return {(mode & S_IWOTH) != 0, "other"};
    }
    // The kernel's order: owner; named user (masked); any matching group
    // entry (owning group or named, masked) granting; a match without the
    // bit denies; other.
    unsigned mask = 7;
    for (const auto& e : acl)
        if (e.tag == AclTag::Mask) mask = e.perm;
    for (const auto& e : acl)
        if (e.tag == AclTag::UserObj && uid == owner) return {(e.perm & acl_write) != 0, "owner"};
    for (const auto& e : acl)
        if (e.tag == AclTag::User && e.id == uid)
            return {(e.perm & mask & acl_write) != 0, "acl " + format_acl_entry(e) + " (mask " +
                                                          format_acl_entry({AclTag::Mask, 0, mask}).substr(6) + ")"};
    bool group_matched = false;
    std::string matched;
    for (const auto& e : acl) {
        const bool group_obj = e.tag == AclTag::GroupObj && in(group, gid, groups);
        const bool named = e.tag == AclTag::Group && in(e.id, gid, groups);
        if (!group_obj && !named) continue;
        const std::string what = group_obj ? "group " + std::to_string(group) : "acl " + format_acl_entry(e);
        if ((e.perm & mask & acl_write) != 0) return {true, what};
        if (!group_matched) matched = what;
        group_matched = true;
    }
    if (group_matched) return {false, matched + " (no write after the mask)"};
    for (const auto& e : acl)
        if (e.tag == AclTag::Other) return {(e.perm & acl_write) != 0, "other"};
    return {false, "other"};
}

}  // namespace stepdown::socket
