/* The exported program (sf_program.h of `synergyflow compile`) as the harness's sf_program_t: the
 * one file of the harness compiled per program, in C99 like a firmware using the driver. */
#include "sf_driver.h"
#include "sf_program.h"

void harness_program(sf_program_t *prog, const void *image);

static const sf_job_t harness_jobs[SF_PROGRAM_JOB_COUNT] = SF_PROGRAM_JOBS;

void harness_program(sf_program_t *prog, const void *image) {
  const sf_program_t p = SF_PROGRAM_INIT(image, harness_jobs);
  *prog = p;
}
