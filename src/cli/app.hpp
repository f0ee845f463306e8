#pragma once

namespace pond::cli {

// Parses the command line, runs the command, and returns the process exit code
// (0 ok, 1 a step failed, 2 bad usage or configuration, 130 interrupted).
int run_app(int argc, char** argv);

}  // namespace pond::cli
