// Force-included into every stepdown translation unit (see CMakeLists.txt).
// NSS lookups in a static glibc binary dlopen libnss_* at run time, and PID 1
// must never do that; stepdown parses /etc/passwd and /etc/group itself
// (src/userdb). The poison turns any use of these functions into a compile
// error; tests/CMakeLists.txt also checks the objects with nm.
// The pragma only works after the system headers that declare them.
#pragma once
#include <grp.h>
#include <pwd.h>
#pragma GCC poison getpwnam getpwnam_r getpwuid getpwuid_r getpwent
#pragma GCC poison getgrnam getgrnam_r getgrgid getgrgid_r getgrent
#pragma GCC poison initgroups getgrouplist lckpwdf ulckpwdf
