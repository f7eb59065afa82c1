/* tests/fuzz/fuzz_params.c - params YAML: any input gives MI_OK or an error
 * message, never a crash, hang or out-of-bounds access; values that load are
 * finite and in range. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/params.h"

typedef struct fz_params {
  double rate_hz;
  bool flag;
  int kind;
  int64_t count;
  mi_param_doubles noise;
  mi_param_strings names;
  char frame[MI_PARAM_STR_MAX];
} fz_params;

#define S fz_params
static const mi_param_def k_defs[] = {
    MI_P_DOUBLE(S, rate_hz, "rate_hz", "50.0", 1.0, 1000.0, "Hz", "rate"),
    MI_P_BOOL(S, flag, "flag", "false", "flag"),
    MI_P_ENUM(S, kind, "planner.kind", "mppi", "mppi|cem|ps", "kind"),
    MI_P_INT(S, count, "planner.count", "4", 1, 100, NULL, "count"),
    MI_P_DOUBLES(S, noise, "planner.noise", "[1]", 0.0, 5.0, NULL, "noise"),
    MI_P_STRINGS(S, names, "names", "[]", "names"),
    MI_P_STRING(S, frame, "frame", "world", "frame"),
};
#undef S
static const mi_param_table k_table = {"node", k_defs, sizeof k_defs / sizeof k_defs[0]};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  fz_params p;
  char err[512];
  if (mi_params_defaults(&k_table, &p, err, sizeof err) != MI_OK) abort();
  if (mi_params_apply_string(&k_table, NULL, text, "fuzz", &p, err, sizeof err) == MI_OK) {
    /* what loads obeys the table */
    if (!(p.rate_hz >= 1.0 && p.rate_hz <= 1000.0)) abort();
    if (p.count < 1 || p.count > 100) abort();
    if (p.kind < 0 || p.kind > 2) abort();
    if (p.noise.n < 0 || p.noise.n > MI_PARAM_ARRAY_MAX) abort();
    for (int i = 0; i < p.noise.n; i++)
      if (!(p.noise.v[i] >= 0.0 && p.noise.v[i] <= 5.0)) abort();
    if (memchr(p.frame, '\0', sizeof p.frame) == NULL) abort();
  } else if (strlen(err) == 0) {
    abort(); /* every failure explains itself */
  }
  free(text);
  return 0;
}
