/* controllers/teleop.c - keys and joystick to a twist, with a dead-man. */
#include "controllers/teleop.h"

#include <math.h>
#include <string.h>

void mi_ctrl_teleop_init(mi_ctrl_teleop *t, double linear_speed, double angular_speed,
                         int64_t hold_ns, int deadman_button) {
  memset(t, 0, sizeof *t);
  t->linear_speed = linear_speed;
  t->angular_speed = angular_speed;
  t->hold_ns = hold_ns;
  t->dead_band = 0.1;
  t->deadman_button = deadman_button;
}

bool mi_ctrl_teleop_key(mi_ctrl_teleop *t, int key, int64_t now_ns) {
  mi_ctrl_twist w;
  memset(&w, 0, sizeof w);
  double v = t->linear_speed, a = t->angular_speed;
  switch (key) {
    case 'w': w.lin[0] = v; break;
    case 's': w.lin[0] = -v; break;
    case 'a': w.lin[1] = v; break;
    case 'd': w.lin[1] = -v; break;
    case 'r': w.lin[2] = v; break;
    case 'f': w.lin[2] = -v; break;
    case 'q': w.ang[2] = a; break;
    case 'e': w.ang[2] = -a; break;
    case ' ':
      t->key_until_ns = now_ns; /* stop now */
      memset(&t->key_twist, 0, sizeof t->key_twist);
      return true;
    case 'x':
    case 3: /* Ctrl-C in raw mode */
      t->quit = true;
      t->key_until_ns = now_ns;
      memset(&t->key_twist, 0, sizeof t->key_twist);
      return true;
    default: return false;
  }
  t->key_twist = w;
  t->key_until_ns = now_ns + t->hold_ns;
  return true;
}

void mi_ctrl_teleop_button(mi_ctrl_teleop *t, int number, bool pressed) {
  if (number == t->deadman_button) t->button_held = pressed;
}

void mi_ctrl_teleop_axis(mi_ctrl_teleop *t, int number, int value) {
  if (number < 0 || number >= MI_CTRL_TELEOP_AXES) return;
  double x = (double)value / 32767.0;
  if (x > 1.0) x = 1.0;
  if (x < -1.0) x = -1.0;
  t->axes[number] = x;
}

static double band(double x, double b) { return fabs(x) < b ? 0.0 : x; }

mi_ctrl_twist mi_ctrl_teleop_twist(const mi_ctrl_teleop *t, int64_t now_ns) {
  mi_ctrl_twist w;
  memset(&w, 0, sizeof w);
  if (t->button_held) {
    w.lin[0] = -band(t->axes[1], t->dead_band) * t->linear_speed;
    w.lin[1] = -band(t->axes[0], t->dead_band) * t->linear_speed;
    w.lin[2] = -band(t->axes[4], t->dead_band) * t->linear_speed;
    w.ang[2] = -band(t->axes[3], t->dead_band) * t->angular_speed;
    return w;
  }
  if (now_ns < t->key_until_ns) return t->key_twist;
  return w;
}

bool mi_ctrl_twist_is_zero(const mi_ctrl_twist *w) {
  for (int i = 0; i < 3; i++)
    if (w->lin[i] != 0.0 || w->ang[i] != 0.0) return false;
  return true;
}
