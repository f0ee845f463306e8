#pragma once
// Which process runs something (runs and backfills record it, so that one whose process died is
// found): the host name and whether a pid of this host is alive.
#include <cstdint>
#include <string>

namespace pond::runstore {

std::string this_host();
// EPERM counts as alive (a process of another user).
bool process_alive(std::int64_t pid);

}  // namespace pond::runstore
