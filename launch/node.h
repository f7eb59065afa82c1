/* launch/node.h - `mirai node <kind>`: each node kind is one function
 * `int mi_node_main_<kind>(int argc, char **argv)` (argv[0] is the kind; it
 * parses --params FILE, -p name:=value, --help) and one row in MI_NODE_KINDS.
 * The function runs the node until SIGINT/SIGTERM and returns an exit status.
 */
#ifndef MI_LAUNCH_NODE_H
#define MI_LAUNCH_NODE_H

/* X(kind, function, one-line summary) */
#define MI_NODE_KINDS(X) \
  X(controller, mi_node_main_controller, "follow rt/plan with deadline monitoring and safe stop") \
  X(teleop, mi_node_main_teleop, "keys or a joystick to rt/teleop/twist, with a dead-man") \
  X(sim, mi_node_main_sim, "the simulated cell (Bullet) on the predictor's URDF + cell YAML") \
  X(predictor, mi_node_main_predictor, "the world-model predictor: sensors in, verified plans on rt/plan")

#define MI_NODE_DECL_(kind, fn, doc) int fn(int argc, char **argv);
MI_NODE_KINDS(MI_NODE_DECL_)
#undef MI_NODE_DECL_

#endif /* MI_LAUNCH_NODE_H */
