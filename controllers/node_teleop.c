/* controllers/node_teleop.c - `mirai node teleop`: a joystick or the
 * terminal's keys to rt/teleop/twist, with a dead-man (release = zero). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <linux/joystick.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "controllers/node.h"
#include "controllers/teleop.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/params.h"
#include "dds/node.h"

typedef struct teleop_params {
  double rate_hz;
  double linear_speed;  /* m/s */
  double angular_speed; /* rad/s */
  double hold_time;     /* s */
  char device[MI_PARAM_STR_MAX];
  int64_t deadman_button;
  char frame_id[MI_PARAM_STR_MAX];
  mi_dds_params dds;
} teleop_params;

#define S teleop_params
static const mi_param_def k_defs[] = {
    MI_P_DOUBLE(S, rate_hz, "rate_hz", "50.0", 1.0, 1000.0, "Hz", "rt/teleop/twist publish rate"),
    MI_P_DOUBLE(S, linear_speed, "linear_speed", "0.05", 0.0, 2.0, "m/s", "speed of a key press or a full stick"),
    MI_P_DOUBLE(S, angular_speed, "angular_speed", "0.2", 0.0, 6.0, "rad/s", "turn rate of a key press or a full stick"),
    MI_P_DOUBLE(S, hold_time, "hold_time", "0.6", 0.05, 5.0, "s", "keyboard dead-man: a key press commands for this long (covers the auto-repeat delay)"),
    MI_P_STRING(S, device, "device", "\"\"", "joystick device (empty: the first /dev/input/js*, else the terminal; \"tty\": the terminal)"),
    MI_P_INT(S, deadman_button, "deadman_button", "4", 0, 31, NULL, "joystick button that must be held for motion"),
    MI_P_STRING(S, frame_id, "frame_id", "\"tool0\"", "frame of the twist"),
    MI_DDS_PARAM_ROWS(S, dds),
};
#undef S
static const mi_param_table k_table = {"teleop", k_defs, sizeof k_defs / sizeof k_defs[0]};

static int usage(FILE *f, int code) {
  fprintf(f,
          "usage: mirai node teleop [--params FILE] [-p name:=value ...]\n"
          "Keys (terminal): w/s +-x, a/d +-y, r/f +-z, q/e +-yaw, space stop, x quit.\n"
          "Joystick: hold the dead-man button and move the sticks. Release = zero.\n\n"
          "parameters:\n");
  mi_params_print_help(&k_table, f);
  return code;
}

static void publish(mi_dds_pub *pub, mi_dds_node *n, const char *frame, const mi_ctrl_twist *w) {
  mi_msg_twist_stamped m;
  mi_msg_init(MI_MSG_TWIST_STAMPED, &m);
  m.header = mi_dds_node_header(n, frame);
  m.twist.linear.x = w->lin[0];
  m.twist.linear.y = w->lin[1];
  m.twist.linear.z = w->lin[2];
  m.twist.angular.x = w->ang[0];
  m.twist.angular.y = w->ang[1];
  m.twist.angular.z = w->ang[2];
  MI_DDS_PUBLISH(pub, &m);
}

