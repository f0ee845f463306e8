#include "cli/app.hpp"

int main(int argc, char** argv) {
  return pond::cli::run_app(argc, argv);
}
