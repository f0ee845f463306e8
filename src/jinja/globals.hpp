#pragma once
// Installs Jinja2's default globals (range, dict, lipsum, cycler, joiner, namespace).
#include "jinja/environment.hpp"

namespace pond::jinja {

void install_default_globals(Environment& env);

}  // namespace pond::jinja
