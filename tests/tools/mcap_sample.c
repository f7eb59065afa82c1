/* tests/tools/mcap_sample.c - write a small ros2-profile MCAP file with
 * mirai's writer, for the cross-check with the reference reader.
 * usage: mcap_sample FILE N_MESSAGES */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dds/mcap.h"

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: mcap_sample FILE N_MESSAGES\n");
    return 2;
  }
  mi_mcap_writer *w;
  char err[256];
  if (mi_mcap_writer_open(argv[1], "mirai test", &w, err, sizeof err) != MI_OK) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  static const char def[] = "builtin_interfaces/Time clock\n"
                            "================================================================================\n"
                            "MSG: builtin_interfaces/Time\nint32 sec\nuint32 nanosec\n";
  uint16_t sid, cid;
  const char *keys[] = {"offered_qos_profiles"};
  const char *vals[] = {"- history: 1\n  depth: 1\n  reliability: 2\n  durability: 2\n"};
  if (mi_mcap_add_schema(w, "rosgraph_msgs/msg/Clock", "ros2msg", def, strlen(def), &sid) ||
      mi_mcap_add_channel(w, sid, "/clock", "cdr", keys, vals, 1, &cid))
    return 1;
  int n = atoi(argv[2]);
  for (int i = 0; i < n; i++) {
    /* CDR little-endian encapsulation, then sec and nanosec */
    unsigned char p[12] = {0x00, 0x01, 0x00, 0x00};
    unsigned int sec = (unsigned)i, nsec = 500u;
    memcpy(p + 4, &sec, 4);
    memcpy(p + 8, &nsec, 4);
    if (mi_mcap_write_message(w, cid, (unsigned)i, 1000000000ull * (unsigned)i, 0, p, sizeof p))
      return 1;
  }
  return mi_mcap_writer_close(w) == MI_OK ? 0 : 1;
}
