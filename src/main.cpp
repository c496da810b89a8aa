// stepdown: see README.md. All logic lives in the stepdown_core library.
#include "app/run.hpp"

int main(int argc, char* argv[], char* envp[]) { return stepdown::app::run(argc, argv, envp); }
