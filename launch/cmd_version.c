/* launch/cmd_version.c - `mirai version`. */
#include <stdio.h>
#include <string.h>

#include "launch/commands.h"
#include "launch/version.h"

int mi_cmd_version(int argc, char **argv) {
  if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    printf("usage: mirai version\n\nPrint mirai's version and the features this build has.\n");
    return MI_EXIT_OK;
  }
  printf("mirai %s\n", MIRAI_VERSION);
  printf("cuda backend: %s\n", MIRAI_HAVE_CUDA_BUILD ? "built" : "not built");
  return MI_EXIT_OK;
}
