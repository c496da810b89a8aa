// The /etc/group edit, decided as a pure function of the parsed files. Rules:
// - a group that already has the GID is reused: never renamed, never
//   renumbered; the member (when the target has a passwd name) is appended to
//   its member list unless already there;
// - when no group has the GID, a group is created with the preferred name; when
//   that name is taken by another GID, a free name is derived deterministically
//   ("docker" -> "docker-988" -> "docker-988-2" ...);
// - /etc/gshadow, when present, is kept consistent: created groups get
//   "name:!::member", added members are appended to the existing line.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "userdb/group.hpp"

namespace stepdown::userdb {

struct GroupEditRequest {
    gid_t gid = 0;
    std::string preferred_name;           // --group-name, default "docker"
    std::optional<std::string> member;    // target's passwd name, if it has one
};

enum class GroupAction { Unchanged, AddedMember, Created };

struct GroupOutcome {
    gid_t gid = 0;
    GroupAction action = GroupAction::Unchanged;
    std::string group_name;   // the name that has the GID after the edit
    std::string reason;       // human text: "group 'docker' (988) already lists 'app'"
};

struct GroupEditPlan {
    std::vector<GroupOutcome> outcomes;    // one per request, same order
    bool changes = false;                  // any line added or modified
    std::string group_content;             // the complete new /etc/group
    std::optional<std::string> gshadow_content;  // new /etc/gshadow, when one was given
};

GroupEditPlan plan_group_edit(const GroupFile& group, const std::optional<GshadowFile>& gshadow,
                              const std::vector<GroupEditRequest>& requests);

}  // namespace stepdown::userdb
