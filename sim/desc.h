/* sim/desc.h - the plant's cell description from the predictor's own model:
 * the sim loads the same URDF and cell YAML as the predictor
 * (worldmodel/model.h, mi_wm_model_load) and turns the compiled mi_model
 * into a mi_sim_cell_desc for Bullet. Whatever the predictor believes about
 * the arm's kinematics, masses, inertias, damping and friction, the plant
 * starts from; the plant-only params (sim/params.h) then add what the
 * predictor does not know.
 *
 * Mapping (SI units, world = the cell frame):
 *  - arm: one Bullet link per moving body of the model (fixed joints are
 *    already fused by the model compiler), in dof order. Link i's frame is
 *    the model's body frame i (joint axis on local +z), so link i of the
 *    plant is dof i of the predictor; its joint origin is the model's
 *    tree_rot/tree_pos (the robot base pose is folded in there, so the Bullet
 *    base sits at the world origin); mass, COM and the inertia about the COM
 *    come from the body's spatial inertia; damping and friction from the
 *    URDF joint. Collision spheres of a body go on its link; spheres on the
 *    fixed base become static sphere fixtures (fixture_on_base), which the
 *    links jointed to the base ignore, as the model's self pairs skip
 *    parent and child.
 *  - joint names: the URDF names of the moving joints, in dof order (the
 *    order of rt/joint_states).
 *  - tool_link: the body carrying the end-effector link (wrist sensor).
 *  - fixtures: the cell's fixtures (box, cylinder, sphere) as static bodies,
 *    plus the floor (a static slab whose top face is ground_z).
 *  - conveyor: the belt box with its +x turned onto the belt direction (the
 *    direction must run along the belt's local x or y axis), speed.
 *  - part kinds: the cell's part types (shape, size, mass).
 *  - zone: the axis-aligned bounding box (world) of the zone named
 *    zone_name, or of the cell's first zone when zone_name is "" or NULL.
 *
 * Thread rules: pure function of its inputs.
 */
#ifndef MI_SIM_DESC_H
#define MI_SIM_DESC_H

#include <stddef.h>

#include "core/status.h"
#include "sim/cell.h"
#include "worldmodel/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fill *out from the model. zone_name selects the safety zone (see above).
 * @retval MI_ERR_INVALID  the model does not fit the plant (more joints or
 *                         spheres than Bullet's limits, an end effector on
 *                         the fixed base, a conveyor direction across the
 *                         belt, an unknown zone name); err says which
 * @retval MI_ERR_RANGE    more fixtures or part kinds than MI_SIM_MAX_* */
mi_status mi_sim_desc_from_model(const mi_model *m, const char *zone_name,
                                 mi_sim_cell_desc *out, char *err, size_t err_sz);

#ifdef __cplusplus
}
#endif

#endif /* MI_SIM_DESC_H */
