#pragma once
// Which process runs something (runs and backfills record it, so that one whose process died is
// found): the host name and whether a pid of this host is alive.
#include <cstdint>
#include <string>

#include "runstore/run_store.hpp"

namespace pond::runstore {

std::string this_host();
// EPERM counts as alive (a process of another user).
bool process_alive(std::int64_t pid);

// The runs table's columns as read_run reads them (queue.cpp reads runs too).
const char* run_columns();
RunRecord read_run(const state::Row& row);

}  // namespace pond::runstore
