/* SynergyFlow bare-metal host driver (C99; needs only stdint.h, stddef.h and string.h).
 *
 * The platform supplies a few hooks (register access, copies to and from device memory, and
 * optionally an interrupt wait and a tick counter); the driver loads a program that
 * `synergyflow compile` exported (its memory image and sf_program.h), starts it, waits for it by
 * polling or by interrupt under a timeout, and reads back status, the fault code, the counters,
 * the trace and the outputs. Every constant of the hardware contract comes from the generated
 * sf_hw.h; the driver defines none of its own. See sw/README.md. */
#ifndef SF_DRIVER_H
#define SF_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "sf_hw.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Results of the driver's functions: 0 for success, a positive value is the fault code the
 * hardware reported in STATUS.ERROR_CODE (SF_FAULT_*: the run stopped on it), a negative value
 * is one of the driver's own errors below. sf_result_name() names any of them. */
enum {
  SF_OK = 0,
  SF_ERR_TIMEOUT = -1,    /* the run did not finish within the timeout (it may still be running) */
  SF_ERR_NO_DEVICE = -2,  /* CFG_MAGIC or CFG_VERSION is not what sf_hw.h says */
  SF_ERR_CONFIG = -3,     /* the device's CFG_HASH differs from the program's configuration */
  SF_ERR_BUSY = -4,       /* a run is in progress */
  SF_ERR_ARG = -5,        /* a bad argument (a null pointer, an index out of range, a misaligned base) */
  SF_ERR_IO = -6,         /* a platform copy to or from device memory failed */
  SF_ERR_INCOMPLETE = -7  /* the run finished without a fault but completed fewer tasks than listed */
};

/* The platform's hooks. ctx is passed to each of them. */
typedef struct sf_platform {
  void *ctx;
  /* Read and write a 32-bit register at a byte offset of the AXI4-Lite port (SF_REG_*). */
  uint32_t (*read32)(void *ctx, uint32_t offset);
  void (*write32)(void *ctx, uint32_t offset, uint32_t value);
  /* Copy bytes to and from the accelerator's memory at a device byte address; 0 on success. */
  int (*copy_to_device)(void *ctx, uint32_t dev_addr, const void *src, size_t bytes);
  int (*copy_from_device)(void *ctx, void *dst, uint32_t dev_addr, size_t bytes);
  /* Optional (NULL: SF_WAIT_IRQ polls): block until irq_o is high or `timeout` ticks have
   * passed; 0 when the interrupt is raised, non-zero on a time-out. */
  int (*wait_irq)(void *ctx, uint64_t timeout);
  /* Optional: a monotonic tick counter (cycles, microseconds...), the unit of every timeout. NULL:
   * a timeout counts STATUS reads while polling, and wait_irq calls are given the whole timeout. */
  uint64_t (*ticks)(void *ctx);
} sf_platform_t;

/* An opened accelerator: its configuration block, read by sf_open. */
typedef struct sf_device {
  const sf_platform_t *plat;
  uint32_t config_hash;
  uint32_t engines;
  uint32_t channels;
  uint32_t bus_bytes;
  uint32_t trace_bytes;
  uint32_t tn;
  uint32_t tm;
} sf_device_t;

/* A tensor in device memory (a job's input or output), in the accelerator's blocked layout:
 * channel c of pixel (y, x) of image n is the lane c % lanes of the beat at
 *   addr + n * image_stride + (c / lanes) * cblock_stride + y * row_stride + x * col_stride. */
typedef struct sf_tensor {
  uint32_t addr;           /* device byte address of image 0, c-block 0, row 0, column 0 */
  uint32_t bytes;          /* bytes of the whole region */
  uint32_t batch;
  uint32_t channels;
  uint32_t height;
  uint32_t width;
  uint32_t lanes;          /* channels per memory beat (the configuration's tn) */
  uint32_t elem_bytes;     /* 1 (int8) or 2 (int16, little-endian in device memory) */
  uint32_t image_stride;   /* bytes */
  uint32_t cblock_stride;  /* bytes */
  uint32_t row_stride;     /* bytes */
  uint32_t col_stride;     /* bytes: one beat */
} sf_tensor_t;

typedef struct sf_job {
  const char *name;
  sf_tensor_t input;
  sf_tensor_t output;
} sf_job_t;

