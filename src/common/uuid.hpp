#pragma once
#include <string>

namespace pond {

// A random (version 4) UUID in its canonical lower-case text form, for invocation/run ids,
// snapshot UUIDs and file names.
std::string random_uuid();

}  // namespace pond
