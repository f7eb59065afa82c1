/* controllers/teleop.h - the teleop node's input logic, free of DDS and of
 * terminals so that it can be tested: key and joystick events to a twist
 * with a dead-man rule.
 *
 * Keyboard (a terminal in raw mode): each key press commands its twist for
 * hold_ns; a terminal sends no key-up events, so a held key is seen through
 * auto-repeat, and releasing it means no press within hold_ns: the twist
 * falls to zero (the dead-man). Space zeroes at once.
 *
 *   w / s   +x / -x        a / d   +y / -y        r / f   +z / -z
 *   q / e   +yaw / -yaw    space   stop           x or Ctrl-C   quit
 *
 * Joystick (Linux /dev/input/js*): the twist follows the axes only while the
 * dead-man button is held; releasing it zeroes the twist at once.
 * Axes: 0 -> y (inverted), 1 -> x (inverted), 3 -> yaw (inverted), 4 -> z
 * (inverted), scaled by the speeds, with a dead band.
 *
 * Units: m/s and rad/s; times in ns on any monotonic clock the caller picks.
 * Not thread-safe: one thread owns a mi_ctrl_teleop.
 */
#ifndef MI_CTRL_TELEOP_H
#define MI_CTRL_TELEOP_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mi_ctrl_twist {
  double lin[3]; /* m/s */
  double ang[3]; /* rad/s */
} mi_ctrl_twist;

#define MI_CTRL_TELEOP_AXES 8

typedef struct mi_ctrl_teleop {
  double linear_speed;  /* m/s at full key / full stick */
  double angular_speed; /* rad/s */
  int64_t hold_ns;      /* keyboard dead-man: a press lasts this long */
  double dead_band;     /* joystick axes below this fraction count as 0 */
  int deadman_button;   /* joystick button that must be held */
  /* state */
  mi_ctrl_twist key_twist;
  int64_t key_until_ns; /* key twist valid before this time */
  bool button_held;
  double axes[MI_CTRL_TELEOP_AXES]; /* -1..1 */
  bool quit;
} mi_ctrl_teleop;

void mi_ctrl_teleop_init(mi_ctrl_teleop *t, double linear_speed, double angular_speed,
                         int64_t hold_ns, int deadman_button);

/* A key byte at now_ns. Returns false for a key that means nothing. */
bool mi_ctrl_teleop_key(mi_ctrl_teleop *t, int key, int64_t now_ns);

/* Joystick events: a button changed, an axis moved (raw -32767..32767). */
void mi_ctrl_teleop_button(mi_ctrl_teleop *t, int number, bool pressed);
void mi_ctrl_teleop_axis(mi_ctrl_teleop *t, int number, int value);

/* The twist to publish at now_ns: the joystick's while its dead-man button
 * is held, else the last key's within hold_ns, else zero. */
mi_ctrl_twist mi_ctrl_teleop_twist(const mi_ctrl_teleop *t, int64_t now_ns);

/* True when every component is zero. */
bool mi_ctrl_twist_is_zero(const mi_ctrl_twist *w);

#ifdef __cplusplus
}
#endif

#endif /* MI_CTRL_TELEOP_H */