/* A compiled program, as sf_program.h (written by `synergyflow compile`) describes it. */
typedef struct sf_program {
  const void *image;       /* the memory image (image.bin), copied to device address image_base */
  uint32_t image_bytes;
  uint32_t image_base;
  uint32_t task_base;      /* TASK_BASE: the task list in the image */
  uint32_t task_count;     /* tasks in the list (before its END descriptor) */
  uint32_t trace_base;     /* TRACE_BASE: room for task_count trace records (0: no trace) */
  uint32_t trace_bytes;    /* bytes per trace record */
  uint32_t policy;         /* CTRL.POLICY (SF_POLICY_*) the program was compiled for */
  uint32_t static_log;     /* CTRL.STATIC_LOG */
  uint32_t config_hash;    /* CFG_HASH of the configuration it was compiled for */
  uint32_t job_count;
  const sf_job_t *jobs;
} sf_program_t;

typedef struct sf_status {
  uint32_t raw;            /* STATUS */
  int busy;
  int done;
  uint32_t error_code;     /* STATUS.ERROR_CODE: 0, or SF_FAULT_* */
  uint32_t tasks_done;
  uint64_t cycles;         /* of the current or last run */
  uint32_t rd_beats;
  uint32_t wr_beats;
  uint64_t rd_bytes;       /* beats times the bus width */
  uint64_t wr_bytes;
} sf_status_t;

typedef struct sf_engine_counters {
  uint32_t busy;
  uint32_t compute;
  uint32_t stall;
} sf_engine_counters_t;

typedef struct sf_channel_counters {
  uint32_t rd_beats;
  uint32_t wr_beats;
} sf_channel_counters_t;

typedef struct sf_trace_record {
  uint32_t task;
  uint32_t engine_mask;
  uint32_t start_cycle;
  uint32_t end_cycle;
} sf_trace_record_t;

typedef enum sf_wait_mode { SF_WAIT_POLL = 0, SF_WAIT_IRQ = 1 } sf_wait_mode_t;

/* Checks the configuration block (magic, version) and reads the sizes into dev. */
int sf_open(sf_device_t *dev, const sf_platform_t *plat);
/* Copies the program's image to device memory and programs TASK_BASE and TRACE_BASE. Refuses a
 * program compiled for another configuration (SF_ERR_CONFIG) and a busy device. */
int sf_load(sf_device_t *dev, const sf_program_t *prog);
/* Starts the loaded program under its policy; with irq non-zero, irq_o rises when it is done. */
int sf_start(sf_device_t *dev, const sf_program_t *prog, int irq);
/* Waits for the run to end (by polling STATUS, or by the platform's wait_irq), at most `timeout`
 * ticks (see sf_platform_t.ticks), then acknowledges DONE (which lowers irq_o). Returns SF_OK,
 * the hardware's fault code (> 0), SF_ERR_TIMEOUT, or SF_ERR_INCOMPLETE when the run finished
 * with fewer tasks done than prog lists. status (may be NULL) gets the final status. */
int sf_wait(sf_device_t *dev, const sf_program_t *prog, sf_wait_mode_t mode, uint64_t timeout, sf_status_t *status);
/* sf_load, sf_start and sf_wait. */
int sf_run(sf_device_t *dev, const sf_program_t *prog, sf_wait_mode_t mode, uint64_t timeout, sf_status_t *status);
/* Writes 1 to STATUS.DONE (interrupt acknowledge). */
void sf_ack(sf_device_t *dev);

int sf_read_status(sf_device_t *dev, sf_status_t *status);
int sf_read_engine_counters(sf_device_t *dev, uint32_t engine, sf_engine_counters_t *counters);
int sf_read_channel_counters(sf_device_t *dev, uint32_t channel, sf_channel_counters_t *counters);
/* Trace record `index` (0 .. TASKS_DONE - 1, in completion order). */
int sf_read_trace(sf_device_t *dev, const sf_program_t *prog, uint32_t index, sf_trace_record_t *record);

/* A tensor to or from a host buffer in NCHW order, elements of t->elem_bytes (int8_t or int16_t,
 * host byte order): e.g. a new input image before sf_start, the outputs after sf_wait. */
int sf_write_tensor(sf_device_t *dev, const sf_tensor_t *t, const void *nchw);
int sf_read_tensor(sf_device_t *dev, const sf_tensor_t *t, void *nchw);

/* "BAD_OPCODE", "TIMEOUT", ...: the name of any result of the functions above. */
const char *sf_result_name(int result);
/* "monolithic", "static", "elastic" (or "unknown"). */
const char *sf_policy_name(uint32_t policy);

#ifdef __cplusplus
}
#endif

#endif /* SF_DRIVER_H */