int mi_node_main_teleop(int argc, char **argv) {
  static teleop_params p;
  char err[512];
  if (mi_params_defaults(&k_table, &p, err, sizeof err) != MI_OK) {
    fprintf(stderr, "teleop: %s\n", err);
    return 1;
  }
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return usage(stdout, 0);
    if (!strcmp(argv[i], "--params-markdown")) { /* the README's reference */
      mi_params_print_markdown(&k_table, stdout);
      return 0;
    }
    if (!strcmp(argv[i], "--params") && i + 1 < argc) {
      if (mi_params_load_file(&k_table, NULL, argv[++i], &p, err, sizeof err) != MI_OK) {
        fprintf(stderr, "teleop: %s\n", err);
        return 2;
      }
    } else if (!strcmp(argv[i], "-p") && i + 1 < argc) {
      char *kv = argv[++i], *sep = strstr(kv, ":=");
      if (!sep) {
        fprintf(stderr, "teleop: -p wants name:=value, got '%s'\n", kv);
        return 2;
      }
      *sep = '\0';
      if (mi_params_set(&k_table, &p, kv, sep + 2, err, sizeof err) != MI_OK) {
        fprintf(stderr, "teleop: %s\n", err);
        return 2;
      }
    } else {
      fprintf(stderr, "teleop: unknown argument '%s'\n", argv[i]);
      return usage(stderr, 2);
    }
  }
  mi_log_set_thread_name("teleop");

  /* the input: a joystick, else the terminal (raw mode), else stdin bytes */
  int fd = -1;
  bool joystick = false, raw = false;
  struct termios saved;
  char dev[MI_PARAM_STR_MAX] = "";
  if (p.device[0] && strcmp(p.device, "tty") != 0) {
    snprintf(dev, sizeof dev, "%s", p.device);
  } else if (!p.device[0]) {
    glob_t g;
    if (glob("/dev/input/js*", 0, NULL, &g) == 0 && g.gl_pathc > 0)
      snprintf(dev, sizeof dev, "%s", g.gl_pathv[0]);
    globfree(&g);
  }
  if (dev[0]) {
    fd = open(dev, O_RDONLY | O_NONBLOCK);
    if (fd < 0) {
      fprintf(stderr, "teleop: cannot open %s: %s\n", dev, strerror(errno));
      return 1;
    }
    joystick = true;
    MI_LOGI("joystick %s, dead-man button %lld", dev, (long long)p.deadman_button);
  } else {
    fd = STDIN_FILENO;
    if (isatty(fd) && tcgetattr(fd, &saved) == 0) {
      struct termios t = saved;
      t.c_lflag &= (tcflag_t) ~(ICANON | ECHO | ISIG);
      t.c_cc[VMIN] = 0;
      t.c_cc[VTIME] = 0;
      raw = tcsetattr(fd, TCSANOW, &t) == 0;
    }
    MI_LOGI("keyboard%s: w/s a/d r/f q/e, space stop, x quit (hold to move)",
            raw ? "" : " (stdin, not a terminal)");
  }

  mi_dds_node_opts o;
  mi_dds_node_opts_init(&o, "teleop");
  o.dds = p.dds;
  mi_dds_node *node = NULL;
  mi_dds_pub *pub = NULL;
  int code = 0;
  if (mi_dds_node_create(&o, &node, err, sizeof err) != MI_OK ||
      mi_dds_pub_create_std(node, MI_TOPIC_TELEOP_TWIST, &pub) != MI_OK) {
    fprintf(stderr, "teleop: %s\n", err);
    code = 1;
    goto out;
  }
  mi_dds_install_signal_handlers();

  mi_ctrl_teleop t;
  mi_ctrl_teleop_init(&t, p.linear_speed, p.angular_speed, mi_ns_from_s(p.hold_time),
                      (int)p.deadman_button);
  int64_t period = mi_ns_from_s(1.0 / p.rate_hz);
  int64_t next = mi_clock_mono_ns();
  bool input_open = true;
  while (mi_dds_ok() && !t.quit) {
    int64_t now = mi_clock_mono_ns();
    int wait_ms = next > now ? (int)((next - now) / MI_NS_PER_MS) : 0;
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    if (input_open && poll(&pf, 1, wait_ms) > 0) {
      if (joystick) {
        struct js_event ev;
        ssize_t r;
        while ((r = read(fd, &ev, sizeof ev)) == (ssize_t)sizeof ev) {
          if ((ev.type & ~JS_EVENT_INIT) == JS_EVENT_BUTTON)
            mi_ctrl_teleop_button(&t, ev.number, ev.value != 0);
          else if ((ev.type & ~JS_EVENT_INIT) == JS_EVENT_AXIS)
            mi_ctrl_teleop_axis(&t, ev.number, ev.value);
        }
        if (r < 0 && errno == ENODEV) {
          /* unplugged: the dead-man is released */
          mi_ctrl_teleop_button(&t, (int)p.deadman_button, false);
          MI_LOGW("joystick gone; publishing zero");
          input_open = false;
        }
      } else {
        char buf[64];
        ssize_t r = read(fd, buf, sizeof buf);
        if (r == 0) input_open = false; /* end of a piped stdin */
        for (ssize_t i = 0; i < r; i++) mi_ctrl_teleop_key(&t, (unsigned char)buf[i], mi_clock_mono_ns());
      }
    } else if (!input_open) {
      mi_clock_sleep_ns(next - now);
    }
    now = mi_clock_mono_ns();
    if (now >= next) {
      mi_ctrl_twist w = mi_ctrl_teleop_twist(&t, now);
      publish(pub, node, p.frame_id, &w);
      next += period;
      if (next < now) next = now + period;
    }
  }
  /* leaving: the last word is zero */
  {
    mi_ctrl_twist zero;
    memset(&zero, 0, sizeof zero);
    publish(pub, node, p.frame_id, &zero);
  }
out:
  if (raw) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  if (joystick && fd >= 0) close(fd);
  mi_dds_node_destroy(node);
  return code;
}
