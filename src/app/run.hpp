// The orchestration layer: the one place that logs failures and maps them to
// exit codes. main.cpp only calls run().
#pragma once

namespace stepdown::app {

int run(int argc, char* argv[], char* envp[]);

}  // namespace stepdown::app
